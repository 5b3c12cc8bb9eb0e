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

from courses.events import learner_event_record
from courses.models import (
    ActivityResult,
    Cohort,
    CohortCoordinator,
    CohortCourse,
    CohortMembership,
    CoursePage,
    Enrollment,
    LearnerEventKind,
    LessonPage,
    LessonProgress,
    ReflectionNote,
)
from courses.models.records import ActivityStatus, EnrollmentSource, EnrollmentStatus
from courses.progress import progress_for_enrollments
from courses.selectors import course_for_lesson, course_missing_prerequisites, enrollment_current

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
            enrollment = Enrollment.objects.create(learner=learner, course=course, source=source, note=note)
            learner_event_record(
                learner=learner,
                kind=LearnerEventKind.ENROLLED,
                key=f"enrolled:{enrollment.pk}",
                subject_type="course",
                subject_id=course.pk,
                course=course,
                payload={"course_title": course.title, "source": source},
            )
            if source == EnrollmentSource.SELF:
                cohort_open_enrollment_join(learner=learner)
            return enrollment
    except IntegrityError:
        # Another request enrolled the learner first; the partial unique constraint held.
        enrollment = enrollment_current(learner=learner, course=course)
        if enrollment is None:
            raise
        return enrollment


def _enrollment_locked(*, learner, course: CoursePage) -> Enrollment:
    """The learner's current enrollment in the course, locked for this transaction (rows for
    one learner and course are changed one request at a time). Raises DoesNotExist."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(learner=learner, course=course)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .get()
    )
    # The caller holds the course: the completion check reads it from here, not again.
    enrollment.course = course
    return enrollment


def lesson_complete(*, learner, lesson: LessonPage) -> Enrollment:
    """Record a lesson as complete and complete the enrollment when nothing is left.

    Raises Enrollment.DoesNotExist when the learner is not enrolled in the lesson's course.
    """
    course = course_for_lesson(lesson)
    with transaction.atomic():
        enrollment = _enrollment_locked(learner=learner, course=course)
        progress, created = LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
        if created:
            learner_event_record(
                learner=learner,
                kind=LearnerEventKind.LESSON_COMPLETED,
                key=f"lesson_completed:{progress.pk}",
                subject_type="lesson",
                subject_id=lesson.pk,
                course=course,
                payload={"lesson_title": lesson.title, "course_title": course.title},
                occurred_at=progress.completed_at,
            )
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson"])
        enrollment_evaluate_completion(enrollment=enrollment)
    return enrollment


def lesson_reopen(*, learner, lesson: LessonPage) -> Enrollment:
    """Mark a completed lesson not complete again, while the course is still in progress.

    A completed course keeps its completion (and certificate): raises ValidationError then.
    Raises Enrollment.DoesNotExist when the learner is not enrolled in the lesson's course.
    """
    course = course_for_lesson(lesson)
    with transaction.atomic():
        enrollment = _enrollment_locked(learner=learner, course=course)
        if enrollment.is_completed:
            raise ValidationError(
                _("You have completed this course, so its lessons stay complete."), code="course_completed"
            )
        progress = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).first()
        if progress is not None:
            learner_event_record(
                learner=learner,
                kind=LearnerEventKind.LESSON_REOPENED,
                key=f"lesson_reopened:{progress.pk}",
                subject_type="lesson",
                subject_id=lesson.pk,
                course=course,
                payload={"lesson_title": lesson.title, "course_title": course.title},
            )
            progress.delete()
    return enrollment


def enrollment_evaluate_completion(*, enrollment: Enrollment) -> bool:
    """Complete the enrollment when its progress says it is eligible (every live lesson done
    and every live required activity passed). Returns True if it completed now."""
    if enrollment.is_completed:
        return False
    if not progress_for_enrollments([enrollment])[enrollment.pk].eligible_for_completion:
        return False
    enrollment_complete(enrollment=enrollment)
    return True


def activity_result_record(
    *, learner, activity, status: str, score_percent=None, occurrence: str | None = None
) -> ActivityResult:
    """Record the learner's current result in a course activity and re-check completion.

    Called by the app that owns the activity (e.g. assessments after grading a quiz), with
    ``occurrence`` naming what produced the result (e.g. "attempt:12"): an "activity passed"
    or "not passed" event is recorded once per occurrence. Without it, an event is recorded
    when the status changes. Raises Enrollment.DoesNotExist when the learner is not enrolled.
    """
    course = CoursePage.objects.ancestor_of(activity).get()
    with transaction.atomic():
        enrollment = _enrollment_locked(learner=learner, course=course)
        previous = (
            ActivityResult.objects.filter(enrollment=enrollment, activity_id=activity.pk)
            .values_list("status", flat=True)
            .first()
        )
        result, _created = ActivityResult.objects.update_or_create(
            enrollment=enrollment,
            activity_id=activity.pk,
            defaults={"status": status, "score_percent": score_percent},
        )
        if status in (ActivityStatus.PASSED, ActivityStatus.FAILED) and (occurrence or previous != status):
            kind = (
                LearnerEventKind.ACTIVITY_PASSED
                if status == ActivityStatus.PASSED
                else LearnerEventKind.ACTIVITY_FAILED
            )
            learner_event_record(
                learner=learner,
                kind=kind,
                key=f"{kind}:{enrollment.pk}:{activity.pk}:{occurrence or result.updated_at.isoformat()}",
                subject_type="activity",
                subject_id=activity.pk,
                course=course,
                payload={
                    "activity_title": activity.title,
                    "course_title": course.title,
                    "score_percent": None if score_percent is None else str(score_percent),
                },
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
        learner_event_record(
            learner=enrollment.learner,
            kind=LearnerEventKind.COURSE_COMPLETED,
            key=f"course_completed:{enrollment.pk}",
            subject_type="course",
            subject_id=enrollment.course_id,
            course=enrollment.course,
            payload={"course_title": enrollment.course.title, "source": enrollment.source},
            occurred_at=enrollment.completed_at,
        )
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


# Cohorts -------------------------------------------------------------------------------

OPEN_ENROLLMENT_NAME = "Open enrollment"


def cohort_open_enrollment_get() -> Cohort:
    """The cohort learners who sign up on their own join (made by a data migration; made
    again here if an administrator managed to remove it)."""
    cohort = Cohort.objects.filter(is_open_enrollment=True).first()
    if cohort is not None:
        return cohort
    try:
        with transaction.atomic():
            return Cohort.objects.create(
                name=OPEN_ENROLLMENT_NAME,
                description=_("Learners who signed up on their own."),
                is_open_enrollment=True,
            )
    except IntegrityError:
        return Cohort.objects.get(is_open_enrollment=True)


def cohort_open_enrollment_join(*, learner) -> CohortMembership | None:
    """Put a learner who belongs to no cohort into Open enrollment, so a coordinator is
    responsible for grading their essays. Named in ACCOUNT_SIGNUP_HANDLERS (called on
    sign-up) and called when a learner enrolls themselves. Does nothing for a learner who
    already belongs to a cohort."""
    if CohortMembership.objects.filter(learner=learner).exists():
        return None
    return cohort_member_add(cohort=cohort_open_enrollment_get(), learner=learner)


def cohort_parent_problem(*, cohort: Cohort, parent: Cohort | None) -> str | None:
    """Why ``parent`` cannot hold ``cohort`` (itself or one of the cohorts below it), or None."""
    if parent is None or cohort.pk is None:
        return None
    seen, current = set(), parent
    while current is not None and current.pk not in seen:
        if current.pk == cohort.pk:
            return _("A cohort cannot be part of itself or of a cohort below it.")
        seen.add(current.pk)
        current = current.parent
    return None


def cohort_member_add(*, cohort: Cohort, learner) -> CohortMembership:
    """Add a learner to a cohort (or return their membership) and enroll them in the
    cohort's assigned courses. Safe to repeat."""
    with transaction.atomic():
        membership, _created = CohortMembership.objects.get_or_create(cohort=cohort, learner=learner)
    for assignment in CohortCourse.objects.filter(cohort=cohort).select_related("course"):
        cohort_course_enroll_learner(assignment=assignment, learner=learner)
    return membership


def cohort_member_remove(*, cohort: Cohort, learner) -> bool:
    """Take a learner out of a cohort. Only the membership goes: their enrollments, progress,
    attempts and certificates stay theirs. Returns whether they were a member."""
    deleted, _rows = CohortMembership.objects.filter(cohort=cohort, learner=learner).delete()
    return bool(deleted)


def cohort_course_enroll_learner(*, assignment: CohortCourse, learner) -> Enrollment | None:
    """Enroll one member in an assigned course (or keep their current enrollment). A course
    the coordinator assigns skips the prerequisite check: they chose it for the cohort. An
    unpublished course enrolls no one until it is live."""
    if not assignment.course.live:
        return None
    return enrollment_create(
        learner=learner,
        course=assignment.course,
        source=EnrollmentSource.COORDINATOR,
        check_prerequisites=False,
    )


def cohort_course_assign(*, cohort: Cohort, course: CoursePage, due_on=None) -> CohortCourse:
    """Assign a course to a cohort (or change its due date) and enroll every member after
    commit, in a task: a cohort may have thousands of members."""
    from courses.tasks import cohort_course_enroll_members as cohort_course_enroll_members_task

    assignment, created = CohortCourse.objects.update_or_create(
        cohort=cohort, course=course, defaults={"due_on": due_on}
    )
    cohort_course_enroll_members_task.delay_on_commit(assignment.pk)
    return assignment


def cohort_course_enroll_members(*, assignment_id: int) -> int:
    """Enroll every member of the assignment's cohort in its course; returns how many were
    newly enrolled. Idempotent: members already enrolled keep their enrollment."""
    assignment = CohortCourse.objects.select_related("course").filter(pk=assignment_id).first()
    if assignment is None:
        return 0
    enrolled = set(
        Enrollment.objects.filter(course=assignment.course)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .values_list("learner_id", flat=True)
    )
    learners = (
        assignment.cohort.memberships.exclude(learner_id__in=enrolled)
        .select_related("learner")
        .order_by("pk")
    )
    count = 0
    for membership in learners:
        if cohort_course_enroll_learner(assignment=assignment, learner=membership.learner) is not None:
            count += 1
    return count


def cohort_open_enrollment_join_on_signup(*, user) -> None:
    """ACCOUNT_SIGNUP_HANDLERS entry: a person who signed up on their own joins Open enrollment."""
    cohort_open_enrollment_join(learner=user)


def cohort_coordinators_set(*, cohort: Cohort, coordinators, keep_others: bool = False) -> None:
    """Make ``coordinators`` the cohort's coordinators (or add them, with ``keep_others``)."""
    wanted = {user.pk for user in coordinators}
    with transaction.atomic():
        if not keep_others:
            CohortCoordinator.objects.filter(cohort=cohort).exclude(coordinator_id__in=wanted).delete()
        CohortCoordinator.objects.bulk_create(
            [CohortCoordinator(cohort=cohort, coordinator_id=pk) for pk in wanted], ignore_conflicts=True
        )
