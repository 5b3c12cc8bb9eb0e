""" "Done when read" on the embedded default: the submit that completes a course does not
render the certificate; its first download (or verification) does, once."""

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import rendering, services
from certificates.models import Certificate, CertificateStatus
from tests.certificates.factories import complete_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """Every PDF made, counted where the services call WeasyPrint."""
    made = []
    real = rendering.certificate_pdf

    def counting(certificate, **kwargs):
        made.append(certificate.pk)
        return real(certificate, **kwargs)

    monkeypatch.setattr(rendering, "certificate_pdf", counting)
    return made


def download(client, certificate):
    return client.get(reverse("certificates:download", args=[certificate.public_id]))


def verify(client, certificate):
    return client.get(reverse("certificates:verify_detail", args=[certificate.public_id]))


def test_the_embedded_default_renders_on_read():
    """Without a broker (the test settings, like `make run`) certificates render when read."""
    from django.conf import settings

    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CERTIFICATE_RENDER_ON_READ


def test_completing_a_course_does_not_render(learner, course, renders, django_capture_on_commit_callbacks):
    """The completing request issues the certificate (pending) and renders nothing, even
    with its after-commit work run."""
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete_course(learner, course)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.status == CertificateStatus.PENDING
    assert not certificate.pdf
    assert renders == []


def test_first_download_renders_once_and_serves_the_pdf(
    client, learner, course, renders, django_capture_on_commit_callbacks
):
    """The first download renders the PDF and serves it; the next one serves the same file."""
    with django_capture_on_commit_callbacks(execute=True):
        certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    client.force_login(learner)
    first = download(client, certificate)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    assert hashlib.sha256(body).hexdigest() == certificate.sha256
    second = download(client, certificate)
    assert b"".join(second.streaming_content) == body
    assert renders == [certificate.pk]


def test_verification_works_before_and_after_and_renders(client, learner, course, renders):
    """The public page says valid while the PDF waits; verifying renders it once."""
    certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    response = verify(client, certificate)
    assert response.status_code == 200
    assert "Valid." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    again = verify(client, certificate)
    assert again.status_code == 200
    assert "Valid." in again.content.decode()
    assert renders == [certificate.pk]


def test_a_render_left_by_a_dead_process_is_taken_over(client, learner, course, renders):
    """A restart mid-render leaves a claim; once it is stale the next download renders."""
    certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    client.force_login(learner)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.RENDERING, render_claim="dead", render_started_at=timezone.now()
    )
    busy = download(client, certificate)
    assert "being prepared" in busy.content.decode()
    assert renders == []
    Certificate.objects.filter(pk=certificate.pk).update(
        render_started_at=timezone.now() - datetime.timedelta(seconds=600)
    )
    response = download(client, certificate)
    assert response["Content-Type"] == "application/pdf"
    assert renders == [certificate.pk]


def test_a_failing_render_on_read_shows_the_status_not_an_error(client, learner, course, monkeypatch):
    """A render that raises is recorded as failed; the learner sees the status page."""
    certificate = Certificate.objects.get(enrollment=complete_course(learner, course))

    def broken(certificate, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(rendering, "certificate_pdf", broken)
    client.force_login(learner)
    response = download(client, certificate)
    assert response.status_code == 200
    assert "A training coordinator has been told" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.FAILED


def test_with_a_broker_the_render_task_is_queued_after_commit(
    learner, course, settings, renders, django_capture_on_commit_callbacks
):
    """With a worker (not on read) completion queues the render as before: it runs after
    commit (here eagerly) and the download only serves."""
    settings.CERTIFICATE_RENDER_ON_READ = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    assert callbacks, "the render is queued on commit"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    assert renders == [certificate.pk]


def test_reading_an_issued_certificate_renders_nothing(issued, renders):
    """Only a certificate waiting for its PDF is rendered on read."""
    assert services.certificate_render_on_read(certificate=issued).status == CertificateStatus.ISSUED
    assert renders == []


def test_my_learning_offers_the_download_of_a_certificate_made_when_read(
    client, learner, course, renders, settings
):
    """On the embedded default the learner was told the certificate is ready, so My learning
    offers "Download PDF", not "being prepared, we will email you"; with a worker it still
    says the PDF is being prepared."""
    certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    client.force_login(learner)
    page = client.get(reverse("dashboard")).content.decode()
    assert "we will email you" not in page
    assert "Download PDF" in page
    assert certificate.get_download_url() in page
    assert renders == []
    settings.CERTIFICATE_RENDER_ON_READ = False
    page = client.get(reverse("dashboard")).content.decode()
    assert "Being prepared: we will email you when it is ready." in page
    assert "Download PDF" not in page
