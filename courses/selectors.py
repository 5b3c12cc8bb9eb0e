"""Reads across relations for course pages and learner dashboards.

Every function here has a query budget in tests/courses/test_query_counts.py: the number
of queries does not grow with the number of lessons or enrollments.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from taggit.models import Tag

from courses.models import (
    ActivityResult,
    CoursePage,
    Enrollment,
    LessonPage,
    LessonProgress,
    ModulePage,
    ReflectionNote,
    course_activity_models,
)
from courses.models.records import EnrollmentStatus


@dataclass
class LessonEntry:
    lesson: LessonPage
    completed: bool


@dataclass
class ActivityEntry:
    activity: object
    result: ActivityResult | None

    @property
    def status(self) -> str:
        return self.result.status if self.result else "not_started"


@dataclass
class ModuleEntry:
    module: ModulePage
    lessons: list[LessonEntry] = field(default_factory=list)
    activities: list[ActivityEntry] = field(default_factory=list)

    @property
    def completed_count(self) -> int:
        return sum(1 for entry in self.lessons if entry.completed)


def _steplen() -> int:
    return CoursePage.steplen


def course_for_lesson(lesson: LessonPage) -> CoursePage:
    return lesson.course


def course_lessons(course: CoursePage):
    return LessonPage.objects.live().descendant_of(course).defer_streamfields().order_by("path")


def course_lesson_ids(course: CoursePage) -> list[int]:
    return list(LessonPage.objects.live().descendant_of(course).order_by("path").values_list("pk", flat=True))


def course_activities(course: CoursePage) -> list:
    """Live activities (quizzes, ...) anywhere in the course, in tree order: one query per
    activity type, not per activity."""
    activities = []
    for model in course_activity_models():
        activities.extend(model.objects.live().descendant_of(course).defer_streamfields())
    return sorted(activities, key=lambda page: page.path)


def course_required_activity_ids(course: CoursePage) -> set[int]:
    ids: set[int] = set()
    for model in course_activity_models():
        ids.update(
            model.objects.live()
            .descendant_of(course)
            .filter(required_for_completion=True)
            .values_list("pk", flat=True)
        )
    return ids


def _activity_results(enrollment: Enrollment | None) -> dict[int, ActivityResult]:
    if enrollment is None:
        return {}
    return {result.activity_id: result for result in enrollment.activity_results.all()}


def enrollment_current(*, learner, course: CoursePage) -> Enrollment | None:
    if not learner.is_authenticated:
        return None
    return (
        Enrollment.objects.filter(learner=learner, course=course)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .first()
    )


def course_missing_prerequisites(*, learner, course: CoursePage) -> list[CoursePage]:
    prerequisites = list(CoursePage.objects.live().filter(required_by=course).order_by("title"))
    if not prerequisites:
        return []
    done = set(
        Enrollment.objects.filter(
            learner=learner,
            course__in=prerequisites,
            status=EnrollmentStatus.COMPLETED,
        ).values_list("course_id", flat=True)
    )
    return [course for course in prerequisites if course.pk not in done]


def _progress_percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def course_outline_for_learner(*, course: CoursePage, user) -> dict:
    """Modules with their lessons, the learner's ticks, progress and where to resume."""
    modules = [
        ModuleEntry(module=module) for module in ModulePage.objects.live().child_of(course).order_by("path")
    ]
    by_path = {entry.module.path: entry for entry in modules}
    enrollment = enrollment_current(learner=user, course=course)
    completed_ids = _completed_lesson_ids(enrollment)
    lessons = list(course_lessons(course))
    for lesson in lessons:
        module_entry = by_path.get(lesson.path[: -_steplen()])
        if module_entry is not None:
            module_entry.lessons.append(LessonEntry(lesson=lesson, completed=lesson.pk in completed_ids))
    results = _activity_results(enrollment)
    final_activities = []
    for activity in course_activities(course):
        entry = ActivityEntry(activity=activity, result=results.get(activity.pk))
        module_entry = by_path.get(activity.path[: -_steplen()])
        if module_entry is not None:
            module_entry.activities.append(entry)
        else:
            final_activities.append(entry)
    done = sum(1 for lesson in lessons if lesson.pk in completed_ids)
    resume = next((lesson for lesson in lessons if lesson.pk not in completed_ids), None)
    prerequisites = list(CoursePage.objects.live().filter(required_by=course).order_by("title"))
    recommended = list(CoursePage.objects.live().filter(recommended_by=course).order_by("title"))
    missing = []
    if prerequisites and user.is_authenticated and enrollment is None:
        missing = course_missing_prerequisites(learner=user, course=course)
    return {
        "modules": modules,
        "course_activities": final_activities,
        "enrollment": enrollment,
        "lesson_count": len(lessons),
        "completed_count": done,
        "progress_percent": _progress_percent(done, len(lessons)),
        "resume_lesson": resume or (lessons[0] if lessons else None),
        "prerequisites": prerequisites,
        "missing_prerequisites": missing,
        "recommended_courses": recommended,
    }


def _completed_lesson_ids(enrollment: Enrollment | None) -> set[int]:
    if enrollment is None:
        return set()
    return set(enrollment.lesson_progress.values_list("lesson_id", flat=True))


def lesson_context_for_learner(*, lesson: LessonPage, user, enrollment: Enrollment | None = None) -> dict:
    """Navigation within the module, previous/next across the course, ticks and notes.

    ``enrollment`` may be passed in when the caller has already looked it up.
    """
    course = course_for_lesson(lesson)
    module_path = lesson.path[: -_steplen()]
    module = ModulePage.objects.get(path=module_path)
    if enrollment is None:
        enrollment = enrollment_current(learner=user, course=course)
    completed_ids = _completed_lesson_ids(enrollment)
    lessons = list(course_lessons(course))
    position = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    previous_lesson = lessons[position - 1] if position else None
    next_lesson = lessons[position + 1] if position is not None and position + 1 < len(lessons) else None
    module_lessons = [
        LessonEntry(lesson=item, completed=item.pk in completed_ids)
        for item in lessons
        if item.path.startswith(module_path)
    ]
    results = _activity_results(enrollment)
    module_activities = [
        ActivityEntry(activity=activity, result=results.get(activity.pk))
        for activity in course_activities(course)
        if activity.path.startswith(module_path)
    ]
    notes = {}
    if user.is_authenticated:
        notes = {note.block_id: note for note in ReflectionNote.objects.filter(author=user, lesson=lesson)}
    done = sum(1 for item in lessons if item.pk in completed_ids)
    return {
        "course": course,
        "module": module,
        "enrollment": enrollment,
        "module_lessons": module_lessons,
        "module_activities": module_activities,
        "previous_lesson": previous_lesson,
        "next_lesson": next_lesson,
        "is_completed": lesson.pk in completed_ids,
        "reflection_notes": notes,
        "lesson_count": len(lessons),
        "completed_count": done,
        "progress_percent": _progress_percent(done, len(lessons)),
    }


@dataclass
class DashboardEntry:
    enrollment: Enrollment
    lesson_count: int
    completed_count: int
    resume_lesson: LessonPage | None

    @property
    def progress_percent(self) -> int:
        return _progress_percent(self.completed_count, self.lesson_count)


def enrollment_dashboard(*, learner) -> list[DashboardEntry]:
    """Every current enrollment of the learner with progress and a resume link."""
    enrollments = list(
        Enrollment.objects.filter(learner=learner)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("course", "last_lesson")
        .order_by("status", "-created_at")
    )
    if not enrollments:
        return []
    paths = Q()
    for enrollment in enrollments:
        paths |= Q(path__startswith=enrollment.course.path)
    lessons = list(LessonPage.objects.live().filter(paths).defer_streamfields().order_by("path"))
    done_pairs = set(
        LessonProgress.objects.filter(enrollment__in=enrollments).values_list("enrollment_id", "lesson_id")
    )
    entries = []
    for enrollment in enrollments:
        course_lessons_ = [lesson for lesson in lessons if lesson.path.startswith(enrollment.course.path)]
        done = [lesson for lesson in course_lessons_ if (enrollment.pk, lesson.pk) in done_pairs]
        resume = next(
            (lesson for lesson in course_lessons_ if (enrollment.pk, lesson.pk) not in done_pairs),
            None,
        )
        entries.append(
            DashboardEntry(
                enrollment=enrollment,
                lesson_count=len(course_lessons_),
                completed_count=len(done),
                resume_lesson=resume,
            )
        )
    return entries


def course_catalogue(*, index_page, tag: str, user) -> dict:
    """Live courses under the catalogue, optionally with one competency tag."""
    courses = CoursePage.objects.live().child_of(index_page).order_by("path")
    all_tags = list(
        Tag.objects.filter(courses_coursetag_items__content_object__live=True)
        .annotate(course_count=Count("courses_coursetag_items", distinct=True))
        .order_by("name")
    )
    if tag:
        courses = courses.filter(tags__slug=tag)
    courses = list(courses.select_related("image").prefetch_related("tags"))
    statuses = {}
    if user.is_authenticated:
        statuses = dict(
            Enrollment.objects.filter(learner=user, course__in=courses)
            .exclude(status=EnrollmentStatus.WITHDRAWN)
            .values_list("course_id", "status")
        )
    return {
        "courses": courses,
        "tags": all_tags,
        "active_tag": tag,
        "enrollment_statuses": statuses,
    }
