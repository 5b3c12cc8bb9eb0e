"""Celery tasks for assessments: thin, keyed by primary key, safe to run twice."""

from celery import shared_task

from assessments.services import attempts, gift_jobs, regrade, statistics


@shared_task(name="assessments.tasks.attempts_finalise_expired", acks_late=True)
def attempts_finalise_expired_task() -> int:
    """Grade attempts whose deadline has passed (also done whenever one is next opened)."""
    return attempts.attempts_finalise_expired()


@shared_task(
    bind=True,
    name="assessments.tasks.gift_import_run",
    acks_late=True,
    reject_on_worker_lost=True,
    # 1,000 questions (the cap) took about 20 s on the 2-core test machine. The soft limit
    # fails the job with its reason; the hard limit is below GIFT_IMPORT_STALE_AFTER, so a
    # claim older than that belongs to a worker that is gone.
    soft_time_limit=240,
    time_limit=300,
)
def gift_import_run(self, job_id: int) -> str:
    """Import one confirmed GIFT upload (see assessments/services/gift_jobs.py). Every
    failure is recorded on the job by the service, so there is nothing to retry: a lost
    run is requeued by the sweep below."""
    return gift_jobs.gift_import_run(job_id=job_id, claim=self.request.id)


@shared_task(name="assessments.tasks.gift_import_requeue_stale")
def gift_import_requeue_stale() -> int:
    return gift_jobs.gift_import_requeue_stale()


@shared_task(
    bind=True,
    name="assessments.tasks.regrade_apply",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=540,
    time_limit=600,
)
def regrade_apply(self, job_id: int) -> str:
    """Apply one confirmed regrade (assessments/services/regrade.py); failures are recorded
    on the job, and a repeat delivery finds nothing left to change."""
    return regrade.regrade_apply(job_id=job_id, claim=self.request.id)


@shared_task(name="assessments.tasks.quiz_statistics_refresh", acks_late=True)
def quiz_statistics_refresh(quiz_id: int) -> int:
    """Recompute a quiz's cached item analysis; a repeat finds nothing to claim."""
    return statistics.quiz_statistics_refresh(quiz_id=quiz_id)


@shared_task(name="assessments.tasks.quiz_statistics_refresh_overdue")
def quiz_statistics_refresh_overdue() -> int:
    return statistics.quiz_statistics_refresh_overdue()
