"""Certificates with PostgreSQL, Redis and a real Celery worker (`make test-services`)."""

import hashlib
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from certificates.models import Certificate, CertificateStatus
from certificates.tasks import certificate_render as certificate_render_task
from tests.certificates.factories import CertificateFactory, complete_course
from tests.factories import UserFactory, build_course, site_tree

pytestmark = pytest.mark.services


@pytest.fixture
def certificates_folder():
    """The worker writes to the test MEDIA_ROOT; start from an empty certificates folder."""
    folder = Path(django_settings.MEDIA_ROOT) / "certificates"
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def wait_for_status(certificate: Certificate, status: str, timeout: float = 60) -> Certificate:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        certificate.refresh_from_db()
        if certificate.status == status:
            return certificate
        time.sleep(0.2)
    pytest.fail(f"certificate {certificate.code} is {certificate.status}, not {status}, after {timeout} s")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_five_parallel_deliveries_leave_one_certificate_and_one_file(
    celery_worker_process, certificates_folder, settings
):
    """The render task sent five times at once renders once: one issued certificate, one
    file, and the stored SHA-256 is the file's."""
    settings.COURSE_COMPLETION_HANDLERS = []  # the certificate is made below, with no render queued
    _home, index = site_tree()
    enrollment = complete_course(UserFactory(), build_course(index, modules=1, lessons_per_module=2))
    certificate = CertificateFactory(enrollment=enrollment)

    results = [certificate_render_task.apply_async(args=[certificate.pk]) for _ in range(5)]
    outcomes = [result.get(timeout=60) for result in results]

    assert outcomes.count("rendered") == 1, outcomes
    assert set(outcomes) <= {"rendered", "busy", "skipped"}
    assert Certificate.objects.count() == 1
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    files = sorted(certificates_folder.iterdir())
    assert files == [certificates_folder / f"{certificate.public_id}.pdf"]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == certificate.sha256


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_completion_queues_the_render_after_commit_to_the_worker(celery_worker_process, certificates_folder):
    """Completing a course in a committed transaction has the worker render the certificate."""
    _home, index = site_tree()
    learner = UserFactory(certificate_name="Dana María Okafor")
    enrollment = complete_course(learner, build_course(index, modules=1, lessons_per_module=1))
    certificate = wait_for_status(Certificate.objects.get(enrollment=enrollment), CertificateStatus.ISSUED)
    path = certificates_folder / f"{certificate.public_id}.pdf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == certificate.sha256
    assert certificate.learner_name == "Dana María Okafor"


@pytest.mark.django_db
def test_one_current_certificate_per_enrollment_is_a_partial_unique_index():
    """The one-current-certificate rule is a real partial unique index in PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["certificates_certificate_one_current_per_enrollment"],
        )
        (definition,) = cursor.fetchone()
    assert "UNIQUE" in definition and "WHERE" in definition and "superseded" in definition
