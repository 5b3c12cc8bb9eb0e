"""Starting, rendering, saving and submitting an attempt cost the same number of queries for
10 and for 50 questions, within a budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Attempt
from tests.assessments.test_attempts import correct_post
from tests.factories import build_quiz, make_questions

pytestmark = pytest.mark.django_db

# Maxima: the counts include the session, the user and savepoints, which are not ours to pin.
BUDGET = {"start": 15, "render": 6, "save": 9, "submit": 30}


def measure(client, learner, module, size: int) -> dict[str, int]:
    questions = make_questions(size, bank=f"bank-{size}", prefix=f"S{size}")
    quiz = build_quiz(module, questions=questions, title=f"Quiz {size}", time_limit_minutes=30)
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("assessments:start", args=[quiz.pk]))
    assert response.status_code == 302
    counts["start"] = len(queries)
    attempt = Attempt.objects.get(quiz=quiz)
    url = reverse("assessments:attempt", args=[attempt.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    counts["render"] = len(queries)
    answers = dict(correct_post(attempt).lists())  # lists: the test client keeps every value
    answers["sequence"] = "0"
    with CaptureQueriesContext(connection) as queries:
        assert client.post(reverse("assessments:save", args=[attempt.pk]), answers).status_code == 302
    counts["save"] = len(queries)
    answers["sequence"] = "1"
    with CaptureQueriesContext(connection) as queries:
        assert client.post(reverse("assessments:submit", args=[attempt.pk]), answers).status_code == 302
    counts["submit"] = len(queries)
    assert Attempt.objects.get(pk=attempt.pk).percent == 100
    return counts


def test_attempt_queries_do_not_grow_with_questions(learner_client, learner, enrolled, module, settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    # The site is kept in the cache after the first request that looks it up
    # (training_site/routing.py): look it up once, so both sizes are measured alike.
    learner_client.get("/")
    small = measure(learner_client, learner, module, 10)
    large = measure(learner_client, learner, module, 50)
    assert small == large
    assert all(large[step] <= BUDGET[step] for step in BUDGET), large
