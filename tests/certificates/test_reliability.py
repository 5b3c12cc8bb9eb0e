"""Recovery from lost workers and messages (issue 12, S7 and S8): claims, busy retries, the sweep."""

import datetime

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate, CertificateStatus
from training_site.celery import app

pytestmark = pytest.mark.django_db

# Celery's cap on an exponential retry backoff when a task sets none.
CELERY_DEFAULT_BACKOFF_MAX = 600


def claim(certificate, *, by: str, age: datetime.timedelta) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.RENDERING, render_claim=by, render_started_at=timezone.now() - age
    )


def test_visibility_timeout_exceeds_every_hard_limit_countdown_and_backoff():
    """Redis hands an unacknowledged message to another worker after visibility_timeout,
    countdowns included: it stays above every project task's hard time limit, retry
    backoff and the busy-retry countdown (so speed must come from the sweep)."""
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = django_settings.CERTIFICATE_RENDER_STALE_AFTER + 1
    project_tasks = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(project_tasks) > 3
    for task in project_tasks:
        longest = max(longest, task.time_limit or 0)
        if getattr(task, "retry_backoff", False):
            longest = max(longest, getattr(task, "retry_backoff_max", None) or CELERY_DEFAULT_BACKOFF_MAX)
    assert visibility > longest


def test_claim_age_exceeds_the_render_hard_limit_and_the_sweep_runs_every_minute():
    """A claim may be taken over only once the render's own worker would have killed it,
    and the beat sweep looks every minute (not every 15)."""
    assert tasks.certificate_render.time_limit < django_settings.CERTIFICATE_RENDER_STALE_AFTER
    assert 2 * tasks.certificate_render.time_limit >= django_settings.CERTIFICATE_RENDER_STALE_AFTER
    schedule = django_settings.CELERY_BEAT_SCHEDULE["requeue-stale-certificate-renders"]
    assert schedule["task"] == tasks.certificate_render_requeue_stale.name
    assert schedule["schedule"] <= 60


def test_a_claim_older_than_the_claim_age_is_taken_over_by_a_new_task(certificate, settings):
    """A requeued render with a new task id takes over a claim older than the claim age
    (CERTIFICATE_RENDER_STALE_AFTER), not after a fixed five minutes."""
    settings.CERTIFICATE_RENDER_STALE_AFTER = 30
    claim(certificate, by="dead-task", age=datetime.timedelta(seconds=31))
    assert services.certificate_render(certificate_id=certificate.pk, claim="new-task") == "rendered"
    certificate.refresh_from_db()
    assert (certificate.status, certificate.render_claim) == (CertificateStatus.ISSUED, "new-task")


def test_a_claim_younger_than_the_claim_age_is_busy(certificate, settings):
    """Just under the claim age the render still belongs to its holder."""
    settings.CERTIFICATE_RENDER_STALE_AFTER = 30
    claim(certificate, by="live-task", age=datetime.timedelta(seconds=25))
    assert services.certificate_render(certificate_id=certificate.pk, claim="new-task") == "busy"


def test_a_busy_delivery_retries_once_the_claim_can_be_taken_over(certificate, settings, monkeypatch):
    """A render that finds the certificate busy retries with a countdown that ends just
    after the holder's claim goes stale, instead of giving up."""
    settings.CERTIFICATE_RENDER_STALE_AFTER = 100
    claim(certificate, by="other-task", age=datetime.timedelta(seconds=40))
    countdowns = []

    def fake_retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        return Retry()

    task = tasks.certificate_render
    monkeypatch.setattr(task, "retry", fake_retry)
    task.push_request(id="new-task", retries=0, is_eager=False)
    try:
        with pytest.raises(Retry):
            task.run(certificate.pk)
    finally:
        task.pop_request()
    assert len(countdowns) == 1
    assert 55 < countdowns[0] <= 62


def test_a_busy_delivery_out_of_retries_gives_up_without_failing_the_certificate(
    certificate, settings, monkeypatch
):
    """Out of retries, a busy delivery reports busy and leaves the holder's render alone."""
    claim(certificate, by="other-task", age=datetime.timedelta(seconds=1))
    task = tasks.certificate_render
    monkeypatch.setattr(task, "retry", lambda *a, **k: pytest.fail("retried past max_retries"))
    task.push_request(id="new-task", retries=task.max_retries, is_eager=False)
    try:
        assert task.run(certificate.pk) == "busy"
    finally:
        task.pop_request()
    certificate.refresh_from_db()
    assert (certificate.status, certificate.render_claim) == (CertificateStatus.RENDERING, "other-task")


def test_the_sweep_requeues_stale_claims_and_lost_pending_renders(
    certificate, settings, django_capture_on_commit_callbacks
):
    """The sweep queues a render for a claim older than the claim age (its worker died)
    and leaves a fresh claim alone."""
    settings.CERTIFICATE_RENDER_STALE_AFTER = 30
    claim(certificate, by="live-task", age=datetime.timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.certificate_render_requeue_stale() == 0
    assert callbacks == []
    claim(certificate, by="dead-task", age=datetime.timedelta(seconds=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_render_requeue_stale() == 1
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_the_sweep_queues_a_lost_pending_render_once_per_period(
    certificate, settings, django_capture_on_commit_callbacks
):
    """A pending certificate older than the claim age (its message lost in a Redis restart)
    is queued again, but a second sweep in the same period does not queue it twice."""
    settings.CERTIFICATE_RENDER_STALE_AFTER = 30
    assert services.certificate_render_requeue_stale() == 0
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=31)
    )
    with django_capture_on_commit_callbacks(execute=False) as first:
        assert services.certificate_render_requeue_stale() == 1
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert services.certificate_render_requeue_stale() == 0
    assert (len(first), len(second)) == (1, 0)


def test_a_repeated_render_task_is_idempotent(certificate, media_root):
    """The same render delivered again after it finished changes nothing: one file, the
    same bytes, checksum and render time."""
    assert tasks.certificate_render.apply(args=[certificate.pk], task_id="t-1").get() == "rendered"
    certificate.refresh_from_db()
    path = media_root / certificate.pdf.name
    before = (path.read_bytes(), certificate.sha256, certificate.rendered_at)
    assert tasks.certificate_render.apply(args=[certificate.pk], task_id="t-1").get() == "skipped"
    certificate.refresh_from_db()
    assert (path.read_bytes(), certificate.sha256, certificate.rendered_at) == before
    assert sorted(p.name for p in (media_root / "certificates").iterdir()) == [path.name]
