from courses.models import CoursePage


def home_featured_courses(*, home, limit: int = 6) -> list[CoursePage]:
    return list(
        CoursePage.objects.live()
        .descendant_of(home)
        .select_related("image")
        .prefetch_related("tags")
        .order_by("path")[:limit]
    )


SNIPPET_CHARS = 200


def _block_text(value) -> str:
    """Plain text of a lesson block's value, whatever its shape (rich text, struct, list)."""
    from django.utils.html import strip_tags
    from wagtail.rich_text import RichText

    if isinstance(value, RichText):
        return strip_tags(value.source)
    if isinstance(value, str):
        # One-word strings in a struct are choices and keys ("tip"), not prose.
        return strip_tags(value) if " " in value.strip() else ""
    if hasattr(value, "items"):
        return " ".join(_block_text(v) for _k, v in value.items())
    if isinstance(value, list | tuple) or value.__class__.__name__ in ("ListValue", "StreamValue"):
        return " ".join(_block_text(getattr(v, "value", v)) for v in value)
    return ""


def _snippet(text: str, query: str) -> str:
    """About SNIPPET_CHARS characters around the first query word found, else the start."""
    text = " ".join(text.split())
    lower = text.lower()
    at = next((lower.find(w) for w in query.lower().split() if lower.find(w) >= 0), 0)
    start = max(0, at - SNIPPET_CHARS // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return f"{'… ' if start else ''}{text[start:end]}{' …' if end < len(text) else ''}"


def lesson_search_results(*, lessons, query: str) -> list[dict]:
    """Each lesson found with its course (one query for all of them) and a text snippet."""
    from wagtail.models import Page

    lessons = list(lessons)
    prefixes = {lesson.path[: depth * Page.steplen] for lesson in lessons for depth in range(1, lesson.depth)}
    courses = {c.path: c for c in CoursePage.objects.filter(path__in=prefixes)} if prefixes else {}
    results = []
    for lesson in lessons:
        course = next(
            (
                courses[lesson.path[: d * Page.steplen]]
                for d in range(1, lesson.depth)
                if lesson.path[: d * Page.steplen] in courses
            ),
            None,
        )
        text = " ".join(_block_text(block.value) for block in lesson.body)
        results.append({"lesson": lesson, "course": course, "snippet": _snippet(text, query)})
    return results
