"""The courses row of the notification table (training_site/notifications.py): due-date
reminders. When each is said is courses/reminders.py; what is still open is
``courses.selectors.assignments_open`` (which asks the progress owner)."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses import reminders
from courses.selectors import assignments_open
from training_site.notifications import Occurrence

KEY_PREFIX = "course_due"


def _batch_key(*, threshold: str, due_on: datetime.date) -> str:
    # Everything due the same day at the same threshold is said in one email.
    return f"{KEY_PREFIX}:{threshold}:{due_on.isoformat()}"


def _threshold_of(batch_key: str) -> str:
    return batch_key.split(":")[1]


def course_due_reminder_occurrences(*, now: datetime.datetime) -> list[Occurrence]:
    """The reminders due now: for each open assignment near its due date, the threshold the
    learner's today is at, once 8:00 has passed on their clock."""
    due_from, due_to = reminders.due_dates_around(now)
    found = []
    for item in assignments_open(due_from=due_from, due_to=due_to):
        today = reminders.sending_day(time_zone=item.learner.time_zone, now=now)
        threshold = today and reminders.threshold_for(due_on=item.due_on, today=today)
        if threshold:
            found.append(
                Occurrence(
                    recipient_id=item.learner_id,
                    key=f"{KEY_PREFIX}:{item.cohort_course_id}:{item.learner_id}:{threshold}",
                    subject_type="cohort_course",
                    subject_id=item.cohort_course_id,
                    batch_key=_batch_key(threshold=threshold, due_on=item.due_on),
                )
            )
    return found


def course_due_reminder_context(*, recipient, notices) -> dict | None:
    """The courses of these notices still open for the learner and still at the notices'
    threshold on their today; None when none is (completed, left the cohort, date moved)."""
    threshold = _threshold_of(notices[0].batch_key)
    today = reminders.learner_now(time_zone=recipient.time_zone, now=timezone.now()).date()
    items = [
        item
        for item in assignments_open(
            cohort_course_ids={n.subject_id for n in notices}, learner_ids=[recipient.pk]
        )
        if reminders.threshold_for(due_on=item.due_on, today=today) == threshold
    ]
    if not items:
        return None
    items.sort(key=lambda item: (item.due_on, item.course_title))
    due_on = items[0].due_on
    return {
        "threshold": threshold,
        "courses": [{"title": item.course_title, "cohort": item.cohort_name} for item in items],
        "due_on": due_on,
        "days_left": (due_on - today).days,
        "days_late": (today - due_on).days,
        "dashboard_url": settings.BASE_URL + reverse("dashboard"),
    }
