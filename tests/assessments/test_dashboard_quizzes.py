"""My learning lists each enrollment's required quizzes with the grade under the quiz's
grading method and the attempts left."""

import re

import pytest
from django.urls import reverse

from assessments.models import GradingMethod
from assessments.services import attempts as services
from tests.assessments.test_attempts import correct_post
from tests.factories import build_quiz, make_questions

pytestmark = pytest.mark.django_db


def _quiz_line(html: str, title: str) -> str:
    match = re.search(rf"<li><a href=\"[^\"]+\">{re.escape(title)}</a>:(.*?)</li>", html, flags=re.S)
    assert match, title
    return " ".join(match.group(1).split())


@pytest.fixture
def two_attempts(learner, enrolled, module):
    """Returns a function: a required quiz with three attempts allowed, answered fully
    right, then with nothing (100% then 0%)."""
    questions = make_questions(2, bank="dash")

    def make(method, title):
        quiz = build_quiz(
            module,
            questions=questions,
            title=title,
            max_attempts=3,
            grading_method=method,
            required_for_completion=True,
        )
        first = services.quiz_start(learner=learner, quiz=quiz)
        services.attempt_submit(attempt_id=first.pk, learner=learner, data=correct_post(first))
        second = services.quiz_start(learner=learner, quiz=quiz)
        services.attempt_submit(attempt_id=second.pk, learner=learner)
        return quiz

    return make


def test_grade_follows_each_quizs_grading_method(learner_client, two_attempts):
    """Highest shows the first attempt's 100%, last the second's 0%; both have 1 attempt left."""
    two_attempts(GradingMethod.HIGHEST, "Best counts")
    two_attempts(GradingMethod.LAST, "Last counts")
    html = learner_client.get(reverse("dashboard")).content.decode()
    best = _quiz_line(html, "Best counts")
    last = _quiz_line(html, "Last counts")
    assert "grade 100% (highest grade)" in best and "passed" in best and "1 attempt left" in best
    assert "grade 0% (last attempt)" in last and "not passed yet" in last and "1 attempt left" in last


def test_unattempted_and_unlimited_quizzes_say_so(learner_client, enrolled, module, course):
    questions = make_questions(2, bank="dash2")
    build_quiz(module, questions=questions, title="Unlimited quiz", required_for_completion=True)
    build_quiz(course, questions=questions, title="Final", max_attempts=2, required_for_completion=True)
    build_quiz(module, questions=questions, title="Optional quiz")
    html = learner_client.get(reverse("dashboard")).content.decode()
    assert _quiz_line(html, "Unlimited quiz") == "not attempted yet · unlimited attempts"
    assert _quiz_line(html, "Final") == "not attempted yet · 2 attempts left"
    assert "Optional quiz" not in html  # only required quizzes are listed


def test_another_learners_attempts_do_not_count(learner_client, learner, enrolled, module, course):
    """Attempts left count the learner's own attempts only."""
    from courses.services import enrollment_create
    from tests.factories import UserFactory

    quiz = build_quiz(
        module,
        questions=make_questions(2, bank="dash3"),
        title="Shared quiz",
        max_attempts=2,
        required_for_completion=True,
    )
    other = UserFactory()
    enrollment_create(learner=other, course=course)
    services.attempt_submit(attempt_id=services.quiz_start(learner=other, quiz=quiz).pk, learner=other)
    html = learner_client.get(reverse("dashboard")).content.decode()
    assert _quiz_line(html, "Shared quiz") == "not attempted yet · 2 attempts left"
