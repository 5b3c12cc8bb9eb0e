"""Certificates built directly (no completion, no queued render), and helpers to complete courses."""

import datetime
import io

import factory
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from certificates.models import Certificate, certificate_code_generate
from courses.models import Enrollment
from courses.services import enrollment_create, lesson_complete
from tests.factories import course_lessons


def complete_course(learner, course) -> Enrollment:
    """Enroll and complete every lesson: the completion handlers run on the last one."""
    enrollment_create(learner=learner, course=course)
    enrollment = None
    for lesson in course_lessons(course):
        enrollment = lesson_complete(learner=learner, lesson=lesson)
    return enrollment


class CertificateFactory(factory.django.DjangoModelFactory):
    """A pending certificate for a completed ``enrollment`` (required), made without the
    issuing service, so no render is queued."""

    class Meta:
        model = Certificate

    learner = factory.LazyAttribute(lambda o: o.enrollment.learner)
    course = factory.LazyAttribute(lambda o: o.enrollment.course)
    code = factory.LazyFunction(certificate_code_generate)
    learner_name = factory.LazyAttribute(lambda o: o.learner.name_for_certificate)
    course_title = factory.LazyAttribute(lambda o: o.course.title)
    contact_hours = factory.LazyAttribute(lambda o: o.course.contact_hours)
    competencies = factory.LazyFunction(lambda: ["conflict resolution"])
    issued_on = factory.LazyFunction(datetime.date.today)
    issuer_name = "Liaison Academy"
    signatory_name = factory.Faker("name")
    signatory_title = "Director of Training"


def png_bytes(size=(2400, 900), mode="RGBA", color=(11, 95, 115, 160)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new(mode, size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def wagtail_image(title: str = "Logo", **kwargs) -> Image:
    return Image.objects.create(
        title=title, file=ImageFile(io.BytesIO(png_bytes(**kwargs)), name=f"{title}.png")
    )
