"""Query budgets: each page costs at most its budget, and the same at two sizes.

Budgets are maxima, not exact counts: they include Wagtail's routing, the session and the
user, which are not ours to pin. Equality at two sizes is what catches an N+1.

Each page is counted twice: with nothing cached from pages (right after a publish: the
worst case, ``*_BUDGET``) and with the course structures and the site in the cache (every
other request, ``*_WARM_BUDGET``). A visitor's repeat hit, served whole from the page
cache, is counted in tests/test_page_cache.py (0 queries)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.services import enrollment_create, lesson_complete
from tests.factories import build_course, course_lessons
from training_site.page_cache import pages_changed

pytestmark = pytest.mark.django_db

HOME_BUDGET = 10
CATALOGUE_BUDGET = 14
COURSE_PAGE_BUDGET = 21  # the due date from the learner's cohorts included
COURSE_PAGE_WARM_BUDGET = 11
LESSON_PAGE_BUDGET = 21
LESSON_PAGE_WARM_BUDGET = 11
# My learning: the due dates from the learner's cohorts included, and +1 for the required
# quizzes with grades and attempts left (one annotated read for all enrollments,
# assessments.selectors.quiz_standings_for_progress).
DASHBOARD_BUDGET = 10
DASHBOARD_WARM_BUDGET = 8
SEARCH_BUDGET = 5


def count_queries(client, url: str, *, warm: bool = False) -> int:
    """Queries of one GET of ``url``: after a page change dropped everything cached from
    pages, or (``warm``) on the request after that one."""
    pages_changed()
    if warm:
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def enrolled_course(index, learner, title: str, lessons: int):
    course = build_course(index, title=title, modules=5, lessons_per_module=lessons // 5)
    enrollment_create(learner=learner, course=course)
    lesson_complete(learner=learner, lesson=course_lessons(course)[0])
    return course


def assert_flat(small: int, large: int, budget: int) -> None:
    assert small == large, f"{small} queries at the small size, {large} at the large one"
    assert large <= budget


def test_home_page(learner_client, learner, tree, index):
    """The home page with 1 and with 4 courses."""
    enrolled_course(index, learner, "Course 1", 5)
    count_queries(learner_client, "/")  # warm per-process caches (site root paths)
    one = count_queries(learner_client, "/")
    for n in range(2, 5):
        enrolled_course(index, learner, f"Course {n}", 5)
    assert_flat(one, count_queries(learner_client, "/"), HOME_BUDGET)


@pytest.mark.parametrize("signed_in", [False, True])
def test_catalogue(client, learner, index, signed_in):
    """The catalogue with 1 and with 6 courses, for a visitor and for a learner."""
    if signed_in:
        client.force_login(learner)
    enrolled_course(index, learner, "Course 1", 5)
    count_queries(client, index.url)
    one = count_queries(client, index.url)
    for n in range(2, 7):
        enrolled_course(index, learner, f"Course {n}", 5)
    assert_flat(one, count_queries(client, index.url), CATALOGUE_BUDGET)


@pytest.mark.parametrize(("warm", "budget"), [(False, COURSE_PAGE_BUDGET), (True, COURSE_PAGE_WARM_BUDGET)])
def test_course_page(learner_client, learner, index, warm, budget):
    """The course page with 5 and with 50 lessons."""
    small = enrolled_course(index, learner, "Small", 5)
    large = enrolled_course(index, learner, "Large", 50)
    count_queries(learner_client, small.url)
    assert_flat(
        count_queries(learner_client, small.url, warm=warm),
        count_queries(learner_client, large.url, warm=warm),
        budget,
    )


@pytest.mark.parametrize(("warm", "budget"), [(False, LESSON_PAGE_BUDGET), (True, LESSON_PAGE_WARM_BUDGET)])
def test_lesson_page(learner_client, learner, index, warm, budget):
    """A lesson page in a 5-lesson and in a 50-lesson course."""
    small_url = course_lessons(enrolled_course(index, learner, "Small", 5))[1].url
    large_url = course_lessons(enrolled_course(index, learner, "Large", 50))[1].url
    count_queries(learner_client, small_url)
    assert_flat(
        count_queries(learner_client, small_url, warm=warm),
        count_queries(learner_client, large_url, warm=warm),
        budget,
    )


@pytest.mark.parametrize(("warm", "budget"), [(False, DASHBOARD_BUDGET), (True, DASHBOARD_WARM_BUDGET)])
def test_dashboard(learner_client, learner, index, warm, budget):
    """My learning with 1 and with 4 enrollments (their activity history, and required
    quizzes with grades and attempts left: a module quiz with an attempt and a final)."""
    from assessments.services import attempts
    from tests.factories import build_quiz, make_questions

    questions = make_questions(2, bank="dashboard")

    def with_quizzes(course):
        module = course.get_children().first()
        quiz = build_quiz(
            module,
            questions=questions,
            title=f"{course.title} quiz",
            max_attempts=3,
            required_for_completion=True,
        )
        build_quiz(course, questions=questions, title=f"{course.title} final", required_for_completion=True)
        attempt = attempts.quiz_start(learner=learner, quiz=quiz)
        attempts.attempt_submit(attempt_id=attempt.pk, learner=learner)

    with_quizzes(enrolled_course(index, learner, "Course 1", 5))
    url = reverse("dashboard")
    count_queries(learner_client, url)
    one = count_queries(learner_client, url, warm=warm)
    for n in range(2, 5):
        with_quizzes(enrolled_course(index, learner, f"Course {n}", 10))
    assert learner_client.get(url).content.decode().count("2 attempts left") == 4
    assert_flat(one, count_queries(learner_client, url, warm=warm), budget)


def test_search(client, index):
    """Search with 1 and with 6 matching courses (and their lessons)."""
    build_course(index, title="Course 1")
    url = reverse("search") + "?q=Course"
    count_queries(client, url)
    one = count_queries(client, url)
    for n in range(2, 7):
        build_course(index, title=f"Course {n}")
    assert_flat(one, count_queries(client, url), SEARCH_BUDGET)
