"""Consistency checks for courses (run by check_consistency, see training_site/consistency.py)."""

import datetime

from django.conf import settings

from courses.events import delivery_attempt
from courses.events import learner_events_undelivered as undelivered
from training_site.consistency import Finding

# A first delivery gets LEARNER_EVENT_FIRST_DELIVERY_GRACE before the sweep takes over, then
# the sweep runs every minute: a delivery still pending this much later has failed repeatedly
# or is not being swept.
REPORT_AFTER_SWEEPS = datetime.timedelta(minutes=10)


def learner_events_undelivered(*, fix: bool) -> list[Finding]:
    """Learner event deliveries still pending well after their event. ``fix`` tries each
    once more now (a subscriber that still fails stays reported, with its error)."""
    older_than = datetime.timedelta(seconds=settings.LEARNER_EVENT_FIRST_DELIVERY_GRACE) + REPORT_AFTER_SWEEPS
    findings = []
    for delivery in undelivered(older_than=older_than).order_by("pk"):
        fixed = fix and delivery_attempt(delivery_id=delivery.pk)
        detail = f"; last error: {delivery.last_error}" if delivery.last_error else ""
        findings.append(
            Finding(
                "learner_events_undelivered",
                f"event {delivery.event_id} → {delivery.subscriber}",
                f"{delivery.event.kind} not delivered after {delivery.attempts} attempt(s){detail}",
                fixed,
            )
        )
    return findings
