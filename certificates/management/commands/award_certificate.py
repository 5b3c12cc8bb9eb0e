from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certificates.services import certificate_award_prior_learning
from courses.models import CoursePage


class Command(BaseCommand):
    help = (
        "Award a certificate for prior learning: enroll the learner (source prior_learning) with "
        "the note, complete the enrollment and issue the certificate. Changes nothing on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="EMAIL", help="The learner's email address.")
        parser.add_argument("--course", required=True, metavar="SLUG", help="The course page's slug.")
        parser.add_argument("--note", required=True, metavar="TEXT", help="The prior learning, as checked.")

    def handle(self, *args, user: str, course: str, note: str, **options):
        learner = get_user_model().objects.filter(email__iexact=user.strip()).first()
        if learner is None:
            raise CommandError(f"No account uses the email address {user!r}.")
        courses = list(CoursePage.objects.filter(slug=course.strip())[:2])
        if not courses:
            raise CommandError(f"No course has the slug {course!r}.")
        if len(courses) > 1:
            raise CommandError(f"More than one course has the slug {course!r}.")
        try:
            certificate = certificate_award_prior_learning(learner=learner, course=courses[0], note=note)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Awarded {certificate.code} to {certificate.learner_name} for “{certificate.course_title}” "
                f"({certificate.get_status_display().lower()})."
            )
        )
        self.stdout.write(f"  verify: {certificate.get_absolute_verify_url()}")
