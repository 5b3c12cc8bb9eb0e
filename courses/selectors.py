"""Reads across relations for course pages and learner dashboards.

Every function here has a query budget in tests/courses/test_query_counts.py: the number
of queries does not grow with the number of lessons or enrollments.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from taggit.models import Tag

from courses.models import (
    Cohort,
    CohortCoordinator,
    CohortCourse,
    CohortMembership,
    CoursePage,
    Enrollment,
    LearnerEvent,
    LessonPage,
    ModulePage,
    ReflectionNote,
)
from courses.models.records import EnrollmentStatus
from courses.progress import (
    CourseProgress,
    CourseRef,
    page_url_builder,
    progress_for_course,
    progress_for_enrollments,
)
from courses.structure import ModuleItem, OutlineItem, course_structure


@dataclass
class LessonEntry:
    lesson: OutlineItem
    completed: bool


@dataclass
class ActivityEntry:
    activity: OutlineItem
    status: str
    score_percent: Decimal | None = None


@dataclass
class ModuleEntry:
    module: ModuleItem
    lessons: list[LessonEntry] = field(default_factory=list)
    activities: list[ActivityEntry] = field(default_factory=list)

    @property
    def completed_count(self) -> int:
        return sum(1 for entry in self.lessons if entry.completed)


def _steplen() -> int:
    return CoursePage.steplen


def course_for_lesson(lesson: LessonPage) -> CoursePage:
    return lesson.course


def course_lessons(course: CoursePage) -> tuple[OutlineItem, ...]:
    """Live lessons of the course in tree order, as values."""
    return course_structure(course=course).lessons


def course_activities(course: CoursePage) -> tuple[OutlineItem, ...]:
    """Live activities (quizzes, ...) anywhere in the course, in tree order, as values."""
    return course_structure(course=course).activities


def _activity_entry(activity: OutlineItem, progress: CourseProgress) -> ActivityEntry:
    status, score = progress.activity_results.get(activity.pk, ("not_started", None))
    return ActivityEntry(activity=activity, status=status, score_percent=score)


def enrollment_current(*, learner, course: CoursePage) -> Enrollment | None:
    if not learner.is_authenticated:
        return None
    enrollment = (
        Enrollment.objects.filter(learner=learner, course=course)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .first()
    )
    if enrollment is not None:
        # The caller holds the course already: joining it again would build a second page
        # object, StreamFields and all, for every course and lesson page view.
        enrollment.course = course
    return enrollment


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


def course_outline_for_learner(*, course: CoursePage, user) -> dict:
    """Modules with their lessons, the learner's ticks, progress and where to resume."""
    structure = course_structure(course=course)
    modules = [ModuleEntry(module=module) for module in structure.modules]
    by_path = {entry.module.path: entry for entry in modules}
    enrollment = enrollment_current(learner=user, course=course)
    progress = progress_for_course(course=course, enrollment=enrollment)
    for lesson in structure.lessons:
        module_entry = by_path.get(lesson.path[: -_steplen()])
        if module_entry is not None:
            module_entry.lessons.append(
                LessonEntry(lesson=lesson, completed=lesson.pk in progress.completed_lesson_ids)
            )
    final_activities = []
    for activity in structure.activities:
        entry = _activity_entry(activity, progress)
        module_entry = by_path.get(activity.path[: -_steplen()])
        if module_entry is not None:
            module_entry.activities.append(entry)
        else:
            final_activities.append(entry)
    missing_ids = set()
    if structure.prerequisites and user.is_authenticated and enrollment is None:
        missing_ids = {item.pk for item in course_missing_prerequisites(learner=user, course=course)}
    due = None
    if enrollment is not None and not enrollment.is_completed:
        due = course_due_dates(learner=user, course_ids=[course.pk]).get(course.pk)
    return {
        "due": due,
        "modules": modules,
        "course_activities": final_activities,
        "enrollment": enrollment,
        "progress": progress,
        "lesson_count": progress.lessons_total,
        "catalogue_url": structure.catalogue_url,
        "prerequisites": structure.prerequisites,
        "missing_prerequisite_ids": missing_ids,
        "recommended_courses": structure.recommended,
    }


def lesson_context_for_learner(*, lesson: LessonPage, user, enrollment: Enrollment | None = None) -> dict:
    """Navigation within the module, previous/next across the course, ticks and notes.

    ``enrollment`` may be passed in when the caller has already looked it up. ``continue_to``
    is the page after this lesson in the course's order (the next lesson, or the module's
    quiz after its last lesson, or the final after the course's last lesson).
    """
    course = course_for_lesson(lesson)
    module_path = lesson.path[: -_steplen()]
    structure = course_structure(course=course)
    module = next((item for item in structure.modules if item.path == module_path), None)
    if module is None:
        # Wagtail serves a live lesson under an unpublished module; the structure lists
        # live modules only.
        module = ModulePage.objects.only("pk", "title", "path").get(path=module_path)
    if enrollment is None:
        enrollment = enrollment_current(learner=user, course=course)
    progress = progress_for_course(course=course, enrollment=enrollment)
    done = progress.completed_lesson_ids
    lessons = structure.lessons
    position = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    previous_lesson = lessons[position - 1] if position else None
    next_lesson = lessons[position + 1] if position is not None and position + 1 < len(lessons) else None
    module_lessons = [
        LessonEntry(lesson=item, completed=item.pk in done)
        for item in lessons
        if item.path.startswith(module_path)
    ]
    activities = structure.activities
    module_activities = [
        _activity_entry(activity, progress)
        for activity in activities
        if activity.path.startswith(module_path)
    ]
    following = sorted(
        [item for item in [*lessons, *activities] if item.path > lesson.path], key=lambda item: item.path
    )
    notes = {}
    if user.is_authenticated:
        notes = {note.block_id: note for note in ReflectionNote.objects.filter(author=user, lesson=lesson)}
    return {
        "course": course,
        "module": module,
        "enrollment": enrollment,
        "progress": progress,
        "module_lessons": module_lessons,
        "module_activities": module_activities,
        "previous_lesson": previous_lesson,
        "next_lesson": next_lesson,
        "continue_to": following[0] if following else None,
        "is_completed": lesson.pk in done,
        "can_reopen": lesson.pk in done and enrollment is not None and not enrollment.is_completed,
        "reflection_notes": notes,
    }


@dataclass(frozen=True)
class DueDate:
    """When a cohort wants a course finished by; overdue from the day after."""

    due_on: datetime.date
    overdue: bool


def course_due_dates(*, learner, course_ids) -> dict[int, DueDate]:
    """The due date of each course assigned to one of the learner's cohorts (the earliest, when
    several cohorts assign it): one query."""
    if not learner.is_authenticated or not course_ids:
        return {}
    rows = (
        CohortCourse.objects.filter(
            course_id__in=course_ids, due_on__isnull=False, cohort__memberships__learner=learner
        )
        .values("course_id")
        .annotate(due_on=Min("due_on"))
        .values_list("course_id", "due_on")
    )
    today = timezone.localdate()
    return {course_id: DueDate(due_on=due_on, overdue=due_on < today) for course_id, due_on in rows}


@dataclass(frozen=True)
class OpenAssignment:
    """A course a cohort gave a due date, for one current member of that cohort whose
    enrollment in it is current and not completed."""

    cohort_course_id: int
    cohort_id: int
    cohort_name: str
    course_id: int
    course_title: str
    due_on: datetime.date
    learner: object  # the User, with the fields an email needs

    @property
    def learner_id(self) -> int:
        return self.learner.pk


_ASSIGNMENT_LEARNER_FIELDS = (
    "learner__display_name",
    "learner__email",
    "learner__time_zone",
    "learner__preferred_language",
    "learner__is_active",
)


def assignments_open(
    *,
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
    cohort_ids=None,
    cohort_course_ids=None,
    learner_ids=None,
) -> list[OpenAssignment]:
    """Due-dated course assignments not completed yet, one per (learner, course): the
    earliest due date among the matching assignments, as My learning shows it. Only active
    learners who are still members of the cohort, with a current (not withdrawn) enrollment
    that the progress owner says is not completed. ``cohort_ids`` None means every cohort.
    A fixed number of queries whatever the number of learners or assignments."""
    rows = CohortCourse.objects.filter(due_on__isnull=False)
    if due_from is not None:
        rows = rows.filter(due_on__gte=due_from)
    if due_to is not None:
        rows = rows.filter(due_on__lte=due_to)
    if cohort_ids is not None:
        rows = rows.filter(cohort_id__in=cohort_ids)
    if cohort_course_ids is not None:
        rows = rows.filter(pk__in=cohort_course_ids)
    assignments = list(
        rows.order_by("due_on", "pk").values_list(
            "pk", "cohort_id", "cohort__name", "course_id", "course__title", "due_on"
        )
    )
    if not assignments:
        return []
    members = CohortMembership.objects.filter(
        cohort_id__in={row[1] for row in assignments}, learner__is_active=True
    )
    if learner_ids is not None:
        members = members.filter(learner_id__in=learner_ids)
    by_cohort: dict[int, list] = {}
    for membership in members.select_related("learner").only(
        "cohort_id", "learner_id", *_ASSIGNMENT_LEARNER_FIELDS
    ):
        by_cohort.setdefault(membership.cohort_id, []).append(membership.learner)
    enrollment_fields = [f.name for f in Enrollment._meta.concrete_fields]
    enrollments = list(
        Enrollment.objects.filter(
            course_id__in={row[3] for row in assignments},
            learner_id__in=members.values("learner_id"),
        )
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .only(*enrollment_fields)
        .annotate(course_path=F("course__path"), course_depth=F("course__depth"))
    )
    courses = {
        e.course_id: CourseRef(pk=e.course_id, path=e.course_path, depth=e.course_depth) for e in enrollments
    }
    progress = progress_for_enrollments(enrollments, courses=courses)
    open_pairs = {(e.learner_id, e.course_id) for e in enrollments if not progress[e.pk].is_completed}
    found: dict[tuple[int, int], OpenAssignment] = {}
    for pk, cohort_id, cohort_name, course_id, course_title, due_on in assignments:  # earliest first
        for learner in by_cohort.get(cohort_id, ()):
            pair = (learner.pk, course_id)
            if pair in open_pairs and pair not in found:
                found[pair] = OpenAssignment(
                    cohort_course_id=pk,
                    cohort_id=cohort_id,
                    cohort_name=cohort_name,
                    course_id=course_id,
                    course_title=course_title,
                    due_on=due_on,
                    learner=learner,
                )
    return list(found.values())


@dataclass
class DashboardEntry:
    enrollment: Enrollment
    progress: CourseProgress
    #: Set while the course is not completed and a cohort of the learner's gave it a due date.
    due: DueDate | None = None
    course_title: str = ""
    course_url: str = ""

    @property
    def progress_id(self) -> str:
        return f"progress-{self.enrollment.pk}"


def enrollment_dashboard(*, learner) -> list[DashboardEntry]:
    """Every current enrollment of the learner with its progress and next step. The courses
    come as values in the same query, not as page objects (``CourseRef``)."""
    enrollment_fields = [f.name for f in Enrollment._meta.concrete_fields]
    enrollments = list(
        Enrollment.objects.filter(learner=learner)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .only(*enrollment_fields)
        .annotate(
            course_title=F("course__title"),
            course_path=F("course__path"),
            course_depth=F("course__depth"),
            course_url_path=F("course__url_path"),
        )
        .order_by("status", "-created_at")
    )
    courses = {
        e.course_id: CourseRef(pk=e.course_id, path=e.course_path, depth=e.course_depth) for e in enrollments
    }
    progress = progress_for_enrollments(enrollments, courses=courses)
    due = course_due_dates(
        learner=learner, course_ids=[e.course_id for e in enrollments if not e.is_completed]
    )
    page_url = page_url_builder()
    return [
        DashboardEntry(
            enrollment=e,
            progress=progress[e.pk],
            due=due.get(e.course_id),
            course_title=e.course_title,
            course_url=page_url(e.course_url_path),
        )
        for e in enrollments
    ]


def learner_events_recent(*, learner, limit: int = 10) -> list[LearnerEvent]:
    """The learner's latest events, newest first: the activity history on My learning."""
    return list(LearnerEvent.objects.filter(learner=learner).order_by("-occurred_at", "-pk")[:limit])


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


def cohort_scope_ids(*, user) -> frozenset[int] | None:
    """The cohorts whose learners ``user`` is responsible for: the cohorts they coordinate
    and every cohort below those, never above or beside. None means every cohort (site
    administrators). Two queries whatever the depth: the tree is small enough to walk in
    Python, and a recursive query would differ between SQLite and PostgreSQL for nothing."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return None
    roots = set(CohortCoordinator.objects.filter(coordinator=user).values_list("cohort_id", flat=True))
    if not roots:
        return frozenset()
    children: dict[int, list[int]] = {}
    for pk, parent_id in Cohort.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    scope, stack = set(), list(roots)
    while stack:
        pk = stack.pop()
        if pk not in scope:  # a cycle written around the service cannot loop forever
            scope.add(pk)
            stack.extend(children.get(pk, ()))
    return frozenset(scope)


def cohort_visible_to(*, user) -> QuerySet[Cohort]:
    """The cohorts ``user`` may see and manage in the admin: those in their scope."""
    scope = cohort_scope_ids(user=user)
    return Cohort.objects.all() if scope is None else Cohort.objects.filter(pk__in=scope)


def learner_ids_in_scope(*, user) -> QuerySet | None:
    """The ids of the learners ``user`` coordinates, as a subquery for ``learner__in``; None
    means every learner (site administrators). Every access selector that lets a coordinator
    see another person's records narrows with this."""
    scope = cohort_scope_ids(user=user)
    if scope is None:
        return None
    return CohortMembership.objects.filter(cohort_id__in=scope).values("learner_id")


def learner_records_scope_filter(*, user, field: str = "learner") -> Q | None:
    """A Q keeping the records of learners in ``user``'s scope (``field`` names the learner);
    None when nothing needs filtering (site administrators)."""
    ids = learner_ids_in_scope(user=user)
    return None if ids is None else Q(**{f"{field}__in": ids})
