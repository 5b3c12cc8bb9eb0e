"""The review policy is applied in the service: what a level or date does not allow is not
in the data the result page receives (tested directly, not through the template)."""

from datetime import timedelta
from decimal import Decimal

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
        single = next(i for i in review["review_items"] if [p["text"] for p in i["your_answer"]] == ["Wrong"])
        assert [p["text"] for p in single["correct_answer"]] == ["Right"]
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


# --- each item, each status, the score block (found by `make mutation`) ----------------------


def _answered(module, learner, questions, *, level=ReviewLevel.CORRECT_ANSWERS, **settings):
    """The six marked questions answered: right, half right, wrong, blank, right, right."""
    quiz = build_quiz(module, questions=questions, review_level=level, shuffle_options=False, **settings)
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    responses = list(attempt.responses.order_by("position"))
    by_text = [{o["text"]: o["id"] for o in r.grading_data.get("options", [])} for r in responses]
    answers = [
        by_text[0]["Right"],
        [by_text[1]["Good A"]],
        False,
        None,
        {p["id"]: p["right"] for p in responses[4].grading_data["pairs"]},
        "6",
    ]
    for response, answer in zip(responses, answers, strict=True):
        response.answer = answer
        response.save(update_fields=["answer"])
    return services.attempt_submit(attempt_id=attempt.pk, learner=learner)


def test_review_items_number_each_answer_and_say_how_it_went(module, learner, enrolled, marked_questions):
    """Items come in the attempt's order numbered from 1, each with the learner's answer in
    words, its status (a full score is "correct", a part "partial", none "incorrect", a blank
    "unanswered"), the score and the marks."""
    attempt = _answered(module, learner, marked_questions)
    items = attempt_review(attempt=attempt, now=timezone.now())["review_items"]
    assert [i["number"] for i in items] == [1, 2, 3, 4, 5, 6]
    assert [i["stem"] for i in items] == [
        "<p>Pick the right one.</p>",
        "<p>Pick two.</p>",
        "<p>The sky is blue.</p>",
        "<p>Name the practice.</p>",
        "<p>Match them.</p>",
        "<p>How many hours?</p>",
    ]
    assert [i["status"] for i in items] == [
        "correct",
        "partial",
        "incorrect",
        "unanswered",
        "correct",
        "correct",
    ]
    assert [i["score"] for i in items] == [1, Decimal("0.5"), 0, 0, 1, 1]
    assert [i["marks"] for i in items] == [Decimal(1)] * 6
    answers = [[(piece["prompt"], piece["text"]) for piece in i["your_answer"]] for i in items]
    assert answers == [
        [("", "Right")],
        [("", "Good A")],
        [("", "False")],
        [],
        [("Left one", "Right one"), ("Left two", "Right two"), ("Left three", "Right three")],
        [("", "6")],
    ]


def test_correct_answers_level_gives_each_items_own_feedback(module, learner, enrolled, marked_questions):
    """At CORRECT_ANSWERS an item carries the correct answer, the feedback of what was chosen,
    the question's general feedback and the coordinator's comment: each its own, exactly."""
    attempt = _answered(module, learner, marked_questions)
    items = attempt_review(attempt=attempt, now=timezone.now())["review_items"]
    single, multiple = items[0], items[1]
    assert single["correct_answer"] == [{"prompt": "", "text": "Right"}]
    # Each piece of feedback sits beside the option it explains, none left over.
    assert single["your_answer"] == [
        {"prompt": "", "text": "Right", "right": True, "feedback": [f"Yes{MARKER}"]}
    ]
    assert single["feedback"] == []
    assert single["general_feedback"] == f"<p>General{MARKER}</p>"
    assert single["grader_comment"] == ""
    assert multiple["correct_answer"] == [{"prompt": "", "text": "Good A"}, {"prompt": "", "text": "Good B"}]
    assert multiple["your_answer"] == [
        {"prompt": "", "text": "Good A", "right": True, "feedback": [f"fb{MARKER}"]}
    ]
    assert multiple["feedback"] == []
    assert items[3]["your_answer"] == [] and items[3]["feedback"] == []  # left blank: no feedback to give


def test_score_block_of_a_graded_attempt(module, learner, enrolled, marked_questions):
    """Every level shows the attempt's number, score out of its maximum, percent, the pass
    mark and whether it passed."""
    attempt = _answered(module, learner, marked_questions, level=ReviewLevel.SCORE_ONLY, pass_mark=50)
    result = attempt_review(attempt=attempt, now=timezone.now())["result"]
    assert result == {
        "number": 1,
        "waiting_for_grading": False,
        "graded": True,
        "percent": Decimal("58.33"),
        "score": Decimal("3.50"),
        "max_score": Decimal("6.00"),
        "passed": True,
        "pass_mark": 50,
    }
    failed = _answered(module, learner, marked_questions, pass_mark=80, title="Harder")
    assert attempt_review(attempt=failed, now=timezone.now())["result"]["passed"] is False


def test_an_attempt_in_progress_shows_nothing_but_the_score_block(
    module, learner, enrolled, marked_questions
):
    """Before it is submitted an attempt reveals nothing, whatever its level."""
    quiz = build_quiz(module, questions=marked_questions, review_level=ReviewLevel.CORRECT_ANSWERS)
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    review = attempt_review(attempt=attempt, now=timezone.now())
    assert review["review_level"] == ReviewLevel.SCORE_ONLY
    assert review["review_items"] == []
    assert review["result"]["graded"] is False
    assert review["result"]["percent"] is None and review["result"]["score"] is None


def test_review_opens_at_the_review_date_exactly(module, learner, enrolled, marked_questions):
    """The review date is the first moment the level holds: a second before, score only."""
    attempt, close = _submitted(
        module, learner, marked_questions, ReviewLevel.CORRECT_ANSWERS, after_close=True
    )
    before = attempt_review(attempt=attempt, now=close - timedelta(seconds=1))
    at = attempt_review(attempt=attempt, now=close)
    assert before["review_level"] == ReviewLevel.SCORE_ONLY and before["review_later"] == close
    assert at["review_level"] == ReviewLevel.CORRECT_ANSWERS and at["review_later"] is None
    assert len(at["review_items"]) == 6


def test_an_essay_is_pending_until_graded_then_scored_like_any_answer(module, learner, enrolled):
    """An essay waiting for a coordinator reads "pending" (the attempt waits for grading);
    once graded it is correct, partial or incorrect by its score like any other answer."""
    from assessments.models import Question, RubricCriterion
    from assessments.services.gift_import import question_bank_import_gift

    question_bank_import_gift(text="::Essay::Tell us.{}\n\n::TF::Sky is blue.{T}", bank_path="essays")
    essay = Question.objects.get(title="Essay")
    essay.marks = 4  # the rubric's points
    RubricCriterion.objects.create(
        question=essay, criterion="Clear", points=4, levels=[{"points": 0}, {"points": 2}, {"points": 4}]
    )
    essay.save_revision().publish()
    quiz = build_quiz(
        module, questions=[essay, Question.objects.get(title="TF")], review_level=ReviewLevel.RESPONSES
    )
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    for response in attempt.responses.all():
        response.answer = "My thoughts." if response.grading_data["type"] == "essay" else True
        response.save(update_fields=["answer"])
    attempt = services.attempt_submit(attempt_id=attempt.pk, learner=learner)
    review = attempt_review(attempt=attempt, now=timezone.now())
    assert review["result"]["waiting_for_grading"] is True
    assert review["result"]["percent"] is None and review["result"]["score"] is None
    assert [i["status"] for i in review["review_items"]] == ["pending", "correct"]
    response = attempt.responses.get(needs_manual=True)
    criterion = response.grading_data["rubric"][0]["id"]
    attempt = services.response_grade_manual(
        response_id=response.pk, selections={criterion: 2}, grader=learner
    )
    review = attempt_review(attempt=attempt, now=timezone.now())
    assert review["result"]["waiting_for_grading"] is False
    assert [i["status"] for i in review["review_items"]] == ["partial", "correct"]
