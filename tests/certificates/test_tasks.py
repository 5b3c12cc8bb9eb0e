"""The Celery tasks, run eagerly in-process as `make run` does without Redis."""

import pytest
from celery.exceptions import TimeLimitExceeded
from django.core import mail

from certificates import tasks
from certificates.models import Certificate, CertificateStatus
from training_site.celery import app

pytestmark = pytest.mark.django_db


def test_render_task_options():
    """The render task goes to the pdf queue, acknowledges late, comes back if its worker
    dies, retries transient errors with backoff and has time limits."""
    task = tasks.certificate_render
    assert app.amqp.router.route({}, task.name)["queue"].name == "pdf"
    assert task.acks_late and task.reject_on_worker_lost
    assert OSError in task.autoretry_for
    assert task.retry_backoff and task.max_retries == 5
    assert (task.soft_time_limit, task.time_limit) == (60, 90)
    assert app.amqp.router.route({}, tasks.certificate_ready_email.name)["queue"].name == "email"


def test_render_task_renders_and_is_safe_to_run_twice(certificate):
    """Delivered twice, the task renders once and reports what it did."""
    assert tasks.certificate_render.delay(certificate.pk).get() == "rendered"
    assert tasks.certificate_render.delay(certificate.pk).get() == "skipped"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_in_process_render_failure_marks_failed_without_failing_the_caller(
    certificate, coordinator, django_capture_on_commit_callbacks, settings, tmp_path
):
    """Run eagerly (no broker), a render that fails (here: the PDF cannot be stored, because
    MEDIA_ROOT is a file) marks the certificate failed and emails the coordinators instead
    of raising into the request."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.certificate_render.delay(certificate.pk).get() == "failed"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.FAILED
    assert "NotADirectoryError" in certificate.failure_reason
    assert [message.to for message in mail.outbox] == [[coordinator.email]]


def test_final_worker_failure_marks_failed(certificate, coordinator, django_capture_on_commit_callbacks):
    """When a worker gives up (retries exhausted, a time limit), on_failure marks the
    certificate failed and emails the coordinators."""
    with django_capture_on_commit_callbacks(execute=True):
        tasks.certificate_render.on_failure(
            TimeLimitExceeded(90), "task-id", (certificate.pk,), {}, einfo=None
        )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.FAILED
    assert "TimeLimitExceeded" in certificate.failure_reason
    assert len(mail.outbox) == 1


def test_requeue_task_renders_lost_messages(certificate):
    """The beat task finds a pending certificate older than the cut-off and renders it."""
    Certificate.objects.filter(pk=certificate.pk).update(created_at=certificate.created_at.replace(year=2020))
    assert tasks.certificate_render_requeue_stale.delay().get() == 1
