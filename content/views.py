from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from certificates.selectors import certificate_list_for_dashboard
from content.selectors import lesson_search_results
from courses.models import CoursePage, LessonPage
from courses.selectors import enrollment_dashboard

MAX_QUERY_LENGTH = 200


def search(request):
    """Site search over live courses and lessons (Wagtail's search backend)."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    courses, lessons = [], None
    if query:
        courses = list(CoursePage.objects.live().search(query)[:10])
        lessons = Paginator(LessonPage.objects.live().search(query), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "content/search.html",
        {
            "query": query,
            "searched": "q" in request.GET,
            "course_results": courses,
            "lesson_results": lessons,
            "lesson_items": lesson_search_results(lessons=lessons, query=query) if lessons else [],
        },
    )


@login_required
def dashboard(request):
    """My learning: every enrollment with progress and a resume link, and the certificates."""
    entries = enrollment_dashboard(learner=request.user)
    certificates = certificate_list_for_dashboard(
        learner=request.user, enrollments=[entry.enrollment for entry in entries]
    )
    return render(
        request,
        "content/dashboard.html",
        {"entries": entries, "certificates": certificates},
    )
