"""Staggered start: a timed quiz can spread its learners' start times over a window after it
opens. Each learner is told when they may begin, and nobody loses time: the limit counts
from the learner's own start."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import QuizPage
from assessments.selectors import quiz_overview_for_learner, quiz_start_time
from assessments.services import attempts as services
from courses.services import enrollment_create
from tests.factories import UserFactory, build_quiz

pytestmark = pytest.mark.django_db
OPEN = timezone.now().replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def staggered(module, questions):
    return build_quiz(
        module, questions=questions, open_at=OPEN, time_limit_minutes=30, start_window_minutes=10
    )


def _learners(course, count):
    learners = [UserFactory() for _ in range(count)]
    for learner in learners:
        enrollment_create(learner=learner, course=course)
    return learners


def test_each_learner_begins_at_their_own_time_within_the_window(course, staggered):
    """Start times fall inside [open, open + window), differ between learners and stay the same
    for a learner on every look."""
    learners = _learners(course, 12)
    times = [quiz_start_time(learner=learner, quiz=staggered) for learner in learners]
    assert all(OPEN <= t < OPEN + timedelta(minutes=10) for t in times)
    assert len(set(times)) > 6
    assert quiz_start_time(learner=learners[0], quiz=staggered) == times[0]


def test_a_learner_cannot_start_before_their_time_and_is_told_when(course, staggered):
    (learner,) = _learners(course, 1)
    begins_at = quiz_start_time(learner=learner, quiz=staggered)
    with pytest.raises(ValidationError) as refused:
        services.quiz_start(learner=learner, quiz=staggered, now=begins_at - timedelta(seconds=1))
    assert refused.value.code == "not_yet" and "you may begin at" in refused.value.messages[0]
    assert not staggered.attempts.exists()


def test_the_time_limit_counts_from_the_learners_own_start(course, staggered):
    """Nothing is taken off anyone's time: a learner who may begin 7 minutes in and starts 2
    minutes after that still has the whole 30 minutes from their start."""
    (learner,) = _learners(course, 1)
    begins_at = quiz_start_time(learner=learner, quiz=staggered)
    started = begins_at + timedelta(minutes=2)
    attempt = services.quiz_start(learner=learner, quiz=staggered, now=started)
    assert attempt.started_at == started
    assert attempt.deadline == started + timedelta(minutes=30)


def test_without_a_window_everyone_may_start_when_the_quiz_opens(course, module, questions):
    quiz = build_quiz(module, questions=questions, open_at=OPEN, time_limit_minutes=30, title="Plain")
    learners = _learners(course, 5)
    assert {quiz_start_time(learner=learner, quiz=quiz) for learner in learners} == {None}
    for learner in learners:
        assert services.quiz_start(learner=learner, quiz=quiz, now=OPEN).started_at == OPEN


def test_the_quiz_page_tells_the_learner_when_they_may_begin(course, staggered, client):
    (learner,) = _learners(course, 1)
    overview = quiz_overview_for_learner(quiz=staggered, user=learner)
    assert overview["begins_at"] == quiz_start_time(learner=learner, quiz=staggered)
    client.force_login(learner)
    page = client.get(staggered.url)
    assert page.status_code == 200
    assert "you may begin at" in page.content.decode()


def test_the_editor_refuses_a_window_that_would_cost_time_or_has_no_open_date(staggered):
    staggered.close_at = OPEN + timedelta(minutes=39)
    with pytest.raises(ValidationError, match="closes too soon"):
        staggered.full_clean()
    staggered.close_at = OPEN + timedelta(minutes=40)
    staggered.full_clean()
    staggered.open_at = None
    staggered.close_at = None
    with pytest.raises(ValidationError, match="open date and a time limit"):
        staggered.full_clean()


def test_database_refuses_a_window_without_an_open_date_or_limit(staggered):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizPage.objects.filter(pk=staggered.pk).update(open_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizPage.objects.filter(pk=staggered.pk).update(time_limit_minutes=None)
