"""The review policy is applied in the service: what a level or date does not allow is not
in the data the result page receives (tested directly, not through the template)."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from assessments.models import ReviewLevel
from assessments.services import attempts as services
from assessments.services.review import attempt_review
from tests.factories import build_quiz

pytestmark = pytest.mark.django_db
MARKER = "SECRETMARK"  # in every feedback text, general feedback and accepted short answer
ANSWER_KEYS = {"correct_answer", "feedback", "general_feedback", "grader_comment"}
RESPONSE_KEYS = {"stem", "your_answer", "status", "score", "marks"}


def _walk(value, keys: set, texts: list):
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            _walk(item, keys, texts)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, keys, texts)
    else:
        texts.append(str(value))


def _contents(review: dict) -> tuple[set, str]:
    keys: set = set()
    texts: list = []
    _walk(review, keys, texts)
    return keys, "\n".join(texts)


@pytest.fixture
def marked_questions(db):
    from tests.factories import make_questions

    return make_questions(6, marker=MARKER, prefix="R")


def _submitted(module, learner, questions, level, *, after_close: bool):
    """A quiz closing in two days at ``level``; the learner answers one question wrongly
    (so feedback with the marker is recorded) and submits."""
    now = timezone.now()
    close = now + timedelta(days=2)
    quiz = build_quiz(
        module,
        questions=questions,
        review_level=level,
        review_after_close=after_close,
        close_at=close,
        title=f"Review {level} {after_close}",
    )
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=now)
    single = attempt.responses.get(grading_data__type="single_choice")
    wrong = next(o["id"] for o in single.grading_data["options"] if o["text"] == "Wrong")
    attempt = services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=QueryDict(f"{services.field_name(single)}={wrong}"),
        now=now + timedelta(minutes=1),
    )
    assert single.grading_data["options"] and MARKER in str(single.grading_data)
    return attempt, close


LEVELS = [ReviewLevel.SCORE_ONLY, ReviewLevel.RESPONSES, ReviewLevel.CORRECT_ANSWERS]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("when", ["before_close", "after_close"])
def test_review_returns_only_what_level_and_date_allow(
    module, learner, enrolled, marked_questions, level, when
):
    """Every level x before/after the review date (review after close): before it only the
    score; after it, the level's data and nothing above it."""
    attempt, close = _submitted(module, learner, marked_questions, level, after_close=True)
    now = close - timedelta(hours=1) if when == "before_close" else close + timedelta(seconds=1)
    review = attempt_review(attempt=attempt, now=now)
    keys, text = _contents(review)
    item_keys, _text = _contents(review["review_items"])

    assert review["result"]["graded"] is True
    assert review["result"]["percent"] is not None and review["result"]["score"] is not None
    effective = ReviewLevel.SCORE_ONLY if when == "before_close" else level
    assert review["review_level"] == effective
    assert (review["review_later"] == close) == (when == "before_close")

    if effective == ReviewLevel.SCORE_ONLY:
        assert review["review_items"] == []
        assert not item_keys
        assert "Pick the right one." not in text
    else:
        assert len(review["review_items"]) == 6
        assert item_keys >= RESPONSE_KEYS
        assert "Wrong" in text  # the learner's own answer
    if effective == ReviewLevel.CORRECT_ANSWERS:
        assert keys >= ANSWER_KEYS
        assert MARKER in text
        single = next(i for i in review["review_items"] if i["your_answer"] == "Wrong")
        assert single["correct_answer"] == "Right"
    else:
        assert not keys & ANSWER_KEYS
        assert MARKER not in text
        assert "Right" not in text.split("\n") and "Right one" not in text


@pytest.mark.parametrize("level", LEVELS)
def test_review_without_a_review_date_applies_the_level_at_once(
    module, learner, enrolled, marked_questions, level
):
    """Without review after close, the level holds straight after submitting."""
    attempt, close = _submitted(module, learner, marked_questions, level, after_close=False)
    review = attempt_review(attempt=attempt, now=close - timedelta(days=1))
    keys, text = _contents(review)
    assert review["review_level"] == level and review["review_later"] is None
    assert (MARKER in text) == (level == ReviewLevel.CORRECT_ANSWERS)
    assert bool(keys & ANSWER_KEYS) == (level == ReviewLevel.CORRECT_ANSWERS)
    assert bool(review["review_items"]) == (level != ReviewLevel.SCORE_ONLY)
