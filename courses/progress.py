"""The one owner of course progress.

Every screen that shows how far a learner is (course page, lesson navigation, My learning,
later reports, cohorts and readiness) and the completion rule itself read the value built
here; nothing else counts lessons or activities. A course's work is its live lessons and its
live *required* activities (quizzes and the like, see ``CourseActivity``), in tree order.

The selector works on many enrollments at once with a fixed number of queries: one for the
lessons of all the courses involved, one per activity page type, one for lesson progress and
one for activity results, whatever the number of enrollments, lessons or activities. Pages
are read as values (id, path, title, URL path), never as page objects, and a course's steps
are kept in the cache until a page changes: then only the learner's records are read.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from wagtail.models import Site

from courses.models import ActivityResult, Enrollment, LessonPage, LessonProgress, course_activity_models
from courses.models.records import ActivityStatus, EnrollmentStatus
from training_site.page_cache import pages_generation

LESSON = "lesson"
ACTIVITY = "activity"


@dataclass(frozen=True)
class Step:
    """One piece of a course's work: a lesson to complete or a required activity to pass."""

    kind: str
    page_id: int
    path: str
    title: str
    url_path: str
    #: A required activity directly under the course (not inside a module): the final.
    is_final: bool = False
    #: The URL, when it was built with the step (steps kept in the cache carry theirs).
    built_url: str = field(default="", compare=False)

    @cached_property
    def url(self) -> str:
        return self.built_url or page_url_builder()(self.url_path)

    @property
    def label(self) -> str:
        if self.kind == LESSON:
            return _("Continue with “%(title)s”") % {"title": self.title}
        if self.is_final:
            return _("Pass the final assessment")
        return _("Pass the quiz “%(title)s”") % {"title": self.title}


def page_url_builder() -> Callable[[str], str]:
    """A function from a page's ``url_path`` to its URL, as ``{% pageurl %}`` gives it on a
    single-site install, without loading the page: the site root paths (which Wagtail keeps
    in the cache) are read once, when the builder is made. Make one per request or list."""
    roots = sorted(Site.get_site_root_paths(), key=lambda root: len(root.root_path), reverse=True)
    serve_prefix = reverse("wagtail_serve", args=("",))

    def page_url(url_path: str) -> str:
        for root in roots:
            if url_path.startswith(root.root_path):
                # What reverse("wagtail_serve", args=(rest,)) gives, without a reverse per
                # page: the rest of the path quoted as Django quotes URL arguments.
                return serve_prefix + quote(url_path[len(root.root_path) :], safe=RFC3986_SUBDELIMS + "/~:@")
        return ""

    return page_url


@dataclass(frozen=True)
class CourseProgress:
    """Where one learner stands in one course. Immutable: build a new one after a change."""

    course_id: int
    enrollment_id: int | None
    is_completed: bool
    lessons_done: int
    lessons_total: int
    activities_passed: int
    activities_total: int
    completed_lesson_ids: frozenset[int]
    #: Activity id → (status, score percent) for every activity with a result, required or not.
    activity_results: Mapping[int, tuple[str, Decimal | None]]
    #: The first lesson not done or required activity not passed, in tree order.
    next_step: Step | None
    first_step: Step | None
    #: The required activity directly under the course (the final assessment), if any.
    final_activity_id: int | None = None
    #: The required activities (quizzes and the like), in tree order: what My learning lists.
    required_activities: tuple[Step, ...] = ()
    #: Every step of the course's work, in tree order (what module_progress counts).
    steps: tuple[Step, ...] = ()

    @property
    def percent(self) -> int:
        """Lessons done and required activities passed, out of all of them."""
        total = self.lessons_total + self.activities_total
        if not total:
            return 0
        # Floor, not round: 99.6% of the work is not "100%" while something is left.
        return (100 * (self.lessons_done + self.activities_passed)) // total

    @property
    def eligible_for_completion(self) -> bool:
        """Every live lesson done and every live required activity passed (a course with no
        lessons cannot be completed)."""
        return (
            self.lessons_total > 0
            and self.lessons_done == self.lessons_total
            and self.activities_passed == self.activities_total
        )

    @property
    def lessons_left(self) -> int:
        return self.lessons_total - self.lessons_done

    @property
    def started(self) -> bool:
        return bool(self.lessons_done or self.activity_results)

    @property
    def resume_step(self) -> Step | None:
        """Where "Start"/"Resume" leads: the next step, or the first lesson of a course with
        nothing left (to review it)."""
        return self.next_step or self.first_step

    @property
    def final_score(self) -> Decimal | None:
        """The learner's current score on the final assessment (None before a graded result)."""
        result = self.activity_results.get(self.final_activity_id) if self.final_activity_id else None
        return result[1] if result else None

    def activity_status(self, activity_id: int) -> str:
        result = self.activity_results.get(activity_id)
        return result[0] if result else "not_started"


@dataclass(frozen=True)
class ModuleProgress:
    """Where one learner stands in one module: its lessons done and required activities
    passed, out of all of them (the course's rule, narrowed to the module's steps)."""

    steps_done: int
    steps_total: int

    @property
    def percent(self) -> int:
        return (100 * self.steps_done) // self.steps_total if self.steps_total else 0

    @property
    def started(self) -> bool:
        return self.steps_done > 0

    @property
    def is_completed(self) -> bool:
        return self.steps_total > 0 and self.steps_done == self.steps_total


def module_progress(progress: CourseProgress, *, module_path: str) -> ModuleProgress:
    """The part of ``progress`` inside the module at ``module_path`` (no query)."""
    steps = [step for step in progress.steps if step.path.startswith(module_path)]
    done = sum(
        1
        for step in steps
        if (
            step.page_id in progress.completed_lesson_ids
            if step.kind == LESSON
            else progress.activity_status(step.page_id) == ActivityStatus.PASSED
        )
    )
    return ModuleProgress(steps_done=done, steps_total=len(steps))


@dataclass(frozen=True)
class _CourseWork:
    course_id: int
    steps: tuple[Step, ...]
    lesson_ids: frozenset[int]
    required_ids: frozenset[int]


def _course_work(courses: Iterable) -> dict[int, _CourseWork]:
    """The steps of each course in tree order, from the cache where it has them (kept under
    the pages generation, which changes whenever a page does: training_site/page_cache.py)."""
    courses = {course.pk: course for course in courses}
    if not courses:
        return {}
    # One generation read for all of them: with Redis each read is a round trip.
    generation = pages_generation()
    keys = {pk: f"course-work:{generation}:{pk}" for pk in courses}
    cached = cache.get_many(keys.values())
    work = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [course for pk, course in courses.items() if pk not in work]
    if missing:
        built = _course_work_read(missing)
        if settings.PAGE_CACHE_SECONDS:
            entries = {keys[pk]: item for pk, item in built.items()}
            cache.set_many(entries, timeout=settings.PAGE_CACHE_SECONDS)
        work.update(built)
    return work


def _course_work_read(courses: list) -> dict[int, _CourseWork]:
    """The steps of each course in tree order: one query for lessons, one per activity type."""
    courses = {course.pk: course for course in courses}
    under = Q()
    for course in courses.values():
        under |= Q(path__startswith=course.path, depth__gt=course.depth)
    steps: dict[int, list[Step]] = {pk: [] for pk in courses}
    by_path = sorted(courses.values(), key=lambda course: course.path)

    def course_of(path: str):
        return next(course for course in by_path if path.startswith(course.path))

    page_url = page_url_builder()
    lessons = LessonPage.objects.live().filter(under).values_list("pk", "path", "title", "url_path")
    for pk, path, title, url_path in lessons:
        course = course_of(path)
        steps[course.pk].append(Step(LESSON, pk, path, title, url_path, built_url=page_url(url_path)))
    for model in course_activity_models():
        rows = (
            model.objects.live()
            .filter(under, required_for_completion=True)
            .values_list("pk", "path", "depth", "title", "url_path")
        )
        for pk, path, depth, title, url_path in rows:
            course = course_of(path)
            steps[course.pk].append(
                Step(
                    ACTIVITY,
                    pk,
                    path,
                    title,
                    url_path,
                    is_final=depth == course.depth + 1,
                    built_url=page_url(url_path),
                )
            )
    work = {}
    for pk, items in steps.items():
        items.sort(key=lambda step: step.path)
        work[pk] = _CourseWork(
            course_id=pk,
            steps=tuple(items),
            lesson_ids=frozenset(s.page_id for s in items if s.kind == LESSON),
            required_ids=frozenset(s.page_id for s in items if s.kind == ACTIVITY),
        )
    return work


def _progress(
    work: _CourseWork,
    *,
    enrollment: Enrollment | None,
    done_lessons: set[int],
    results: dict[int, tuple[str, Decimal | None]],
) -> CourseProgress:
    done_lessons = done_lessons & work.lesson_ids
    passed = {pk for pk, (status, _score) in results.items() if status == ActivityStatus.PASSED}
    passed_required = passed & work.required_ids

    def is_done(step: Step) -> bool:
        return step.page_id in (done_lessons if step.kind == LESSON else passed_required)

    lessons = [step for step in work.steps if step.kind == LESSON]
    return CourseProgress(
        course_id=work.course_id,
        enrollment_id=enrollment.pk if enrollment else None,
        is_completed=bool(enrollment and enrollment.status == EnrollmentStatus.COMPLETED),
        lessons_done=len(done_lessons),
        lessons_total=len(work.lesson_ids),
        activities_passed=len(passed_required),
        activities_total=len(work.required_ids),
        completed_lesson_ids=frozenset(done_lessons),
        activity_results=MappingProxyType(dict(results)),
        next_step=next((step for step in work.steps if not is_done(step)), None),
        first_step=lessons[0] if lessons else None,
        final_activity_id=next((step.page_id for step in work.steps if step.is_final), None),
        required_activities=tuple(step for step in work.steps if step.kind == ACTIVITY),
        steps=work.steps,
    )


@dataclass(frozen=True)
class CourseRef:
    """What the progress rule reads of a course: its id and its place in the page tree. A
    caller that lists many enrollments builds these from values instead of loading each
    course as a page (a page object costs more than everything else My learning does for
    its enrollment)."""

    pk: int
    path: str
    depth: int


def progress_for_enrollments(
    enrollments: Sequence[Enrollment], *, courses: Mapping[int, CourseRef] | None = None
) -> dict[int, CourseProgress]:
    """Progress of each enrollment, keyed by enrollment id. ``courses`` maps each course id to
    its ``CourseRef``; without it ``enrollment.course`` is read (select it with the
    enrollments)."""
    if not enrollments:
        return {}
    if courses is None:
        courses = {e.course_id: e.course for e in enrollments}
    work = _course_work(courses[course_id] for course_id in {e.course_id for e in enrollments})
    ids = [e.pk for e in enrollments]
    done: dict[int, set[int]] = {pk: set() for pk in ids}
    for enrollment_id, lesson_id in LessonProgress.objects.filter(enrollment_id__in=ids).values_list(
        "enrollment_id", "lesson_id"
    ):
        done[enrollment_id].add(lesson_id)
    results: dict[int, dict[int, tuple[str, Decimal | None]]] = {pk: {} for pk in ids}
    for enrollment_id, activity_id, status, score in ActivityResult.objects.filter(
        enrollment_id__in=ids
    ).values_list("enrollment_id", "activity_id", "status", "score_percent"):
        results[enrollment_id][activity_id] = (status, score)
    return {
        e.pk: _progress(work[e.course_id], enrollment=e, done_lessons=done[e.pk], results=results[e.pk])
        for e in enrollments
    }


def progress_for_course(*, course, enrollment: Enrollment | None) -> CourseProgress:
    """Progress in one course; with no enrollment (a visitor), the course's work with
    nothing done."""
    if enrollment is not None:
        return progress_for_enrollments([enrollment])[enrollment.pk]
    return _progress(_course_work([course])[course.pk], enrollment=None, done_lessons=set(), results={})
