from courses.models import CoursePage


def home_featured_courses(*, home, limit: int = 6) -> list[CoursePage]:
    return list(
        CoursePage.objects.live()
        .descendant_of(home)
        .select_related("image")
        .prefetch_related("tags")
        .order_by("path")[:limit]
    )
