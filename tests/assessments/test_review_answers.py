"""Answers on the result page are lists of pieces (options, matching pairs) and each piece of
feedback sits next to the option it explains, at the level that allows it and never before.

The questions come from ``tests.factories.gift_questions``: every feedback text carries the
marker, so its absence proves nothing leaked."""

import re
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from assessments.models import ReviewLevel
from assessments.services import attempts as services
from assessments.services.review import attempt_review
from tests.factories import build_quiz, make_questions

pytestmark = pytest.mark.django_db
MARKER = "SECRETMARK"
LEVELS = [ReviewLevel.SCORE_ONLY, ReviewLevel.RESPONSES, ReviewLevel.CORRECT_ANSWERS]


def _option(response, text: str) -> str:
    return next(o["id"] for o in response.grading_data["options"] if o["text"] == text)


def _pair(response, left: str) -> str:
    return next(p["id"] for p in response.grading_data["pairs"] if p["left"] == left)


@pytest.fixture
def submitted(module, learner, enrolled):
    """Returns a function making a submitted attempt at a level: multiple response with one
    good and one bad pick, matching with one pair right, one wrong, one left unmatched,
    short answer worth half, single choice wrong."""

    questions = make_questions(6, marker=MARKER, prefix="A")

    def make(level):
        now = timezone.now()
        quiz = build_quiz(module, questions=questions, review_level=level, title=f"Answers {level}")
        attempt = services.quiz_start(learner=learner, quiz=quiz, now=now)
        by_type = {r.grading_data["type"]: r for r in attempt.responses.all()}
        single, multi = by_type["single_choice"], by_type["multiple_response"]
        short, matching = by_type["short_answer"], by_type["matching"]
        post = QueryDict(mutable=True)
        post[services.field_name(single)] = _option(single, "Wrong")
        post.setlist(services.field_name(multi), [_option(multi, "Bad"), _option(multi, "Good A")])
        post[services.field_name(short)] = "awareness"
        name = services.field_name(matching)
        post[f"{name}:{_pair(matching, 'Left one')}"] = "Right one"
        post[f"{name}:{_pair(matching, 'Left two')}"] = "Right three"
        attempt = services.attempt_submit(
            attempt_id=attempt.pk, learner=learner, data=post, now=now + timedelta(minutes=1)
        )
        return attempt, now + timedelta(minutes=2)

    return make


def _item(review, stem_start: str) -> dict:
    return next(i for i in review["review_items"] if stem_start in i["stem"])


def test_responses_level_lists_pieces_without_feedback_or_marks(submitted):
    """RESPONSES: the learner's options and pairs as lists, and nothing that says which piece
    was right or why (that is CORRECT_ANSWERS)."""
    attempt, now = submitted(ReviewLevel.RESPONSES)
    review = attempt_review(attempt=attempt, now=now)
    multi = _item(review, "Pick two.")
    assert multi["your_answer"] == [{"prompt": "", "text": "Good A"}, {"prompt": "", "text": "Bad"}]
    matching = _item(review, "Match them.")
    assert matching["your_answer"] == [
        {"prompt": "Left one", "text": "Right one"},
        {"prompt": "Left two", "text": "Right three"},
        {"prompt": "Left three", "text": ""},
    ]
    for item in review["review_items"]:
        assert set(item) == {"number", "stem", "your_answer", "status", "score", "marks"}
        for piece in item["your_answer"]:
            assert set(piece) == {"prompt", "text"}
    assert MARKER not in repr(review)


def test_correct_answers_level_puts_feedback_next_to_each_option(submitted):
    """CORRECT_ANSWERS: each chosen option carries its own feedback and whether it earned
    credit; the correct answer is a list too; whole-answer feedback sits with the answer."""
    attempt, now = submitted(ReviewLevel.CORRECT_ANSWERS)
    review = attempt_review(attempt=attempt, now=now)

    multi = _item(review, "Pick two.")
    assert multi["your_answer"] == [
        {"prompt": "", "text": "Good A", "right": True, "feedback": [f"fb{MARKER}"]},
        {"prompt": "", "text": "Bad", "right": False, "feedback": [f"fb{MARKER}"]},
    ]
    assert multi["feedback"] == []  # nothing left over: each text is with its option
    assert [p["text"] for p in multi["correct_answer"]] == ["Good A", "Good B"]

    single = _item(review, "Pick the right one.")
    assert single["your_answer"] == [
        {"prompt": "", "text": "Wrong", "right": False, "feedback": [f"No{MARKER}"]}
    ]
    assert single["correct_answer"] == [{"prompt": "", "text": "Right"}]

    short = _item(review, "Name the practice.")
    assert short["your_answer"] == [
        {"prompt": "", "text": "awareness", "right": True, "feedback": [f"half{MARKER}"]}
    ]
    assert short["feedback"] == []

    matching = _item(review, "Match them.")
    assert [(p["prompt"], p["text"], p["right"]) for p in matching["your_answer"]] == [
        ("Left one", "Right one", True),
        ("Left two", "Right three", False),
        ("Left three", "", False),
    ]
    assert [(p["prompt"], p["text"]) for p in matching["correct_answer"]] == [
        ("Left one", "Right one"),
        ("Left two", "Right two"),
        ("Left three", "Right three"),
    ]


def _review_html(client, learner, attempt) -> str:
    client.force_login(learner)
    response = client.get(reverse("assessments:result", args=[attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("level", LEVELS)
def test_result_page_shows_no_more_than_the_level(client, learner, submitted, level):
    """The page at each level: lists from RESPONSES on; feedback text, right/wrong marks per
    piece and correct answers only at CORRECT_ANSWERS."""
    attempt, _now = submitted(level)
    html = _review_html(client, learner, attempt)
    rank = LEVELS.index(level)
    assert (MARKER in html) == (rank == 2)
    assert ('class="answer-list"' in html) == (rank >= 1)
    assert ("answer-mark" in html) == (rank == 2)
    assert ("Correct answer" in html) == (rank == 2)
    assert ("Left two</span>" in html) == (rank >= 1)
    assert "Good B" not in html if rank < 2 else "Good B" in html


def test_result_page_feedback_is_inside_the_option_it_explains(client, learner, submitted):
    """Each option's feedback is rendered inside that option's list item, not in a block
    after the answer."""
    attempt, _now = submitted(ReviewLevel.CORRECT_ANSWERS)
    html = _review_html(client, learner, attempt)
    items = re.findall(r"<li>\s*(.*?)</li>", html, flags=re.S)
    singles = re.findall(r'<div class="answer-single">(.*?)</div>', html, flags=re.S)
    wrong = next(i for i in singles if '<span class="answer-text">Wrong</span>' in i)
    assert f"No{MARKER}" in wrong and "(wrong)" in wrong
    good = next(i for i in items if '<span class="answer-text">Good A</span>' in i)
    assert f"fb{MARKER}" in good and "(right)" in good
    pair = next(i for i in items if "Left one</span>" in i)
    assert "→" in pair and "Right one" in pair
