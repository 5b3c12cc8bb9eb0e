"""Tests that catch deliberate mistakes the suite once let through: rounding mode of the
graders, and an accommodation applied to the wrong quiz."""

from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from django.utils import timezone

from assessments import graders
from assessments.models import QuizAccommodation
from assessments.services import attempts as services
from tests.factories import build_quiz

# Half a mark of a 0.25-mark question is exactly 0.125: ROUND_HALF_UP gives 0.13,
# ROUND_HALF_EVEN would give 0.12.
TIE = {
    "type": "single_choice",
    "marks": "0.25",
    "options": [
        {"id": "half", "text": "Half right", "fraction": "0.5", "feedback": ""},
        {"id": "full", "text": "Right", "fraction": "1", "feedback": ""},
    ],
}


@pytest.mark.parametrize("caller_rounding", [None, ROUND_HALF_EVEN, ROUND_DOWN])
def test_grader_tie_rounds_half_up_whatever_the_callers_context(caller_rounding):
    """0.25 marks x 0.5 = 0.125 scores 0.13 (half up), not 0.12 (half even), even when the
    caller's decimal context rounds otherwise."""
    if caller_rounding is None:
        result = graders.grade(TIE, "half")
    else:
        with localcontext() as context:
            context.rounding = caller_rounding
            result = graders.grade(TIE, "half")
    assert result.fraction == Decimal("0.5")
    assert result.score == Decimal("0.13")


def test_multiple_response_tie_rounds_half_up():
    """1.25 marks x 0.5 = 0.625 scores 0.63 (half even would give 0.62)."""
    data = {
        "type": "multiple_response",
        "marks": "1.25",
        "options": [
            {"id": "a", "text": "A", "fraction": "0.5", "feedback": ""},
            {"id": "b", "text": "B", "fraction": "0.5", "feedback": ""},
            {"id": "c", "text": "C", "fraction": "-1", "feedback": ""},
        ],
    }
    assert graders.grade(data, ["a"]).score == Decimal("0.63")


def test_short_answer_tie_rounds_half_up():
    data = {
        "type": "short_answer",
        "marks": "0.25",
        "answers": [
            {"text": "full", "fraction": "1", "feedback": ""},
            {"text": "half", "fraction": "0.5", "feedback": ""},
        ],
    }
    assert graders.grade(data, "half").score == Decimal("0.13")


@pytest.mark.django_db
def test_accommodation_on_one_quiz_does_not_change_another(learner, enrolled, module, questions):
    """Extra time is per learner AND quiz: 30 extra minutes on quiz A leave quiz B's deadline
    at its own time limit for the same learner."""
    quiz_a = build_quiz(module, questions=questions, title="Quiz A", time_limit_minutes=20)
    quiz_b = build_quiz(module, questions=questions, title="Quiz B", time_limit_minutes=20)
    QuizAccommodation.objects.create(learner=learner, quiz=quiz_a, extra_minutes=30)
    now = timezone.now()
    attempt_b = services.quiz_start(learner=learner, quiz=quiz_b, now=now)
    attempt_a = services.quiz_start(learner=learner, quiz=quiz_a, now=now)
    assert attempt_b.deadline == now + timedelta(minutes=20)
    assert attempt_a.deadline == now + timedelta(minutes=50)


@pytest.mark.django_db
def test_accommodation_for_another_learner_does_not_apply(learner, enrolled, module, questions):
    from tests.factories import UserFactory

    quiz = build_quiz(module, questions=questions, title="Quiz C", time_limit_minutes=20)
    QuizAccommodation.objects.create(learner=UserFactory(), quiz=quiz, extra_minutes=30)
    now = timezone.now()
    assert services.quiz_start(learner=learner, quiz=quiz, now=now).deadline == now + timedelta(minutes=20)
