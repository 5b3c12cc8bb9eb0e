"""Site-wide periodic tasks."""

from celery import shared_task
from django.core.mail import mail_admins

from training_site import notifications
from training_site.consistency import consistency_run

# An email lists at most this many findings; the command shows them all.
REPORT_LIMIT = 200


@shared_task(name="training_site.tasks.consistency_report")
def consistency_report() -> int:
    """Run the consistency checks (hourly, from beat; no fixing) and email the
    administrators (settings.ADMINS) when anything is found. Returns the finding count."""
    findings = consistency_run(fix=False)
    if findings:
        lines = [str(finding) for finding in findings[:REPORT_LIMIT]]
        if len(findings) > REPORT_LIMIT:
            lines.append(f"... and {len(findings) - REPORT_LIMIT} more.")
        lines.append("")
        lines.append(
            "Run `python manage.py check_consistency` for the full list, `--fix` to queue work again."
        )
        mail_admins(f"Consistency check: {len(findings)} finding(s)", "\n".join(lines))
    return len(findings)


@shared_task(bind=True, name="training_site.tasks.notice_email", acks_late=True)
def notice_email(self, notice_ids: list[int]) -> int:
    """Email the notices just recorded (queue ``email``). Failures are recorded on them and
    retried by ``notices_send_due``; run in-process (no broker, no beat) it also sends a few
    that have come due since ("done when read")."""
    sent = notifications.notices_send(notice_ids=notice_ids)
    if self.request.is_eager:
        sent += notifications.notices_send_due(limit=notifications.EAGER_DUE_SEND_LIMIT)
    return sent


@shared_task(name="training_site.tasks.notices_send_due")
def notices_send_due() -> int:
    return notifications.notices_send_due()


# A notice email task sends at most this many notices, so a large reminder day is spread
# over the email workers instead of one long task.
SCHEDULED_SEND_CHUNK = 100


@shared_task(name="training_site.tasks.scheduled_notices_create")
def scheduled_notices_create() -> int:
    """Record what the scheduled rows (due-date reminders, the weekly digest) have to say
    now and queue their emails (hourly, from beat; idempotent). Returns the notices queued."""
    ids = notifications.scheduled_notices_create()
    for start in range(0, len(ids), SCHEDULED_SEND_CHUNK):
        notice_email.delay_on_commit(ids[start : start + SCHEDULED_SEND_CHUNK])
    return len(ids)
