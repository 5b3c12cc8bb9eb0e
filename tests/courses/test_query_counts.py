"""Query budgets: each page costs at most its budget, and the same at two sizes.

Budgets are maxima, not exact counts: they include Wagtail's routing (a query per tree
level), the session and the user, which are not ours to pin. Equality at two sizes is what
catches an N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.services import enrollment_create, lesson_complete
from tests.factories import build_course, course_lessons

pytestmark = pytest.mark.django_db

HOME_BUDGET = 10
CATALOGUE_BUDGET = 14
COURSE_PAGE_BUDGET = 25  # +1: the due date from the learner's cohorts
LESSON_PAGE_BUDGET = 26
DASHBOARD_BUDGET = 12  # +1: the due dates from the learner's cohorts
SEARCH_BUDGET = 5


def count_queries(client, url: str) -> int:
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


def test_course_page(learner_client, learner, index):
    """The course page with 5 and with 50 lessons."""
    small = enrolled_course(index, learner, "Small", 5)
    large = enrolled_course(index, learner, "Large", 50)
    count_queries(learner_client, small.url)
    assert_flat(
        count_queries(learner_client, small.url), count_queries(learner_client, large.url), COURSE_PAGE_BUDGET
    )


def test_lesson_page(learner_client, learner, index):
    """A lesson page in a 5-lesson and in a 50-lesson course."""
    small_url = course_lessons(enrolled_course(index, learner, "Small", 5))[1].url
    large_url = course_lessons(enrolled_course(index, learner, "Large", 50))[1].url
    count_queries(learner_client, small_url)
    assert_flat(
        count_queries(learner_client, small_url), count_queries(learner_client, large_url), LESSON_PAGE_BUDGET
    )


def test_dashboard(learner_client, learner, index):
    """My learning with 1 and with 4 enrollments (and their activity history)."""
    enrolled_course(index, learner, "Course 1", 5)
    url = reverse("dashboard")
    count_queries(learner_client, url)
    one = count_queries(learner_client, url)
    for n in range(2, 5):
        enrolled_course(index, learner, f"Course {n}", 10)
    assert_flat(one, count_queries(learner_client, url), DASHBOARD_BUDGET)


def test_search(client, index):
    """Search with 1 and with 6 matching courses (and their lessons)."""
    build_course(index, title="Course 1")
    url = reverse("search") + "?q=Course"
    count_queries(client, url)
    one = count_queries(client, url)
    for n in range(2, 7):
        build_course(index, title=f"Course {n}")
    assert_flat(one, count_queries(client, url), SEARCH_BUDGET)
