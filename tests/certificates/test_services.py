import datetime
import hashlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry, Site

from certificates import services, tasks
from certificates.models import Certificate, CertificateSettings, CertificateStatus
from certificates.selectors import certificate_code_normalize
from courses.models import Enrollment, LearnerEvent, LearnerEventKind
from courses.models.records import EnrollmentSource, EnrollmentStatus
from courses.services import enrollment_create, lesson_complete
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course, course_lessons

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r"^SCL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def explode(*, enrollment) -> None:
    raise RuntimeError("a later completion handler failed")


@pytest.fixture
def issuer(db):
    settings = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    settings.issuer_name = "Riverside Family Engagement Institute"
    settings.signatory_name = "Alma Reyes"
    settings.signatory_title = "Director of Training"
    settings.save()
    return settings


def test_completion_issues_a_certificate_that_copies_what_it_prints(issuer, index):
    """Completing the last lesson issues a pending certificate copying name, course, hours,
    competencies, dates and the issuer's settings."""
    learner = UserFactory(
        display_name="Dana", certificate_name="Dana María Okafor", time_zone="America/Denver"
    )
    course = build_course(index, title="Conflict Basics", tags=("Mediation", "conflict resolution"))
    course.contact_hours = 6.5
    course.save_revision().publish()

    enrollment = complete_course(learner, course)

    certificate = Certificate.objects.get(enrollment=enrollment)
    assert enrollment.is_completed
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.learner == learner
    assert certificate.course_id == course.pk
    assert certificate.learner_name == "Dana María Okafor"
    assert certificate.course_title == "Conflict Basics"
    assert str(certificate.contact_hours) == "6.5"
    assert certificate.competencies == ["conflict resolution", "Mediation"]
    assert certificate.issued_on == enrollment.completed_at.astimezone(ZoneInfo("America/Denver")).date()
    assert certificate.expires_on is None
    assert certificate.issuer_name == "Riverside Family Engagement Institute"
    assert certificate.signatory_name == "Alma Reyes"
    assert certificate.signatory_title == "Director of Training"
    assert CODE_PATTERN.match(certificate.code)
    # token_urlsafe(24): 192 random bits.
    assert len(certificate.public_id) >= 32


def test_certificate_date_is_the_completion_day_in_the_learners_time_zone(learner, course):
    """A completion late in the evening in Honolulu is dated that day, not the next UTC day."""
    learner.time_zone = "Pacific/Honolulu"
    learner.save()
    enrollment = enrollment_create(learner=learner, course=course)
    enrollment.completed_at = datetime.datetime(2026, 3, 15, 7, 30, tzinfo=datetime.UTC)  # 21:30 on the 14th
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.save()
    certificate = services.certificate_issue(enrollment=enrollment)
    assert certificate.issued_on == datetime.date(2026, 3, 14)


@pytest.mark.parametrize(
    ("certificate_name", "display_name", "expected"),
    [
        ("Dana M. Okafor", "Dana", "Dana M. Okafor"),
        ("", "Dana Okafor", "Dana Okafor"),
        # Never the email (S3): a nameless certificate waits for a name instead.
        ("", "", ""),
    ],
)
def test_learner_name_falls_back_to_the_display_name(course, certificate_name, display_name, expected):
    """The name on certificates is used if set, else the display name; never the email."""
    learner = UserFactory(
        email="fallback@example.org", certificate_name=certificate_name, display_name=display_name
    )
    enrollment = complete_course(learner, course)
    assert Certificate.objects.get(enrollment=enrollment).learner_name == expected


def test_expiry_follows_the_courses_validity_period(learner, course):
    """A course valid for 24 months gives an expiry date two years after the issue date."""
    course.certificate_validity_months = 24
    course.save_revision().publish()
    certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    assert certificate.expires_on == services.add_months(certificate.issued_on, 24)
    assert certificate.expires_on.year == certificate.issued_on.year + 2


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    """31 January plus one month is the last day of February."""
    assert services.add_months(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert services.add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)
    assert services.add_months(datetime.date(2026, 11, 15), 14) == datetime.date(2028, 1, 15)


def test_certificate_is_issued_in_the_completions_transaction(settings, learner, course):
    """A completion handler that fails after ours rolls the certificate back with the completion."""
    settings.COURSE_COMPLETION_HANDLERS = [
        "certificates.services.certificate_issue",
        "tests.certificates.test_services.explode",
    ]
    enrollment_create(learner=learner, course=course)
    *first, last = course_lessons(course)
    for lesson in first:
        lesson_complete(learner=learner, lesson=lesson)
    with pytest.raises(RuntimeError):
        lesson_complete(learner=learner, lesson=last)
    assert not Certificate.objects.exists()
    assert Enrollment.objects.get(learner=learner).status == EnrollmentStatus.ACTIVE


def test_rolled_back_completion_queues_no_render(learner, course, django_capture_on_commit_callbacks):
    """No render task is queued when the completing transaction rolls back."""
    enrollment_create(learner=learner, course=course)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        for lesson in course_lessons(course):
            lesson_complete(learner=learner, lesson=lesson)
        assert Certificate.objects.count() == 1
        raise RuntimeError("roll the completion back")
    assert callbacks == []
    assert not Certificate.objects.exists()


def test_render_is_queued_after_commit_and_issues_the_pdf(
    learner, course, media_root, settings, django_capture_on_commit_callbacks
):
    """With a worker, the committed completion queues one render; the task renders, stores
    the SHA-256, sets issued and the learner is emailed (the notification table)."""
    settings.CERTIFICATE_RENDER_ON_READ = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enrollment = complete_course(learner, course)
    assert len(callbacks) >= 1
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.pdf.name == f"certificates/{certificate.public_id}.pdf"
    data = (media_root / certificate.pdf.name).read_bytes()
    assert data.startswith(b"%PDF-")
    assert certificate.sha256 == hashlib.sha256(data).hexdigest()
    assert certificate.rendered_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]
    assert certificate.get_download_url() in mail.outbox[0].body


def test_render_moves_pending_to_issued(certificate, media_root):
    """certificate_render claims a pending certificate, writes the PDF and sets issued."""
    assert certificate.status == CertificateStatus.PENDING
    outcome = services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert outcome == services.RenderOutcome.RENDERED
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.render_claim
    assert sorted(p.name for p in (media_root / "certificates").iterdir()) == [f"{certificate.public_id}.pdf"]


def test_second_render_of_an_issued_certificate_does_nothing(issued, media_root):
    """The claim is conditional: rendering an issued certificate again changes nothing."""
    path = media_root / issued.pdf.name
    before = (path.read_bytes(), path.stat().st_mtime_ns, issued.rendered_at)
    assert services.certificate_render(certificate_id=issued.pk) == services.RenderOutcome.SKIPPED
    issued.refresh_from_db()
    assert (path.read_bytes(), path.stat().st_mtime_ns, issued.rendered_at) == before
    assert issued.status == CertificateStatus.ISSUED


def test_a_fresh_claim_held_by_another_render_is_left_alone(certificate):
    """While another task renders (a fresh claim), a second delivery does nothing."""
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.RENDERING, render_claim="other-task", render_started_at=timezone.now()
    )
    assert (
        services.certificate_render(certificate_id=certificate.pk, claim="me") == services.RenderOutcome.BUSY
    )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.RENDERING
    assert certificate.render_claim == "other-task"
    assert not certificate.pdf


def test_a_redelivered_task_resumes_its_own_claim(certificate):
    """The same task id delivered again (its worker died) may finish the render at once."""
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.RENDERING, render_claim="task-1", render_started_at=timezone.now()
    )
    assert services.certificate_render(certificate_id=certificate.pk, claim="task-1") == "rendered"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_a_stale_claim_is_taken_over(certificate):
    """A claim older than the timeout belongs to a worker that is gone: another render takes it."""
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.RENDERING,
        render_claim="lost-task",
        render_started_at=timezone.now() - services.render_stale_after() - datetime.timedelta(seconds=1),
    )
    assert services.certificate_render(certificate_id=certificate.pk, claim="me") == "rendered"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.render_claim == "me"


def test_render_of_a_missing_certificate_reports_missing(db):
    """A task for a certificate that no longer exists does nothing."""
    assert services.certificate_render(certificate_id=987654) == services.RenderOutcome.MISSING


def test_render_failure_sets_failed_and_tells_the_coordinators(
    certificate, coordinator, django_capture_on_commit_callbacks
):
    """A render that fails for good is marked failed and the coordinators get an email."""
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_render_fail(certificate_id=certificate.pk, reason="OSError: disk full")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.FAILED
    assert certificate.failure_reason == "OSError: disk full"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [coordinator.email]
    assert certificate.code in mail.outbox[0].subject
    assert "disk full" in mail.outbox[0].body
    # An issued certificate is never marked failed afterwards.
    assert not services.certificate_render_fail(certificate_id=certificate.pk, reason="again")


def test_ready_is_recorded_once_however_often_it_is_announced(issued, django_capture_on_commit_callbacks):
    """The render recorded "ready" once; the old email task (for messages queued before the
    email moved to the notification table) run twice records nothing new."""
    assert LearnerEvent.objects.filter(kind=LearnerEventKind.CERTIFICATE_READY).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        tasks.certificate_ready_email.delay(issued.pk)
        tasks.certificate_ready_email.delay(issued.pk)
    assert LearnerEvent.objects.filter(kind=LearnerEventKind.CERTIFICATE_READY).count() == 1


def test_database_allows_one_current_certificate_per_enrollment(certificate):
    """The partial unique constraint holds even when the service is bypassed."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            learner=certificate.learner,
            enrollment=certificate.enrollment,
            course=certificate.course,
            code="SCL-0000-0000",
            learner_name="x",
            course_title="x",
            contact_hours=1,
            issued_on=certificate.issued_on,
            issuer_name="x",
        )


def test_issuing_twice_returns_the_existing_certificate(certificate):
    """certificate_issue is idempotent for an enrollment that already has a certificate."""
    assert services.certificate_issue(enrollment=certificate.enrollment) == certificate
    assert Certificate.objects.count() == 1


def test_an_active_enrollment_gets_no_certificate(learner, course):
    """Only a completed enrollment earns a certificate."""
    enrollment = enrollment_create(learner=learner, course=course)
    with pytest.raises(ValidationError):
        services.certificate_issue(enrollment=enrollment)


def test_database_refuses_a_revoked_certificate_without_a_date(certificate):
    """The check constraint: a revoked certificate has its revocation date."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.REVOKED)


def test_revoke_records_date_and_reason(issued, coordinator):
    """Revoking sets the status, the date and the reason, and logs who did it."""
    services.certificate_revoke(certificate=issued, reason="Issued in error", by=coordinator)
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.REVOKED
    assert issued.revoked_at is not None
    assert issued.revoked_reason == "Issued in error"
    entry = ModelLogEntry.objects.get(action="certificates.revoke")
    assert entry.user_id == coordinator.pk


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_needs_a_reason(issued, coordinator, reason):
    """A revocation without a reason is refused and changes nothing."""
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=issued, reason=reason, by=coordinator)
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED


def test_a_revoked_certificate_cannot_be_revoked_or_reissued(issued, coordinator):
    """Revocation is final: neither a second revocation nor a reissue is allowed."""
    services.certificate_revoke(certificate=issued, reason="Fraud", by=coordinator)
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=issued, reason="Again", by=coordinator)
    with pytest.raises(ValidationError):
        services.certificate_reissue(certificate=issued, by=coordinator)


def test_reissue_supersedes_with_the_current_name_and_the_original_dates(
    issued, coordinator, django_capture_on_commit_callbacks
):
    """A reissue prints the learner's corrected name, keeps the dates, gets a new code and
    queues its own render; the old certificate links to it."""
    learner = issued.learner
    learner.certificate_name = "Dana María Okafor-Reyes"
    learner.save()
    with django_capture_on_commit_callbacks() as callbacks:
        new = services.certificate_reissue(certificate=issued, by=coordinator)
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.SUPERSEDED
    assert issued.superseded_by == new
    assert new.status == CertificateStatus.PENDING
    assert new.learner_name == "Dana María Okafor-Reyes"
    assert (new.issued_on, new.expires_on) == (issued.issued_on, issued.expires_on)
    assert new.enrollment_id == issued.enrollment_id
    assert new.code != issued.code and new.public_id != issued.public_id
    assert len(callbacks) == 1


def test_award_for_prior_learning_enrolls_completes_and_issues(learner, course):
    """An award makes a prior-learning enrollment with the note, completes it and issues."""
    certificate = services.certificate_award_prior_learning(
        learner=learner, course=course, note="  District mediation training, 2024 (transcript checked)  "
    )
    enrollment = certificate.enrollment
    assert enrollment.source == EnrollmentSource.PRIOR_LEARNING
    assert enrollment.note == "District mediation training, 2024 (transcript checked)"
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert certificate.status == CertificateStatus.PENDING
    assert Certificate.objects.count() == 1


def test_award_ignores_prerequisites_and_converts_an_enrollment_in_progress(learner, index):
    """Prior learning skips prerequisites; an enrollment in progress becomes the award's."""
    basics = build_course(index, title="Basics")
    advanced = build_course(index, title="Advanced")
    advanced.prerequisites.set([basics])
    advanced.save_revision().publish()
    in_progress = enrollment_create(learner=learner, course=basics)
    services.certificate_award_prior_learning(learner=learner, course=advanced, note="Prior course")
    certificate = services.certificate_award_prior_learning(learner=learner, course=basics, note="Checked")
    assert certificate.enrollment_id == in_progress.pk
    assert Enrollment.objects.get(pk=in_progress.pk).source == EnrollmentSource.PRIOR_LEARNING
    assert Certificate.objects.count() == 2


@pytest.mark.parametrize("note", ["", "  "])
def test_award_needs_a_note(learner, course, note):
    """An award without a note is refused and creates nothing."""
    with pytest.raises(ValidationError):
        services.certificate_award_prior_learning(learner=learner, course=course, note=note)
    assert not Enrollment.objects.exists()


def test_award_for_a_completed_course_is_refused(certificate):
    """A learner who already completed the course cannot be awarded it again."""
    with pytest.raises(ValidationError):
        services.certificate_award_prior_learning(
            learner=certificate.learner, course=certificate.course, note="Again"
        )
    assert Certificate.objects.count() == 1


def test_stale_renders_are_queued_again(certificate, django_capture_on_commit_callbacks):
    """The beat sweep re-queues a render whose message was lost; a recent one is left alone."""
    assert services.certificate_render_requeue_stale(older_than=datetime.timedelta(minutes=15)) == 0
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_render_requeue_stale(older_than=datetime.timedelta(minutes=15)) == 1
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("SCL-7K3M-9Q2P", "SCL-7K3M-9Q2P"),
        ("scl 7k3m 9q2p", "SCL-7K3M-9Q2P"),
        ("7K3M9Q2P", "SCL-7K3M-9Q2P"),
        ("SCL-7K3M-9QZP", "SCL-7K3M-9QZP"),
        ("scl-oi1l-0000", "SCL-0111-0000"),
        ("SCL-7K3M-9Q2", None),
        ("SCL-7K3M-9Q2U", None),
        ("<script>", None),
        ("", None),
    ],
)
def test_codes_are_read_the_way_people_type_them(typed, code):
    """Case, spaces, dashes and the prefix do not matter; O, I and L read as digits."""
    assert certificate_code_normalize(typed) == code


def test_pdfs_go_to_the_certificates_storage_which_overwrites(issued):
    """PDFs are stored through STORAGES["certificates"] (swappable, e.g. for S3), and
    rendering the same certificate again replaces its file instead of adding one."""
    storage = Certificate._meta.get_field("pdf").storage
    assert storage is storages["certificates"]
    name = issued.pdf.name
    folder = Path(storage.path(name)).parent
    before = sorted(path.name for path in folder.iterdir())
    Certificate.objects.filter(pk=issued.pk).update(status=CertificateStatus.PENDING)
    assert services.certificate_render(certificate_id=issued.pk) == services.RenderOutcome.RENDERED
    issued.refresh_from_db()
    assert issued.pdf.name == name
    assert sorted(path.name for path in folder.iterdir()) == before
