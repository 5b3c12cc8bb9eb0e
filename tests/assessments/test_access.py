"""Who may see which attempts: one selector, and a grade_attempt permission for grading."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.test import Client
from django.urls import reverse

from assessments.models import Attempt
from assessments.selectors import attempt_for_learner, attempt_visible_to
from assessments.services import attempts as services
from courses.services import cohort_coordinators_set, cohort_open_enrollment_get
from tests.factories import UserFactory, make_coordinator

pytestmark = pytest.mark.django_db
COORDINATORS = "Training coordinators"


@pytest.fixture
def attempt(learner, enrolled, quiz):
    return services.quiz_start(learner=learner, quiz=quiz)


def test_learner_sees_only_own_attempts(attempt, learner):
    """As a learner, everyone (coordinators too) sees their own attempts only."""
    other = UserFactory()
    coordinator = UserFactory()
    coordinator.groups.add(Group.objects.get(name=COORDINATORS))
    assert list(attempt_visible_to(user=learner)) == [attempt]
    assert list(attempt_visible_to(user=other)) == []
    assert list(attempt_visible_to(user=coordinator)) == []


def test_graders_need_grade_attempt_and_coordinators_see_their_cohorts(attempt):
    """The learner enrolled themselves, so they are in Open enrollment: its coordinator grades
    them, a coordinator of no cohort sees nothing, an administrator sees everything."""
    coordinator = make_coordinator()
    idle = make_coordinator(cohorts=[])
    admin = UserFactory(is_superuser=True)
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="change_question"))
    assert coordinator.has_perm("assessments.grade_attempt")
    assert list(attempt_visible_to(user=coordinator, as_grader=True)) == [attempt]
    assert list(attempt_visible_to(user=idle, as_grader=True)) == []
    assert list(attempt_visible_to(user=admin, as_grader=True)) == [attempt]
    assert list(attempt_visible_to(user=editor, as_grader=True)) == []


def test_grading_screens_are_gated_by_grade_attempt_not_change_question(attempt):
    """An editor who may change questions but not grade is turned away (Wagtail redirects a
    PermissionDenied to the dashboard); with grade_attempt the pages open. (The editor
    coordinates the learner's cohort throughout: the cohort alone grants nothing.)"""
    editor = UserFactory()
    cohort_coordinators_set(cohort=cohort_open_enrollment_get(), coordinators=[editor])
    for codename in ("access_admin", "change_question"):
        editor.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    for url in (reverse("grading:index"), reverse("grading:attempt", args=[attempt.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("wagtailadmin_home"), url
    editor.user_permissions.add(Permission.objects.get(codename="grade_attempt"))
    editor = type(editor).objects.get(pk=editor.pk)  # fresh permission cache
    client.force_login(editor)
    assert client.get(reverse("grading:index")).status_code == 200
    assert client.get(reverse("grading:attempt", args=[attempt.pk])).status_code == 200


def test_another_learners_attempt_is_404(attempt, client):
    other = UserFactory()
    client.force_login(other)
    for name in ("assessments:attempt", "assessments:result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def test_migration_gave_coordinators_grade_attempt():
    group = Group.objects.get(name=COORDINATORS)
    assert group.permissions.filter(codename="grade_attempt", content_type__app_label="assessments").exists()


def test_anonymous_visitors_see_no_attempts(attempt):
    assert list(attempt_visible_to(user=AnonymousUser())) == []
    assert list(attempt_visible_to(user=AnonymousUser(), as_grader=True)) == []


def test_attempt_for_learner_gives_the_learners_own_attempt_with_its_quiz(
    attempt, learner, django_assert_num_queries
):
    """The learner's attempt comes with its quiz in the same query; anyone else's, or an id
    that does not exist, is Attempt.DoesNotExist (the views turn it into a 404)."""
    with django_assert_num_queries(1):
        found = attempt_for_learner(learner=learner, attempt_id=attempt.pk)
        assert found == attempt and found.quiz.pk == attempt.quiz_id
    coordinator = UserFactory()
    coordinator.groups.add(Group.objects.get(name=COORDINATORS))
    for user in (UserFactory(), coordinator):
        with pytest.raises(Attempt.DoesNotExist):
            attempt_for_learner(learner=user, attempt_id=attempt.pk)
    with pytest.raises(Attempt.DoesNotExist):
        attempt_for_learner(learner=learner, attempt_id=attempt.pk + 1000)
