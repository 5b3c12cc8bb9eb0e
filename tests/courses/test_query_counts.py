"""Exact query counts: course page, lesson page and dashboard do not grow with their size.

The counts include Wagtail's routing (one query per tree level), session and user look-ups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.services import enrollment_create, lesson_complete
from tests.factories import build_course, course_lessons

pytestmark = pytest.mark.django_db

COURSE_PAGE_BUDGET = 22
LESSON_PAGE_BUDGET = 24
DASHBOARD_BUDGET = 8


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


def test_course_page_queries_do_not_grow_with_lessons(learner_client, learner, index):
    """The course page with 5 and with 50 lessons uses the same number of queries."""
    small = enrolled_course(index, learner, "Small", 5)
    large = enrolled_course(index, learner, "Large", 50)
    count_queries(learner_client, small.url)  # warm per-process caches (site root paths)
    small_count = count_queries(learner_client, small.url)
    large_count = count_queries(learner_client, large.url)
    assert small_count == large_count
    assert large_count == COURSE_PAGE_BUDGET


def test_lesson_page_queries_do_not_grow_with_lessons(learner_client, learner, index):
    """A lesson page in a 5-lesson and in a 50-lesson course uses the same number of queries."""
    small = enrolled_course(index, learner, "Small", 5)
    large = enrolled_course(index, learner, "Large", 50)
    small_url = course_lessons(small)[1].url
    large_url = course_lessons(large)[1].url
    count_queries(learner_client, small_url)
    small_count = count_queries(learner_client, small_url)
    large_count = count_queries(learner_client, large_url)
    assert small_count == large_count
    assert large_count == LESSON_PAGE_BUDGET


def test_dashboard_queries_do_not_grow_with_enrollments(learner_client, learner, index):
    """The dashboard with 1 and with 4 enrollments uses the same number of queries."""
    enrolled_course(index, learner, "Course 1", 5)
    url = reverse("dashboard")
    count_queries(learner_client, url)
    one = count_queries(learner_client, url)
    for n in range(2, 5):
        enrolled_course(index, learner, f"Course {n}", 10)
    four = count_queries(learner_client, url)
    assert one == four
    assert four == DASHBOARD_BUDGET
