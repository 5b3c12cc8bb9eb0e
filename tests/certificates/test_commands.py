import pytest
from django.core.management import CommandError, call_command

from certificates.models import Certificate
from courses.models import Enrollment
from courses.models.records import EnrollmentSource, EnrollmentStatus

pytestmark = pytest.mark.django_db


def test_award_certificate_command_issues_for_prior_learning(learner, course, capsys):
    """The command enrolls with source prior_learning and the note, completes and issues."""
    call_command(
        "award_certificate",
        "--user",
        learner.email.upper(),
        "--course",
        course.slug,
        "--note",
        "County training",
    )
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.enrollment.source == EnrollmentSource.PRIOR_LEARNING
    assert certificate.enrollment.note == "County training"
    assert certificate.enrollment.status == EnrollmentStatus.COMPLETED
    out = capsys.readouterr().out
    assert certificate.code in out
    assert certificate.get_absolute_verify_url() in out


@pytest.mark.parametrize(
    ("user", "course_slug", "note", "message"),
    [
        ("nobody@example.org", None, "Training", "No account uses"),
        (None, "no-such-course", "Training", "No course has the slug"),
        (None, None, "   ", "Describe the prior learning"),
    ],
)
def test_award_certificate_command_refuses_bad_input(learner, course, user, course_slug, note, message):
    """An unknown email or course, or a blank note, is a CommandError and creates nothing."""
    with pytest.raises(CommandError, match=message):
        call_command(
            "award_certificate",
            "--user",
            user or learner.email,
            "--course",
            course_slug or course.slug,
            "--note",
            note,
        )
    assert not Enrollment.objects.exists()
    assert not Certificate.objects.exists()


def test_award_certificate_command_refuses_a_completed_course(certificate):
    """Awarding a course the learner already completed is refused; nothing changes."""
    with pytest.raises(CommandError, match="already completed"):
        call_command(
            "award_certificate",
            "--user",
            certificate.learner.email,
            "--course",
            certificate.course.slug,
            "--note",
            "Again",
        )
    assert Certificate.objects.count() == 1
