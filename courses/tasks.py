"""Celery tasks for courses: thin, keyed by primary key, safe to run twice."""

from celery import shared_task

from courses import events, services


@shared_task(
    bind=True, name="courses.tasks.learner_event_deliver", acks_late=True, reject_on_worker_lost=True
)
def learner_event_deliver(self, event_id: int) -> int:
    # Subscriber failures are recorded on their delivery rows, never raised: the sweep
    # retries them, and an eager run (no broker) must not turn them into a 500.
    return events.learner_event_deliver(event_id=event_id, eager=bool(self.request.is_eager))


@shared_task(name="courses.tasks.learner_events_sweep", acks_late=True)
def learner_events_sweep() -> int:
    return events.learner_events_sweep()


@shared_task(name="courses.tasks.cohort_course_enroll_members", acks_late=True, reject_on_worker_lost=True)
def cohort_course_enroll_members(assignment_id: int) -> int:
    return services.cohort_course_enroll_members(assignment_id=assignment_id)


@shared_task(bind=True, name="courses.tasks.bulk_enrollment_run", acks_late=True, reject_on_worker_lost=True)
def bulk_enrollment_run(self, job_id: int) -> str:
    from courses.bulk_enrollment import bulk_enrollment_run

    return bulk_enrollment_run(job_id=job_id, claim=self.request.id)
