"""check_consistency (S15): each finding, --fix, the registry and the hourly report."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.models import Attempt, AttemptState, Response
from certificates.models import Certificate, CertificateStatus
from courses.models import Enrollment, ModulePage
from courses.models.records import EnrollmentStatus
from tests.factories import build_quiz
from training_site import tasks as site_tasks
from training_site.consistency import Finding, consistency_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _with_a_worker(settings):
    # These checks watch the worker's renders: --fix queues them again. On the embedded
    # default a certificate waits for its first read instead (the last test below).
    settings.CERTIFICATE_RENDER_ON_READ = False


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("check_consistency", *args, stdout=out)
    return out.getvalue()


def run_failing(*args: str) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("check_consistency", *args, stdout=out)
    return out.getvalue(), str(error.value)


def checks_found(**kwargs) -> set[str]:
    return {finding.check for finding in consistency_run(**kwargs)}


def submitted_attempt(learner, course, *, state: str, manual_pending: bool = False) -> Attempt:
    quiz = build_quiz(ModulePage.objects.child_of(course).first(), title="Check")
    now = timezone.now()
    attempt = Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        number=1,
        state=state,
        started_at=now,
        submitted_at=now,
        pass_mark=70,
        review_level="score_only",
    )
    Response.objects.create(
        attempt=attempt, position=1, stem="Explain.", grading_data={"marks": 1}, needs_manual=manual_pending
    )
    return attempt


def test_a_consistent_site_passes(issued):
    """An issued certificate with its PDF and a completed enrollment: no findings, exit 0."""
    assert "no findings" in run()


def test_a_submitted_attempt_never_graded_is_reported(learner, course):
    """A submitted attempt left 'submitted' (grading interrupted) is reported, and --fix
    leaves it for a person; one waiting for a manual grade is not a finding."""
    waiting = submitted_attempt(learner, course, state=AttemptState.NEEDS_GRADING, manual_pending=True)
    assert checks_found() == set()
    Attempt.objects.filter(pk=waiting.pk).update(state=AttemptState.SUBMITTED)
    out, error = run_failing("--fix")
    assert f"attempt {waiting.pk}" in out and "attempts_never_graded" in out
    assert "1 left" in error


def test_waiting_for_grading_with_nothing_to_grade_is_reported(learner, course):
    """'Waiting for grading' with every manual response graded is stuck too."""
    attempt = submitted_attempt(learner, course, state=AttemptState.NEEDS_GRADING, manual_pending=True)
    Response.objects.filter(attempt=attempt).update(graded_at=timezone.now())
    assert checks_found() == {"attempts_never_graded"}


def test_a_completed_enrollment_without_a_certificate_is_reported_and_fixed(
    certificate, django_capture_on_commit_callbacks
):
    """A completion whose certificate is missing is reported; --fix issues and renders it."""
    enrollment = certificate.enrollment
    certificate.delete()
    out, _error = run_failing()
    assert "completed_enrollments_without_certificate" in out and f"enrollment {enrollment.pk}" in out
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 fixed, 0 left" in run("--fix")
    assert Certificate.objects.get(enrollment=enrollment).status == CertificateStatus.ISSUED
    assert "no findings" in run()


def test_a_revoked_certificate_is_not_a_missing_one(issued):
    """A completion whose certificate was revoked has a certificate: not a finding."""
    Certificate.objects.filter(pk=issued.pk).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now()
    )
    assert Enrollment.objects.get(pk=issued.enrollment_id).status == EnrollmentStatus.COMPLETED
    assert "completed_enrollments_without_certificate" not in checks_found()


@pytest.mark.parametrize("status", [CertificateStatus.PENDING, CertificateStatus.RENDERING])
def test_a_certificate_stuck_past_its_limit_is_reported_and_requeued(
    certificate, settings, status, django_capture_on_commit_callbacks
):
    """Pending or rendering past CERTIFICATE_RENDER_STUCK_AFTER is reported; a younger one
    is not; --fix queues the render, which finishes it."""
    settings.CERTIFICATE_RENDER_STUCK_AFTER = 600
    long_ago = timezone.now() - datetime.timedelta(seconds=601)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=status, render_started_at=timezone.now(), render_claim="gone"
    )
    assert checks_found() == set()
    Certificate.objects.filter(pk=certificate.pk).update(created_at=long_ago, render_started_at=long_ago)
    out, _error = run_failing()
    assert f"certificate {certificate.code}: {status} past its limit" in out
    with django_capture_on_commit_callbacks(execute=True):
        run("--fix")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_an_issued_certificate_without_its_pdf_is_reported_and_rendered_again(
    issued, django_capture_on_commit_callbacks
):
    """An issued certificate whose file is gone from storage is reported; --fix renders it
    again under the same name and the site is consistent afterwards."""
    issued.pdf.storage.delete(issued.pdf.name)
    out, _error = run_failing()
    assert f"[certificates_without_pdf] certificate {issued.code}" in out
    with django_capture_on_commit_callbacks(execute=True):
        assert "(fixed)" in run("--fix")
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED
    assert issued.pdf.storage.exists(issued.pdf.name)
    assert "no findings" in run()


def test_an_issued_certificate_with_no_file_name_is_reported(issued):
    Certificate.objects.filter(pk=issued.pk).update(pdf="")
    assert checks_found() == {"certificates_without_pdf"}


def test_a_pdf_whose_checksum_does_not_match_is_reported_and_left_for_a_person(issued):
    """A stored PDF that no longer hashes to the recorded SHA-256 is reported, and --fix
    does not overwrite it (it may be evidence of tampering)."""
    with issued.pdf.storage.open(issued.pdf.name, "wb") as handle:
        handle.write(b"%PDF-1.7 tampered")
    out, error = run_failing("--fix")
    assert f"[certificates_checksum_mismatch] certificate {issued.code}" in out
    assert "0 fixed, 1 left" in error
    with issued.pdf.storage.open(issued.pdf.name, "rb") as handle:
        assert handle.read() == b"%PDF-1.7 tampered"


def test_checks_come_from_the_setting(settings, db):
    """The registry is CONSISTENCY_CHECKS: another app's check is run and reported."""
    settings.CONSISTENCY_CHECKS = ["tests.certificates.test_consistency.always_one_finding"]
    out, error = run_failing()
    assert "[learner_events] event 7: not delivered" in out
    assert "1 finding(s)" in error


def always_one_finding(*, fix: bool) -> list[Finding]:
    return [Finding("learner_events", "event 7", "not delivered")]


def test_the_hourly_report_emails_the_administrators_on_findings(settings, issued):
    """The beat task mails ADMINS when something is found, and stays quiet otherwise; it is
    scheduled hourly."""
    settings.ADMINS = [("Ops", "ops@example.org")]
    assert site_tasks.consistency_report.delay().get() == 0
    assert mail.outbox == []
    issued.pdf.storage.delete(issued.pdf.name)
    assert site_tasks.consistency_report.delay().get() == 1
    assert [message.to for message in mail.outbox] == [["ops@example.org"]]
    assert issued.code in mail.outbox[0].body
    schedule = settings.CELERY_BEAT_SCHEDULE["consistency-report"]
    assert (schedule["task"], schedule["schedule"]) == (site_tasks.consistency_report.name, 3600)


def test_on_the_embedded_default_a_certificate_waiting_for_its_first_read_is_not_stuck(certificate, settings):
    """Rendered when read: pending for a long time is normal; an abandoned claim is not."""
    settings.CERTIFICATE_RENDER_ON_READ = True
    settings.CERTIFICATE_RENDER_STUCK_AFTER = 600
    long_ago = timezone.now() - datetime.timedelta(seconds=601)
    Certificate.objects.filter(pk=certificate.pk).update(created_at=long_ago)
    assert "certificates_stuck" not in checks_found()
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.RENDERING, render_started_at=long_ago, render_claim="gone"
    )
    assert "certificates_stuck" in checks_found()
