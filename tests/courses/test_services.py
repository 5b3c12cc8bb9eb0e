import pytest
from django.core.exceptions import ValidationError

from courses import services
from courses.models import Enrollment, LessonProgress, ReflectionNote
from courses.models.records import EnrollmentSource, EnrollmentStatus
from tests.courses import handlers
from tests.factories import UserFactory, build_course, course_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reset_handler_calls():
    handlers.calls.clear()


def test_enrollment_create_makes_one_enrollment(learner, course):
    """Enrolling twice returns the same active enrollment."""
    first = services.enrollment_create(learner=learner, course=course)
    second = services.enrollment_create(learner=learner, course=course)
    assert first.pk == second.pk
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1
    assert first.status == EnrollmentStatus.ACTIVE
    assert first.source == EnrollmentSource.SELF


def test_database_refuses_a_second_current_enrollment(learner, course):
    """The partial unique constraint holds even when the service is bypassed."""
    from django.db import IntegrityError, transaction

    Enrollment.objects.create(learner=learner, course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(learner=learner, course=course)


def test_withdrawn_enrollment_allows_a_new_one(learner, course):
    """A withdrawn enrollment does not block enrolling again."""
    Enrollment.objects.create(learner=learner, course=course, status=EnrollmentStatus.WITHDRAWN)
    enrollment = services.enrollment_create(learner=learner, course=course)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 2


def test_missing_prerequisite_refuses_enrollment_with_message(learner, index):
    """A learner missing a prerequisite gets a clear message and no enrollment."""
    basics = build_course(index, title="Basics")
    advanced = build_course(index, title="Advanced")
    advanced.prerequisites.set([basics])
    advanced.save_revision().publish()
    with pytest.raises(ValidationError) as error:
        services.enrollment_create(learner=learner, course=advanced)
    assert "Basics" in error.value.messages[0]
    assert not Enrollment.objects.filter(learner=learner).exists()


def test_completed_prerequisite_allows_enrollment(learner, index):
    """Completing the prerequisite course unlocks enrollment."""
    basics = build_course(index, title="Basics", modules=1, lessons_per_module=1)
    advanced = build_course(index, title="Advanced")
    advanced.prerequisites.set([basics])
    advanced.save_revision().publish()
    services.enrollment_create(learner=learner, course=basics)
    services.lesson_complete(learner=learner, lesson=course_lessons(basics)[0])
    enrollment = services.enrollment_create(learner=learner, course=advanced)
    assert enrollment.course_id == advanced.pk


def test_lesson_complete_records_progress_once(learner, course):
    """Completing a lesson twice leaves one progress record."""
    services.enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    services.lesson_complete(learner=learner, lesson=lesson)
    enrollment = services.lesson_complete(learner=learner, lesson=lesson)
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    assert enrollment.last_lesson_id == lesson.pk
    assert not enrollment.is_completed


def test_lesson_complete_without_enrollment_raises(learner, course):
    """Progress cannot be recorded in a course one is not enrolled in."""
    with pytest.raises(Enrollment.DoesNotExist):
        services.lesson_complete(learner=learner, lesson=course_lessons(course)[0])
    assert not LessonProgress.objects.exists()


def test_last_lesson_completes_enrollment_and_calls_handlers(learner, course, settings):
    """Completing every lesson completes the enrollment and calls each handler once."""
    settings.COURSE_COMPLETION_HANDLERS = ["tests.courses.handlers.record"]
    services.enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    for lesson in lessons[:-1]:
        enrollment = services.lesson_complete(learner=learner, lesson=lesson)
        assert not enrollment.is_completed
    assert handlers.calls == []
    enrollment = services.lesson_complete(learner=learner, lesson=lessons[-1])
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.completed_at is not None
    assert handlers.calls == [enrollment.pk]
    services.lesson_complete(learner=learner, lesson=lessons[-1])
    assert handlers.calls == [enrollment.pk]


def test_failing_handler_rolls_back_completion(learner, course, settings):
    """A handler that raises undoes the completion and the last lesson's progress with it."""
    settings.COURSE_COMPLETION_HANDLERS = ["tests.courses.handlers.explode"]
    services.enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    for lesson in lessons[:-1]:
        services.lesson_complete(learner=learner, lesson=lesson)
    with pytest.raises(RuntimeError):
        services.lesson_complete(learner=learner, lesson=lessons[-1])
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.completed_at is None
    assert not LessonProgress.objects.filter(lesson=lessons[-1]).exists()


def test_unpublished_lesson_does_not_block_completion(learner, course, settings):
    """Only live lessons count toward completion."""
    settings.COURSE_COMPLETION_HANDLERS = ["tests.courses.handlers.record"]
    services.enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    lessons[-1].unpublish()
    for lesson in lessons[:-1]:
        enrollment = services.lesson_complete(learner=learner, lesson=lesson)
    assert enrollment.is_completed
    assert handlers.calls == [enrollment.pk]


def test_reflection_note_saved_for_its_author_only(learner, course):
    """A reflection note is stored per author; another learner's note is separate."""
    lesson = course_lessons(course)[0]
    block_id = lesson.reflection_block_ids[0]
    other = UserFactory()
    services.reflection_note_save(author=learner, lesson=lesson, block_id=block_id, text=" Mine ")
    services.reflection_note_save(author=other, lesson=lesson, block_id=block_id, text="Theirs")
    services.reflection_note_save(author=learner, lesson=lesson, block_id=block_id, text="Mine, edited")
    assert ReflectionNote.objects.get(author=learner).text == "Mine, edited"
    assert ReflectionNote.objects.get(author=other).text == "Theirs"


def test_reflection_note_rejects_unknown_block_and_oversize(learner, course):
    """A note for a block that is not a reflection prompt, or too long, is refused."""
    lesson = course_lessons(course)[0]
    with pytest.raises(ValidationError):
        services.reflection_note_save(author=learner, lesson=lesson, block_id="not-a-block", text="x")
    with pytest.raises(ValidationError):
        services.reflection_note_save(
            author=learner, lesson=lesson, block_id=lesson.reflection_block_ids[0], text="x" * 10_001
        )
    assert not ReflectionNote.objects.exists()


def test_evaluate_completion_says_whether_it_completed_now(learner, course, settings):
    """False while work is left and for a course already completed; True only the time it
    completes the enrollment."""
    settings.COURSE_COMPLETION_HANDLERS = []
    enrollment = services.enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    for lesson in lessons[:-1]:
        services.lesson_complete(learner=learner, lesson=lesson)
    assert services.enrollment_evaluate_completion(enrollment=enrollment) is False
    assert not enrollment.is_completed
    LessonProgress.objects.create(enrollment=enrollment, lesson=lessons[-1])
    assert services.enrollment_evaluate_completion(enrollment=enrollment) is True
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert services.enrollment_evaluate_completion(enrollment=enrollment) is False
