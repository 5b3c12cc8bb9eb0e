import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from assessments.selectors import quiz_standings_for_progress
from certificates.selectors import certificate_list_for_dashboard
from content.dashboard_cards import dashboard_cards
from content.selectors import lesson_search_results
from courses.models import CoursePage, LessonPage
from courses.selectors import enrollment_dashboard, learner_events_recent

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12


def search_words(query: str) -> str:
    """What a visitor typed, as words only, safe for every search backend.

    Wagtail's database backend hands the text to SQLite FTS5 as a query expression, where
    quotes, brackets, ``*``, ``^``, ``:`` and upper-case AND/OR/NOT/NEAR are syntax (an
    unbalanced quote is an error). Keeping only runs of word characters (Unicode letters
    and digits), in lower case, leaves nothing any backend reads as an operator; the
    search is case-insensitive anyway.
    """
    return " ".join(re.findall(r"\w+", query.casefold())[:MAX_QUERY_WORDS])


def search(request):
    """Site search over live courses and lessons (Wagtail's search backend)."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    words = search_words(query)
    courses, lessons = [], None
    if words:
        courses = list(CoursePage.objects.live().search(words)[:10])
        lessons = Paginator(LessonPage.objects.live().search(words), 20).get_page(request.GET.get("page"))
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
    """My learning: every enrollment with progress and a resume link, its required quizzes
    (grade and attempts left), and the certificates."""
    entries = enrollment_dashboard(learner=request.user)
    certificates = certificate_list_for_dashboard(
        learner=request.user, enrollments=[entry.enrollment for entry in entries]
    )
    quizzes = quiz_standings_for_progress(
        learner=request.user, progress=[entry.progress for entry in entries]
    )
    return render(
        request,
        "content/dashboard.html",
        {
            "cards": dashboard_cards((entry, quizzes.get(entry.enrollment.pk, [])) for entry in entries),
            "certificates": certificates,
            "recent_events": learner_events_recent(learner=request.user),
        },
    )
