"""A course's structure as values, kept in the cache until a page changes.

The course page, its lessons and My learning all need the same things about a course that
only editors change: its modules, lessons and activities in tree order, with titles and URLs,
and its prerequisite and recommended courses. Read as values (never page objects: turning
rows into Wagtail pages and calling ``{% pageurl %}`` per lesson was most of a course page's
time) and kept in the cache under the pages generation (training_site/page_cache.py), which
changes whenever any page is saved, published, unpublished, moved or deleted. A learner's
own records (enrollment, ticks, results) are never part of it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from courses.models import CoursePage, LessonPage, ModulePage, course_activity_models
from courses.progress import page_url_builder
from training_site.page_cache import pages_generation


@dataclass(frozen=True)
class OutlineItem:
    """A lesson, activity or course as outlines and navigation show it."""

    pk: int
    path: str
    title: str
    url: str
    estimated_minutes: int | None = None
    activity_label: str = ""
    required_for_completion: bool = False
    pass_mark: int | None = None


@dataclass(frozen=True)
class ModuleItem:
    pk: int
    path: str
    title: str
    summary: str


@dataclass(frozen=True)
class CourseStructure:
    course_id: int
    #: The catalogue the course is listed in (its parent), for breadcrumbs and tag links.
    catalogue_url: str
    modules: tuple[ModuleItem, ...]
    #: Live lessons and live activities, each in tree order.
    lessons: tuple[OutlineItem, ...]
    activities: tuple[OutlineItem, ...]
    prerequisites: tuple[OutlineItem, ...]
    recommended: tuple[OutlineItem, ...]


def _build(course: CoursePage) -> CourseStructure:
    page_url = page_url_builder()
    modules = tuple(
        ModuleItem(pk=pk, path=path, title=title, summary=summary)
        for pk, path, title, summary in ModulePage.objects.live()
        .child_of(course)
        .order_by("path")
        .values_list("pk", "path", "title", "summary")
    )
    lessons = tuple(
        OutlineItem(pk=pk, path=path, title=title, url=page_url(url_path), estimated_minutes=minutes)
        for pk, path, title, url_path, minutes in LessonPage.objects.live()
        .descendant_of(course)
        .order_by("path")
        .values_list("pk", "path", "title", "url_path", "estimated_minutes")
    )
    activities = []
    for model in course_activity_models():
        has_pass_mark = any(f.name == "pass_mark" for f in model._meta.get_fields())
        columns = ["pk", "path", "title", "url_path", "required_for_completion"]
        if has_pass_mark:
            columns.append("pass_mark")
        for values in model.objects.live().descendant_of(course).values(*columns):
            activities.append(
                OutlineItem(
                    pk=values["pk"],
                    path=values["path"],
                    title=values["title"],
                    url=page_url(values["url_path"]),
                    activity_label=str(model.activity_label),
                    required_for_completion=values["required_for_completion"],
                    pass_mark=values.get("pass_mark"),
                )
            )
    activities.sort(key=lambda item: item.path)

    def courses(**related) -> tuple[OutlineItem, ...]:
        rows = (
            CoursePage.objects.live()
            .filter(**related)
            .order_by("title")
            .values_list("pk", "path", "title", "url_path")
        )
        return tuple(
            OutlineItem(pk=pk, path=path, title=title, url=page_url(url_path))
            for pk, path, title, url_path in rows
        )

    parent_url_path = course.url_path[: course.url_path.rstrip("/").rfind("/") + 1]
    return CourseStructure(
        course_id=course.pk,
        catalogue_url=page_url(parent_url_path),
        modules=modules,
        lessons=lessons,
        activities=tuple(activities),
        prerequisites=courses(required_by=course),
        recommended=courses(recommended_by=course),
    )


def course_structure(*, course: CoursePage) -> CourseStructure:
    key = f"course-structure:{pages_generation()}:{course.pk}"
    structure = cache.get(key)
    if structure is None:
        structure = _build(course)
        if settings.PAGE_CACHE_SECONDS:
            cache.set(key, structure, timeout=settings.PAGE_CACHE_SECONDS)
    return structure
