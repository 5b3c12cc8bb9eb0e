"""Cohorts: nested scope, Open enrollment, members, course assignments and their screens."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from assessments.selectors import attempt_visible_to
from certificates.selectors import certificate_visible_to
from courses.models import (
    Cohort,
    CohortCoordinator,
    CohortCourse,
    CohortMembership,
    Enrollment,
    LessonProgress,
)
from courses.selectors import cohort_scope_ids, learner_ids_in_scope
from courses.services import (
    cohort_course_assign,
    cohort_member_add,
    cohort_member_remove,
    cohort_open_enrollment_get,
    cohort_open_enrollment_join,
    enrollment_create,
    lesson_complete,
)
from tests.factories import UserFactory, course_lessons, make_coordinator

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohorts():
    """District D > schools S and T; class C under S; one learner in each."""
    district = Cohort.objects.create(name="D")
    school = Cohort.objects.create(name="S", parent=district)
    sideways = Cohort.objects.create(name="T", parent=district)
    below = Cohort.objects.create(name="C", parent=school)
    learners = {}
    for cohort in (district, school, sideways, below):
        learners[cohort.name] = UserFactory()
        cohort_member_add(cohort=cohort, learner=learners[cohort.name])
    return {"D": district, "S": school, "T": sideways, "C": below, "learners": learners}


def _visible(user, learners: dict) -> set[str]:
    """Names of the cohorts whose learner ``user`` may see."""
    ids = set(learner_ids_in_scope(user=user).values_list("learner_id", flat=True))
    return {name for name, learner in learners.items() if learner.pk in ids}


def test_scope_reaches_down_never_up_or_sideways(cohorts):
    """A coordinator of S sees S and C below it; not D above nor T beside."""
    learners = cohorts["learners"]
    assert _visible(make_coordinator(cohorts=[cohorts["S"]]), learners) == {"S", "C"}
    assert _visible(make_coordinator(cohorts=[cohorts["D"]]), learners) == {"D", "S", "T", "C"}
    assert _visible(make_coordinator(cohorts=[cohorts["C"]]), learners) == {"C"}
    assert _visible(make_coordinator(cohorts=[cohorts["T"], cohorts["C"]]), learners) == {"T", "C"}
    assert _visible(make_coordinator(cohorts=[]), learners) == set()


def test_administrators_see_everyone_and_anonymous_no_one(cohorts):
    assert cohort_scope_ids(user=UserFactory(is_superuser=True)) is None
    from django.contrib.auth.models import AnonymousUser

    assert cohort_scope_ids(user=AnonymousUser()) == frozenset()


def test_scope_costs_the_same_queries_at_two_depths(django_assert_num_queries):
    """Two queries (the user's cohorts, the tree), however deep the nesting."""
    coordinator = make_coordinator(cohorts=[])
    for depth in (2, 12):
        parent = None
        for level in range(depth):
            parent = Cohort.objects.create(name=f"{depth}-{level}", parent=parent)
            if level == 0:
                CohortCoordinator.objects.create(cohort=parent, coordinator=coordinator)
        with django_assert_num_queries(2):
            scope = cohort_scope_ids(user=coordinator)
        assert parent.pk in scope


def test_access_selectors_narrow_to_scope(cohorts, course):
    """Certificates and grading follow the scope; a coordinator still sees their own
    certificates."""
    inside = make_coordinator(cohorts=[cohorts["S"]])
    outside = make_coordinator(cohorts=[cohorts["T"]])
    learner = cohorts["learners"]["C"]
    from tests.certificates.factories import complete_course

    complete_course(learner, course)
    assert certificate_visible_to(user=inside).filter(learner=learner).count() == 1
    assert certificate_visible_to(user=outside).filter(learner=learner).count() == 0
    assert not attempt_visible_to(user=outside, as_grader=True).filter(learner=learner).exists()
    complete_course(outside, course)
    assert certificate_visible_to(user=outside).filter(learner=outside).count() == 1


def test_self_enrolling_joins_open_enrollment_once_and_only_without_a_cohort(course):
    learner, placed = UserFactory(), UserFactory()
    cohort = Cohort.objects.create(name="Hired in March")
    cohort_member_add(cohort=cohort, learner=placed)
    enrollment_create(learner=learner, course=course)
    enrollment_create(learner=placed, course=course)
    open_enrollment = cohort_open_enrollment_get()
    assert list(open_enrollment.memberships.values_list("learner_id", flat=True)) == [learner.pk]
    assert cohort_open_enrollment_join(learner=learner) is None


def test_signing_up_joins_open_enrollment(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "display_name": "New Learner",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    membership = CohortMembership.objects.get(learner__email="new@example.org")
    assert membership.cohort.is_open_enrollment


def test_only_one_open_enrollment_cohort():
    cohort_open_enrollment_get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.create(name="Second", is_open_enrollment=True)


def test_a_cohort_cannot_end_before_it_starts_nor_be_its_own_parent():
    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.create(
            name="Backwards", starts_on=datetime.date(2027, 2, 1), ends_on=datetime.date(2027, 1, 31)
        )
    cohort = Cohort.objects.create(name="Loop")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.filter(pk=cohort.pk).update(parent=cohort)


def test_membership_and_coordinator_are_unique(learner):
    cohort = Cohort.objects.create(name="Once")
    CohortMembership.objects.create(cohort=cohort, learner=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        CohortMembership.objects.create(cohort=cohort, learner=learner)
    CohortCoordinator.objects.create(cohort=cohort, coordinator=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        CohortCoordinator.objects.create(cohort=cohort, coordinator=learner)


def test_removing_a_member_keeps_their_progress(course, learner):
    cohort = Cohort.objects.create(name="Spring")
    cohort_member_add(cohort=cohort, learner=learner)
    enrollment = enrollment_create(learner=learner, course=course)
    lesson_complete(learner=learner, lesson=course_lessons(course)[0])
    assert cohort_member_remove(cohort=cohort, learner=learner) is True
    assert not CohortMembership.objects.filter(cohort=cohort, learner=learner).exists()
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    assert cohort_member_remove(cohort=cohort, learner=learner) is False


def test_assigning_a_course_enrolls_members_and_later_joiners_once(
    course, django_capture_on_commit_callbacks
):
    cohort = Cohort.objects.create(name="Fall")
    first, second = UserFactory(), UserFactory()
    cohort_member_add(cohort=cohort, learner=first)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assignment = cohort_course_assign(cohort=cohort, course=course, due_on=datetime.date(2027, 3, 1))
    assert len(callbacks) == 1  # the enrollment task is queued after commit
    assert Enrollment.objects.filter(learner=first, course=course, source="coordinator").count() == 1
    cohort_member_add(cohort=cohort, learner=second)
    assert Enrollment.objects.filter(learner=second, course=course).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        cohort_course_assign(cohort=cohort, course=course, due_on=None)  # again: nothing new
    assert Enrollment.objects.filter(course=course).count() == 2
    assert CohortCourse.objects.get(pk=assignment.pk).due_on is None


def _admin_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_coordinator_creates_a_cohort_and_coordinates_it():
    coordinator = make_coordinator(cohorts=[])
    client = _admin_client(coordinator)
    response = client.post(
        reverse("cohorts:add"),
        {"name": "New hires", "description": "", "parent": "", "starts_on": "", "ends_on": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cohort = Cohort.objects.get(name="New hires")
    assert CohortCoordinator.objects.filter(cohort=cohort, coordinator=coordinator).exists()
    assert "New hires" in client.get(reverse("cohorts:index")).content.decode()


def test_a_cohort_cannot_move_under_itself(cohorts):
    client = _admin_client(make_coordinator(cohorts=[cohorts["D"]]))
    response = client.post(
        reverse("cohorts:edit", args=[cohorts["S"].pk]),
        {"name": "S", "description": "", "parent": cohorts["C"].pk, "starts_on": "", "ends_on": ""},
    )
    assert response.status_code == 200
    assert "cannot be part of itself" in response.content.decode()
    assert Cohort.objects.get(pk=cohorts["S"].pk).parent_id == cohorts["D"].pk


def test_a_coordinator_cannot_choose_a_parent_outside_their_scope(cohorts):
    client = _admin_client(make_coordinator(cohorts=[cohorts["T"]]))
    response = client.post(
        reverse("cohorts:add"),
        {"name": "Sneaky", "description": "", "parent": cohorts["S"].pk, "starts_on": "", "ends_on": ""},
    )
    assert response.status_code == 200
    assert not Cohort.objects.filter(name="Sneaky").exists()


def test_a_coordinator_with_no_cohort_is_told_why_screens_are_empty():
    client = _admin_client(make_coordinator(cohorts=[]))
    for name in ("grading:index", "cohort_members:index", "certificate_admin:index"):
        html = client.get(reverse(name)).content.decode()
        assert "do not coordinate any cohort" in html, name
    client = _admin_client(make_coordinator())
    assert "do not coordinate any cohort" not in client.get(reverse("grading:index")).content.decode()


def test_members_screen_adds_by_email_and_removes_without_touching_progress(cohorts, course):
    client = _admin_client(make_coordinator(cohorts=[cohorts["S"]]))
    newcomer = UserFactory(email="newcomer@example.org")
    enrollment_create(learner=newcomer, course=course)
    response = client.post(
        reverse("cohort_members:add"), {"cohort": cohorts["S"].pk, "email": "NEWCOMER@example.org"}
    )
    assert response.status_code == 302
    membership = CohortMembership.objects.get(cohort=cohorts["S"], learner=newcomer)
    response = client.post(
        reverse("cohort_members:add"), {"cohort": cohorts["S"].pk, "email": "nobody@example.org"}
    )
    assert response.status_code == 200 and "No account uses this email address" in response.content.decode()
    response = client.post(
        reverse("cohort_members:add"), {"cohort": cohorts["T"].pk, "email": "newcomer@example.org"}
    )
    assert response.status_code == 200  # T is not theirs: not a valid choice
    assert not CohortMembership.objects.filter(cohort=cohorts["T"], learner=newcomer).exists()
    assert client.post(reverse("cohort_members:delete", args=[membership.pk])).status_code == 302
    assert not CohortMembership.objects.filter(pk=membership.pk).exists()
    assert Enrollment.objects.filter(learner=newcomer, course=course).exists()


def test_due_dates_show_on_my_learning_and_the_course_page_and_overdue_is_marked(
    course, learner_client, learner, index, django_capture_on_commit_callbacks
):
    """The earliest due date among the learner's cohorts; overdue from the day after; none
    once the course is completed or for a cohort the learner is not in."""
    from tests.factories import build_course

    late = build_course(index, title="Late course")
    mine, theirs = Cohort.objects.create(name="Mine"), Cohort.objects.create(name="Theirs")
    cohort_member_add(cohort=mine, learner=learner)
    today = datetime.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        cohort_course_assign(cohort=mine, course=course, due_on=today)
        cohort_course_assign(cohort=theirs, course=course, due_on=today - datetime.timedelta(days=30))
        cohort_course_assign(cohort=mine, course=late, due_on=today - datetime.timedelta(days=1))
    dashboard = learner_client.get(reverse("dashboard")).content.decode()
    assert dashboard.count('class="due-date"') == 1  # due today: not yet overdue
    assert dashboard.count('class="due-date overdue"') == 1
    page = learner_client.get(late.url).content.decode()
    assert 'class="due-date overdue"' in page
    assert 'class="due-date' in learner_client.get(course.url).content.decode()
    Enrollment.objects.filter(learner=learner, course=late).update(
        status="completed", completed_at=datetime.datetime.now(datetime.UTC)
    )
    assert "overdue" not in learner_client.get(reverse("dashboard")).content.decode()
