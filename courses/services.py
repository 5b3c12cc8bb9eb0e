"""Writes and rules for courses: enrollment, lesson progress, reflections and completion.

Called the same way from views, tasks, admin actions and management commands.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from courses.models import (
    ActivityResult,
    CoursePage,
    Enrollment,
    LessonPage,
    LessonProgress,
    ReflectionNote,
)
from courses.models.records import ActivityStatus, EnrollmentSource, EnrollmentStatus
from courses.selectors import (
    course_for_lesson,
    course_lesson_ids,
    course_missing_prerequisites,
    course_required_activity_ids,
    enrollment_current,
)

REFLECTION_MAX_CHARS = 10_000


def enrollment_create(
    *,
    learner,
    course: CoursePage,
    source: str = EnrollmentSource.SELF,
    note: str = "",
    check_prerequisites: bool = True,
) -> Enrollment:
    """Enroll a learner, or return their current enrollment in the course.

    Raises ValidationError naming the missing prerequisite courses.
    """
    existing = enrollment_current(learner=learner, course=course)
    if existing is not None:
        return existing
    if check_prerequisites:
        missing = course_missing_prerequisites(learner=learner, course=course)
        if missing:
            raise ValidationError(
                _("Complete %(courses)s before enrolling in this course.")
                % {"courses": ", ".join(f"“{c.title}”" for c in missing)},
                code="prerequisites",
            )
    try:
        with transaction.atomic():
            return Enrollment.objects.create(learner=learner, course=course, source=source, note=note)
    except IntegrityError:
        # Another request enrolled the learner first; the partial unique constraint held.
        enrollment = enrollment_current(learner=learner, course=course)
        if enrollment is None:
            raise
        return enrollment


def lesson_complete(*, learner, lesson: LessonPage) -> Enrollment:
    """Record a lesson as complete and complete the enrollment when nothing is left.

    Raises Enrollment.DoesNotExist when the learner is not enrolled in the lesson's course.
    """
    course = course_for_lesson(lesson)
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .filter(learner=learner, course=course)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .get()
        )
        LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson"])
        enrollment_evaluate_completion(enrollment=enrollment)
    return enrollment


def enrollment_evaluate_completion(*, enrollment: Enrollment) -> bool:
    """Complete the enrollment if every live lesson is done and every required activity
    passed. Returns True if it completed now."""
    if enrollment.is_completed:
        return False
    lesson_ids = course_lesson_ids(enrollment.course)
    done = set(
        enrollment.lesson_progress.filter(lesson_id__in=lesson_ids).values_list("lesson_id", flat=True)
    )
    if not lesson_ids or done != set(lesson_ids):
        return False
    required = course_required_activity_ids(enrollment.course)
    if required:
        passed = set(
            enrollment.activity_results.filter(
                activity_id__in=required, status=ActivityStatus.PASSED
            ).values_list("activity_id", flat=True)
        )
        if passed != required:
            return False
    enrollment_complete(enrollment=enrollment)
    return True


def activity_result_record(*, learner, activity, status: str, score_percent=None) -> ActivityResult:
    """Record the learner's current result in a course activity and re-check completion.

    Called by the app that owns the activity (e.g. assessments after grading a quiz).
    Raises Enrollment.DoesNotExist when the learner is not enrolled in the course.
    """
    course = CoursePage.objects.ancestor_of(activity).get()
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .filter(learner=learner, course=course)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .get()
        )
        result, _created = ActivityResult.objects.update_or_create(
            enrollment=enrollment,
            activity_id=activity.pk,
            defaults={"status": status, "score_percent": score_percent},
        )
        if status == ActivityStatus.PASSED:
            enrollment_evaluate_completion(enrollment=enrollment)
    return result


def enrollment_complete(*, enrollment: Enrollment) -> Enrollment:
    """Mark the enrollment complete and call the completion handlers in this transaction.

    A handler that raises rolls the completion back with it.
    """
    with transaction.atomic():
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = timezone.now()
        enrollment.save(update_fields=["status", "completed_at"])
        for handler in completion_handlers():
            handler(enrollment=enrollment)
    return enrollment


def completion_handlers() -> list[Callable[..., object]]:
    return [import_string(path) for path in settings.COURSE_COMPLETION_HANDLERS]


def reflection_note_save(*, author, lesson: LessonPage, block_id: str, text: str) -> ReflectionNote:
    """Save the learner's private answer to one reflection prompt of the lesson."""
    if block_id not in lesson.reflection_block_ids:
        raise ValidationError(_("This reflection prompt does not exist."), code="unknown_block")
    text = text.strip()
    if len(text) > REFLECTION_MAX_CHARS:
        raise ValidationError(
            _("Keep your note under %(max)d characters.") % {"max": REFLECTION_MAX_CHARS},
            code="too_long",
        )
    note, _created = ReflectionNote.objects.update_or_create(
        author=author, lesson=lesson, block_id=block_id, defaults={"text": text}
    )
    return note
