"""Celery tasks for certificates: thin, keyed by primary key, safe to run twice.

Queued after commit (``delay_on_commit``) by the services. Queues: certificate_render on
``pdf``, the emails on ``email`` (see CELERY_TASK_ROUTES), the sweep on ``default``.
"""

import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError

from certificates import services

# Worth another try later: storage or network hiccups, a database failover.
TRANSIENT_ERRORS = (OSError, OperationalError)

logger = logging.getLogger(__name__)


class CertificateRenderTask(DjangoTask):
    """Records the final failure on the certificate (after the retries, a soft or hard
    time limit or an unexpected error) and tells the coordinators."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        certificate_id = kwargs.get("certificate_id", args[0] if args else None)
        if certificate_id is not None:
            services.certificate_render_fail(
                certificate_id=certificate_id, reason=f"{type(exc).__name__}: {exc}"
            )


@shared_task(
    bind=True,
    base=CertificateRenderTask,
    # Routed to the pdf queue by CELERY_TASK_ROUTES (a task's own `queue` is deprecated).
    name="certificates.tasks.certificate_render",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
    # The outcome (rendered, busy, skipped) is kept for an hour: the services tests read it.
    ignore_result=False,
)
def certificate_render(self, certificate_id: int) -> str:
    if not self.request.is_eager:
        outcome = services.certificate_render(certificate_id=certificate_id, claim=self.request.id)
        if outcome == services.RenderOutcome.BUSY and self.request.retries < self.max_retries:
            # Another delivery holds the claim. If its worker died, the claim goes stale
            # after CERTIFICATE_RENDER_STALE_AFTER: try again just after that and take over.
            # Out of retries, give up quietly (not on_failure: the render is someone
            # else's); the beat sweep still watches the certificate.
            wait = services.certificate_render_claim_expires_in(certificate_id=certificate_id)
            if wait is not None:
                raise self.retry(countdown=wait + 1)
        return outcome
    # Run in-process (no broker, `make run`): there is no worker to retry later, and eager
    # tasks propagate errors (skipping on_failure) into the request that completed the
    # course, after its commit. Record the failure instead.
    try:
        return services.certificate_render(certificate_id=certificate_id, claim=self.request.id)
    except Exception as exc:
        logger.exception("Rendering certificate %s in-process failed", certificate_id)
        services.certificate_render_fail(certificate_id=certificate_id, reason=f"{type(exc).__name__}: {exc}")
        return services.RenderOutcome.FAILED


@shared_task(
    name="certificates.tasks.certificate_ready_email",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=5,
)
def certificate_ready_email(certificate_id: int) -> None:
    # No longer queued: the "certificate ready" notification follows the certificate_ready
    # learner event. Kept so messages queued before that change still reach the learner.
    services.certificate_ready_announce(certificate_id=certificate_id)


@shared_task(
    name="certificates.tasks.certificate_failed_email",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=5,
)
def certificate_failed_email(certificate_id: int) -> None:
    services.certificate_failed_email_send(certificate_id=certificate_id)


@shared_task(name="certificates.tasks.certificate_render_requeue_stale")
def certificate_render_requeue_stale() -> int:
    return services.certificate_render_requeue_stale()
