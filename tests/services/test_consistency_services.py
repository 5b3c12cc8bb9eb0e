"""check_consistency on PostgreSQL with a real worker: findings and --fix end to end."""

import io
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from certificates.models import Certificate, CertificateStatus
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course, site_tree

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_until_issued(certificate: Certificate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        certificate.refresh_from_db()
        if certificate.status == CertificateStatus.ISSUED and certificate.pdf.storage.exists(
            certificate.pdf.name
        ):
            return
        time.sleep(0.2)
    pytest.fail(f"certificate {certificate.code} is {certificate.status} after {timeout} s")


def test_a_lost_pdf_and_a_lost_certificate_are_found_and_fixed_through_the_worker(celery_worker_process):
    """A PDF deleted from storage and a completion whose certificate row is gone are both
    reported (exit non-zero); --fix queues them to the real worker, which renders them,
    and the site is consistent again."""
    folder = Path(django_settings.MEDIA_ROOT) / "certificates"
    shutil.rmtree(folder, ignore_errors=True)
    _home, index = site_tree()
    course = build_course(index, modules=1, lessons_per_module=1)
    first, second = (complete_course(UserFactory(), course) for _ in range(2))
    lost_pdf, lost_row = (Certificate.objects.get(enrollment=e) for e in (first, second))
    for certificate in (lost_pdf, lost_row):
        wait_until_issued(certificate)
    lost_pdf.pdf.storage.delete(lost_pdf.pdf.name)
    Certificate.objects.filter(pk=lost_row.pk).delete()

    out = io.StringIO()
    with pytest.raises(CommandError, match="2 finding"):
        call_command("check_consistency", stdout=out)
    assert "certificates_without_pdf" in out.getvalue()
    assert "completed_enrollments_without_certificate" in out.getvalue()

    call_command("check_consistency", "--fix", stdout=io.StringIO())
    wait_until_issued(lost_pdf)
    wait_until_issued(Certificate.objects.get(enrollment=second))
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert "no findings" in out.getvalue()
    shutil.rmtree(folder, ignore_errors=True)
