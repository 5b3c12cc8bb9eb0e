from celery import shared_task

from assessments.services import attempts


@shared_task(name="assessments.tasks.attempts_finalise_expired", acks_late=True)
def attempts_finalise_expired_task() -> int:
    """Grade attempts whose deadline has passed (also done whenever one is next opened)."""
    return attempts.attempts_finalise_expired()
