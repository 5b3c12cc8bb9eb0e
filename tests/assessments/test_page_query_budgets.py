"""Query budgets for the learner's quiz pages: a maximum, and the same count at 5 and at 50
questions (not exact counts, which would include Wagtail's routing)."""

import pytest
from django.urls import reverse

from assessments.services import attempts as services
from tests.assessments.test_attempts import correct_post
from tests.factories import build_quiz, make_questions

pytestmark = pytest.mark.django_db

# Measured 23, 6 and 7 on 2026-12-01; a little headroom, so a new per-page query is a decision.
BUDGET = {"intro": 25, "attempt": 8, "result": 11}


def measure(client, learner, module, size: int, assert_max) -> dict[str, int]:
    questions = make_questions(size, bank=f"budget-{size}", prefix=f"B{size}")
    quiz = build_quiz(module, questions=questions, title=f"Budget {size}", time_limit_minutes=30)
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    urls = {
        "intro": quiz.url,
        "attempt": reverse("assessments:attempt", args=[attempt.pk]),
        "result": reverse("assessments:result", args=[attempt.pk]),
    }
    counts = {}
    for page, url in urls.items():
        if page == "result":
            services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=correct_post(attempt))
        client.get(url)  # warm per-process caches (site root, content types) for both sizes
        with assert_max(BUDGET[page]) as queries:
            assert client.get(url).status_code == 200
        counts[page] = len(queries)
    return counts


def test_quiz_pages_have_a_budget_independent_of_question_count(
    learner_client, learner, enrolled, module, settings, django_assert_max_num_queries
):
    """Quiz intro, attempt and result pages stay within budget and cost the same for 5 and
    50 questions."""
    settings.COURSE_COMPLETION_HANDLERS = []
    small = measure(learner_client, learner, module, 5, django_assert_max_num_queries)
    large = measure(learner_client, learner, module, 50, django_assert_max_num_queries)
    assert small == large


def test_final_intro_with_its_guard_stays_in_budget(
    learner_client, learner, enrolled, course, settings, django_assert_max_num_queries
):
    """The final's intro page reads progress for its guard (lessons left) within the intro
    budget, the same at 5 and at 50 questions."""
    settings.COURSE_COMPLETION_HANDLERS = []
    counts = []
    for size in (5, 50):
        questions = make_questions(size, bank=f"final-{size}", prefix=f"F{size}")
        final = build_quiz(course, questions=questions, title=f"Final {size}", max_attempts=2)
        learner_client.get(final.url)
        with django_assert_max_num_queries(BUDGET["intro"]) as queries:
            response = learner_client.get(final.url)
        assert "lessons left to complete" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
