"""The progress matrix report: scope, filters, exports that stay text, flat query counts."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import Cohort, CohortCourse, CohortMembership, Enrollment
from courses.services import cohort_member_add, enrollment_create, lesson_complete
from tests.factories import UserFactory, course_lessons, make_coordinator
from training_site.accounts.models import User

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def school(course):
    """Cohort S: one learner not started, one in progress, one overdue; T beside it."""
    school, sideways = Cohort.objects.create(name="S"), Cohort.objects.create(name="T")
    people = {}
    for name in ("idle", "busy", "late"):
        people[name] = UserFactory(display_name=name.title(), email=f"{name}@example.org")
        cohort_member_add(cohort=school, learner=people[name])
        enrollment_create(learner=people[name], course=course)
    lesson_complete(learner=people["busy"], lesson=course_lessons(course)[0])
    lesson_complete(learner=people["late"], lesson=course_lessons(course)[0])
    stranger = UserFactory(display_name="Stranger", email="stranger@example.org")
    cohort_member_add(cohort=sideways, learner=stranger)
    enrollment_create(learner=stranger, course=course)
    late_cohort = Cohort.objects.create(name="Late", parent=school)
    cohort_member_add(cohort=late_cohort, learner=people["late"])
    CohortCourse.objects.create(
        cohort=late_cohort, course=course, due_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    return {"S": school, "T": sideways, **people}


def test_matrix_shows_the_scope_with_statuses_and_filters(school):
    client = _client(make_coordinator(cohorts=[school["S"]]))
    rows = _csv_rows(client.get(reverse("progress_matrix"), {"export": "csv"}))
    assert rows[0][:4] == ["Learner", "Email", "Course", "Status"]
    by_email = {row[1]: row for row in rows[1:]}
    assert set(by_email) == {"idle@example.org", "busy@example.org", "late@example.org"}
    assert by_email["idle@example.org"][3] == "Not started"
    assert by_email["busy@example.org"][3] == "In progress"
    assert by_email["late@example.org"][3] == "Overdue"
    assert (
        by_email["busy@example.org"][4] == str(by_email["busy@example.org"][4])
        and int(by_email["busy@example.org"][4]) > 0
    )
    overdue = _csv_rows(client.get(reverse("progress_matrix"), {"export": "csv", "status": "overdue"}))
    assert [row[1] for row in overdue[1:]] == ["late@example.org"]
    # Another coordinator's cohort as a filter is not a choice: the scope still holds.
    tampered = _csv_rows(client.get(reverse("progress_matrix"), {"export": "csv", "cohort": school["T"].pk}))
    assert "stranger@example.org" not in {row[1] for row in tampered[1:]}
    outside = _csv_rows(
        _client(make_coordinator(cohorts=[school["T"]])).get(reverse("progress_matrix"), {"export": "csv"})
    )
    assert {row[1] for row in outside[1:]} == {"stranger@example.org"}


def test_a_coordinator_of_no_cohort_gets_an_empty_matrix_and_a_notice(school):
    client = _client(make_coordinator(cohorts=[]))
    assert "do not coordinate any cohort" in client.get(reverse("progress_matrix")).content.decode()
    assert len(_csv_rows(client.get(reverse("progress_matrix"), {"export": "csv"}))) == 1
    learner_client = _client(school["idle"])
    assert learner_client.get(reverse("progress_matrix")).status_code in (302, 403)


def test_formula_names_come_out_as_text_in_csv_and_xlsx(course):
    cohort = Cohort.objects.create(name="F")
    for name in ('=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1)", "Plain"):
        learner = UserFactory(display_name=name)
        cohort_member_add(cohort=cohort, learner=learner)
        enrollment_create(learner=learner, course=course)
    client = _client(make_coordinator(cohorts=[cohort]))
    names = sorted(row[0] for row in _csv_rows(client.get(reverse("progress_matrix"), {"export": "csv"}))[1:])
    assert names == sorted(['\'=HYPERLINK("http://evil.example","x")', "'+1+2", "'-3", "'@SUM(A1)", "Plain"])
    response = client.get(reverse("progress_matrix"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(cells) == names
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row[:1])


def _bulk_cohort(course, size: int, cohort_name: str) -> Cohort:
    """``size`` learners in a cohort, enrolled in the course, written with bulk_create."""
    cohort = Cohort.objects.create(name=cohort_name)
    users = User.objects.bulk_create(
        [User(email=f"{cohort_name}-{n}@example.org", display_name=f"L{n}") for n in range(size)]
    )
    CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, learner=u) for u in users])
    Enrollment.objects.bulk_create([Enrollment(learner=u, course=course) for u in users])
    return cohort


def test_the_unpaginated_export_costs_the_same_queries_at_100_and_2000_learners(course):
    small, large = _bulk_cohort(course, 100, "small"), _bulk_cohort(course, 2000, "large")
    # A course's steps are kept in the cache after the first read (courses/progress.py):
    # read them once, so that both sizes are measured alike.
    _client(make_coordinator(cohorts=[small])).get(reverse("progress_matrix"), {"export": "csv"})
    counts = {}
    for cohort in (small, large):
        client = _client(make_coordinator(cohorts=[cohort]))
        with CaptureQueriesContext(connection) as queries:
            rows = _csv_rows(client.get(reverse("progress_matrix"), {"export": "csv"}))
        counts[cohort.name] = len(queries)
        assert len(rows) == 1 + (100 if cohort is small else 2000)
    assert counts["small"] == counts["large"], counts
    assert counts["large"] <= 25
