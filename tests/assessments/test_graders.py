"""Tests for assessments.graders: properties for every question type plus the tricky rules."""

from __future__ import annotations

import decimal
import string
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import graders
from assessments.graders import (
    QUESTION_TYPES,
    SHORT_ANSWER_MAX_CHARS,
    GradeResult,
    correct_response,
    grade,
    grade_essay,
    grade_matching,
    grade_multiple_response,
    grade_numeric,
    grade_rubric,
    grade_short_answer,
    grade_single_choice,
    grade_true_false,
    score_rubric,
    validate_response,
)

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies: grading data ---------------------------------------------------------------

ids = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=8)
texts = st.text(max_size=20)
marks = st.one_of(
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=1, max_value=10_000).map(lambda cents: cents / 100),
    st.integers(min_value=1, max_value=10_000).map(lambda cents: str(Decimal(cents) / 100)),
)


def percent(low: int, high: int) -> st.SearchStrategy[float]:
    """A fraction written the way authors write weights: whole percents."""
    return st.integers(min_value=low, max_value=high).map(lambda p: p / 100)


@st.composite
def single_choice_data(draw: st.DrawFn) -> dict[str, Any]:
    option_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    fractions = draw(st.lists(percent(-100, 100), min_size=len(option_ids), max_size=len(option_ids)))
    fractions[draw(st.integers(0, len(option_ids) - 1))] = 1
    options = [
        {"id": oid, "text": draw(texts), "fraction": fraction, "feedback": draw(texts)}
        for oid, fraction in zip(option_ids, fractions, strict=True)
    ]
    return {"type": "single_choice", "marks": draw(marks), "options": options}


@st.composite
def multiple_response_data(draw: st.DrawFn) -> dict[str, Any]:
    correct = draw(st.integers(1, 4))
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=correct - 1, max_size=correct - 1)))
    bounds = [0, *cuts, 100]
    fractions = [(high - low) / 100 for low, high in zip(bounds, bounds[1:], strict=False)]
    fractions += draw(st.lists(percent(-100, 0), max_size=4))
    fractions = draw(st.permutations(fractions))
    option_ids = draw(st.lists(ids, min_size=len(fractions), max_size=len(fractions), unique=True))
    options = [
        {"id": oid, "text": draw(texts), "fraction": fraction, "feedback": draw(texts)}
        for oid, fraction in zip(option_ids, fractions, strict=True)
    ]
    return {"type": "multiple_response", "marks": draw(marks), "options": options}


@st.composite
def true_false_data(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "type": "true_false",
        "marks": draw(marks),
        "answer": draw(st.booleans()),
        "feedback_true": draw(texts),
        "feedback_false": draw(texts),
    }


pattern_texts = st.text(alphabet="abcXYZ ßÉé\t*\\", max_size=12)


@st.composite
def short_answer_data(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    fractions = draw(st.lists(percent(1, 100), min_size=count, max_size=count))
    fractions[draw(st.integers(0, count - 1))] = 1
    answers = [
        {"text": draw(pattern_texts), "fraction": fraction, "feedback": draw(texts)} for fraction in fractions
    ]
    return {"type": "short_answer", "marks": draw(marks), "answers": answers}


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def numeric_answer(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        tolerance = draw(st.floats(min_value=0, max_value=1e6, allow_nan=False))
        bounds: dict[str, Any] = {"value": draw(finite), "tolerance": tolerance}
    else:
        low, high = sorted([draw(finite), draw(finite)])
        bounds = {"min": low, "max": high}
    return {**bounds, "fraction": draw(percent(1, 100)), "feedback": draw(texts)}


@st.composite
def numeric_data(draw: st.DrawFn) -> dict[str, Any]:
    answers = draw(st.lists(numeric_answer(), min_size=1, max_size=4))
    answers[draw(st.integers(0, len(answers) - 1))]["fraction"] = 1
    return {"type": "numeric", "marks": draw(marks), "answers": answers}


@st.composite
def matching_data(draw: st.DrawFn) -> dict[str, Any]:
    left_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    rights = st.sampled_from(["Ottawa", "Rome", "Tokyo", "Paris", "Lima", ""])
    pairs = [{"id": lid, "left": draw(texts), "right": draw(rights)} for lid in left_ids]
    distractors = draw(st.lists(st.text(max_size=8), max_size=3))
    return {"type": "matching", "marks": draw(marks), "pairs": pairs, "distractors": distractors}


@st.composite
def rubric_criterion(draw: st.DrawFn, criterion_id: str) -> dict[str, Any]:
    points = draw(st.integers(1, 10))
    levels = draw(st.lists(st.integers(0, points), max_size=4, unique=True))
    return {
        "id": criterion_id,
        "criterion": draw(texts),
        "points": points,
        "levels": [{"points": p, "descriptor": draw(texts)} for p in levels],
    }


@st.composite
def essay_data(draw: st.DrawFn) -> dict[str, Any]:
    criterion_ids = draw(st.lists(ids, max_size=4, unique=True))
    data: dict[str, Any] = {
        "type": "essay",
        "marks": draw(marks),
        "rubric": [draw(rubric_criterion(cid)) for cid in criterion_ids],
    }
    if draw(st.booleans()):
        data["response_max_chars"] = draw(st.integers(1, 50))
    return data


DATA = {
    "single_choice": single_choice_data(),
    "multiple_response": multiple_response_data(),
    "true_false": true_false_data(),
    "short_answer": short_answer_data(),
    "numeric": numeric_data(),
    "matching": matching_data(),
    "essay": essay_data(),
}

# --- strategies: valid and malformed responses ----------------------------------------------


def _option_ids(data: dict[str, Any]) -> list[str]:
    return [option["id"] for option in data["options"]]


def valid_response(data: dict[str, Any]) -> st.SearchStrategy[object]:
    kind = data["type"]
    if kind == "single_choice":
        return st.sampled_from(_option_ids(data))
    if kind == "multiple_response":
        option_ids = _option_ids(data)
        return st.lists(st.sampled_from(option_ids), unique=True, max_size=len(option_ids))
    if kind == "true_false":
        return st.booleans()
    if kind == "short_answer":
        return st.one_of(pattern_texts, st.text(max_size=graders.SHORT_ANSWER_MAX_CHARS))
    if kind == "numeric":
        return st.one_of(
            st.integers(min_value=-(10**30), max_value=10**30),
            finite,
            st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4),
            finite.map(lambda x: f"  {x!r} "),
        )
    if kind == "matching":
        offered = sorted({p["right"] for p in data["pairs"]} | set(data["distractors"]))
        left_ids = [p["id"] for p in data["pairs"]]
        return st.dictionaries(st.sampled_from(left_ids), st.sampled_from(offered))
    max_chars = data.get("response_max_chars", graders.ESSAY_MAX_CHARS_DEFAULT)
    return st.text(max_size=min(max_chars, 200))


non_text = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.binary(max_size=4),
)


def malformed_response(data: dict[str, Any]) -> st.SearchStrategy[object]:
    kind = data["type"]
    if kind == "single_choice":
        known = set(_option_ids(data))
        return st.one_of(
            non_text,
            st.lists(st.sampled_from(sorted(known)), min_size=1, max_size=2),
            st.text(max_size=12).filter(lambda t: t not in known),
        )
    if kind == "multiple_response":
        option_ids = _option_ids(data)
        known = set(option_ids)
        return st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=5),  # a str is not a list of ids, even if it names one
            st.sampled_from(option_ids),
            st.frozensets(st.sampled_from(option_ids), min_size=1),
            st.dictionaries(st.sampled_from(option_ids), st.booleans(), min_size=1),
            st.lists(st.one_of(st.integers(), st.booleans(), st.none()), min_size=1, max_size=3),
            st.lists(st.text(max_size=5).filter(lambda t: t not in known), min_size=1, max_size=3),
            st.sampled_from(option_ids).map(lambda oid: [oid, oid]),
            st.just(option_ids + option_ids[:1]),  # more ids than options
        )
    if kind == "true_false":
        return st.one_of(
            st.none(),
            st.integers(),  # includes 0 and 1, which are not bools
            st.floats(),
            st.sampled_from(["true", "false", "True", "T", ""]),
            st.lists(st.booleans(), max_size=2),
        )
    if kind == "short_answer":
        limit = graders.SHORT_ANSWER_MAX_CHARS
        return st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.lists(st.text(max_size=3), max_size=2),
            st.integers(limit + 1, limit + 500).map(lambda n: "a" * n),
        )
    if kind == "numeric":
        return st.one_of(
            st.none(),
            st.booleans(),
            st.lists(finite, max_size=2),
            st.sampled_from(
                [
                    "",
                    " ",
                    "3,5",
                    "1 000",
                    "abc",
                    "nan",
                    "NaN",
                    "inf",
                    "-Infinity",
                    "1e5000",
                    "0x10",
                    "1/2",
                    "١٢",
                    "3.5.1",
                    "--1",
                    "1e",
                    ".",
                    "+",
                ]
            ),
            st.sampled_from([float("nan"), float("inf"), float("-inf")]),
            st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")]),
            st.just(10**2000),
            st.just("1" * (graders.NUMERIC_MAX_CHARS + 1)),
        )
    if kind == "matching":
        left_ids = [p["id"] for p in data["pairs"]]
        offered = {p["right"] for p in data["pairs"]} | set(data["distractors"])
        return st.one_of(
            st.none(),
            st.text(max_size=5),
            st.lists(st.text(max_size=3), max_size=2),
            st.integers(),
            st.dictionaries(st.text(max_size=5).filter(lambda k: k not in left_ids), st.text(), min_size=1),
            st.dictionaries(st.sampled_from(left_ids), st.one_of(st.none(), st.integers()), min_size=1),
            st.dictionaries(
                st.sampled_from(left_ids),
                st.text(max_size=8).filter(lambda v: v not in offered),
                min_size=1,
            ),
            st.dictionaries(st.integers(), st.sampled_from(sorted(offered)), min_size=1),
        )
    max_chars = data.get("response_max_chars", graders.ESSAY_MAX_CHARS_DEFAULT)
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.lists(st.text(max_size=3), max_size=2),
        st.just("x" * (max_chars + 1)),
    )


@st.composite
def data_and_response(draw: st.DrawFn, *, valid: bool) -> tuple[dict[str, Any], object]:
    kind = draw(st.sampled_from(QUESTION_TYPES))
    data = draw(DATA[kind])
    response = draw(valid_response(data) if valid else malformed_response(data))
    return data, response


def _marks_of(data: dict[str, Any]) -> Decimal:
    return Decimal(str(data["marks"])).quantize(Decimal("0.01"))


# --- properties ---------------------------------------------------------------------------


@PROPERTY
@given(data_and_response(valid=True))
def test_score_is_within_zero_and_marks(case: tuple[dict[str, Any], object]) -> None:
    """Every valid response scores between 0 and the question's marks, inclusive."""
    data, response = case
    result = grade(data, response)
    assert result.max_score == _marks_of(data)
    if data["type"] == "essay":
        assert result.score is None
        assert result.fraction is None
        assert result.needs_manual
    else:
        assert result.score is not None
        assert result.fraction is not None
        assert Decimal(0) <= result.score <= result.max_score
        assert Decimal(0) <= result.fraction <= Decimal(1)
        assert result.score == result.score.quantize(Decimal("0.01"))
        assert not result.needs_manual


@PROPERTY
@given(st.sampled_from(QUESTION_TYPES).flatmap(lambda kind: DATA[kind]))
def test_correct_response_scores_full_marks(data: dict[str, Any]) -> None:
    """The correct response is itself valid and earns exactly full marks."""
    response = correct_response(data)
    validate_response(data, response)
    result = grade(data, response)
    if data["type"] == "essay":
        assert result.needs_manual
        assert result.score is None
    else:
        assert result.score == result.max_score == _marks_of(data)
        assert result.fraction == 1


@PROPERTY
@given(st.data())
def test_multiple_response_order_does_not_matter(data: st.DataObject) -> None:
    """Permuting a multiple-response answer gives the identical result, feedback included."""
    question = data.draw(multiple_response_data())
    response = data.draw(valid_response(question))
    permuted = data.draw(st.permutations(response))
    assert grade(question, permuted) == grade(question, response)
    assert grade(question, tuple(permuted)) == grade(question, response)


@PROPERTY
@given(data_and_response(valid=True))
def test_grading_is_deterministic(case: tuple[dict[str, Any], object]) -> None:
    """The same data and response give the same result, whatever the decimal context."""
    data, response = case
    first = grade(data, response)
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        second = grade(data, response)
    assert first == second
    assert first.parts == second.parts
    assert first.feedback == second.feedback


@PROPERTY
@given(data_and_response(valid=False))
def test_malformed_responses_raise_validation_error(case: tuple[dict[str, Any], object]) -> None:
    """Wrong types, unknown ids and oversized input raise ValidationError and nothing else."""
    data, response = case
    with pytest.raises(ValidationError):
        grade(data, response)
    with pytest.raises(ValidationError):
        validate_response(data, response)


@PROPERTY
@given(data_and_response(valid=True))
def test_valid_responses_pass_validation(case: tuple[dict[str, Any], object]) -> None:
    """validate_response accepts exactly what grade accepts."""
    data, response = case
    assert validate_response(data, response) is None


@PROPERTY
@given(st.data())
def test_rubric_total_is_sum_of_selected_levels(data: st.DataObject) -> None:
    """A complete, valid rubric selection totals the chosen points, within the rubric maximum."""
    question = data.draw(essay_data())
    selections: dict[str, object] = {}
    for criterion in question["rubric"]:
        levels = [level["points"] for level in criterion["levels"]]
        choice = st.sampled_from(levels) if levels else st.integers(0, criterion["points"])
        selections[criterion["id"]] = data.draw(choice)
    total = grade_rubric(question, selections)
    assert total == sum(Decimal(v) for v in selections.values())  # type: ignore[arg-type]
    assert 0 <= total <= sum(c["points"] for c in question["rubric"])


# --- examples: single choice ----------------------------------------------------------------


def choice_data(kind: str, *fractions: float, marks: object = 2) -> dict[str, Any]:
    options = [
        {"id": f"o{i}", "text": f"<p>{i}</p>", "fraction": f, "feedback": f"fb{i}"}
        for i, f in enumerate(fractions)
    ]
    return {"type": kind, "marks": marks, "options": options}


def test_single_choice_scores_the_chosen_fraction() -> None:
    """A single choice scores its option's fraction of the marks and returns its feedback."""
    data = choice_data("single_choice", 1, 0.5, 0)
    assert grade_single_choice(data, "o0").score == Decimal("2.00")
    half = grade_single_choice(data, "o1")
    assert half.score == Decimal("1.00")
    assert half.fraction == Decimal("0.5")
    assert half.feedback == ["fb1"]
    assert half.parts == {"o1": True}
    assert grade_single_choice(data, "o2").parts == {"o2": False}


def test_single_choice_negative_fraction_scores_zero() -> None:
    """A negatively weighted single choice scores 0, not a negative number."""
    result = grade(choice_data("single_choice", 1, -1), "o1")
    assert result.score == Decimal("0.00")
    assert str(result.score) == "0.00"


@pytest.mark.parametrize("response", [0, 1, True, None, ["o0"], "O0", "o9", b"o0"])
def test_single_choice_rejects_non_ids(response: object) -> None:
    """A single choice must be the exact id string of an offered option."""
    with pytest.raises(ValidationError):
        grade(choice_data("single_choice", 1, 0), response)


# --- examples: multiple response ------------------------------------------------------------


def test_multiple_response_never_below_zero() -> None:
    """Multiple-response scores never go below zero, however many wrong options are chosen."""
    data = choice_data("multiple_response", 0.5, 0.5, -1, -1)
    result = grade_multiple_response(data, ["o2", "o3"])
    assert result.score == Decimal("0.00")
    assert result.fraction == 0
    assert grade_multiple_response(data, ["o0", "o2"]).score == Decimal("0.00")


def test_multiple_response_negative_weights_cost_marks() -> None:
    """A wrong pick with a negative weight reduces the credit of the right picks."""
    data = choice_data("multiple_response", 0.5, 0.5, -0.25, marks=4)
    assert grade_multiple_response(data, ["o0", "o1"]).score == Decimal("4.00")
    assert grade_multiple_response(data, ["o0", "o1", "o2"]).score == Decimal("3.00")
    assert grade_multiple_response(data, ["o0"]).score == Decimal("2.00")
    assert grade_multiple_response(data, []).score == Decimal("0.00")


def test_multiple_response_parts_and_feedback() -> None:
    """Parts say per option whether the choice was right; feedback follows option order."""
    data = choice_data("multiple_response", 0.5, 0.5, -1, 0)
    result = grade_multiple_response(data, ["o2", "o0"])
    assert result.parts == {"o0": True, "o1": False, "o2": False, "o3": True}
    assert result.feedback == ["fb0", "fb2"]


def test_multiple_response_decimal_fractions_sum_exactly() -> None:
    """Fractions 0.1 + 0.2 + 0.7 give exactly full marks (no float rounding)."""
    data = choice_data("multiple_response", 0.1, 0.2, 0.7, marks=100)
    assert grade(data, ["o0", "o1", "o2"]).score == Decimal("100.00")


def test_multiple_response_thirds_round_to_full_marks() -> None:
    """Moodle-style thirds (0.3333333) round to full marks at two decimals."""
    data = choice_data("multiple_response", 0.3333333, 0.3333333, 0.3333333, marks=3)
    assert grade(data, ["o0", "o1", "o2"]).score == Decimal("3.00")


@pytest.mark.parametrize(
    "response",
    [
        "o0",
        "o0,o1",
        {"o0": True},
        {"o0"},
        [1],
        [True],
        [None],
        ["o0", "o0"],
        ["zz"],
        ["o0", "o1", "o2", "o3"],
        None,
        0,
    ],
)
def test_multiple_response_rejects_malformed(response: object) -> None:
    """Strings, sets, dicts, non-str ids, duplicates, unknown ids and long lists are refused."""
    with pytest.raises(ValidationError):
        grade(choice_data("multiple_response", 0.5, 0.5, -1), response)


# --- examples: true / false -----------------------------------------------------------------


def test_true_false_scores_and_feedback_for_the_chosen_value() -> None:
    """True/false gives full marks for the right bool and the feedback of the chosen value."""
    data = {
        "type": "true_false",
        "marks": 1,
        "answer": False,
        "feedback_true": "No: it is false.",
        "feedback_false": "Yes.",
    }
    right = grade_true_false(data, False)
    wrong = grade_true_false(data, True)
    assert (right.score, right.parts, right.feedback) == (
        Decimal("1.00"),
        {"answer": True},
        ["Yes."],
    )
    assert (wrong.score, wrong.feedback) == (Decimal("0.00"), ["No: it is false."])


@pytest.mark.parametrize("response", [1, 0, "true", "True", None, [True]])
def test_true_false_requires_a_bool(response: object) -> None:
    """1, 0 and "true" are not booleans and are refused."""
    data = {"type": "true_false", "marks": 1, "answer": True}
    with pytest.raises(ValidationError):
        grade(data, response)


# --- examples: short answer -----------------------------------------------------------------


def short_data(*answers: tuple[str, float], marks: object = 1) -> dict[str, Any]:
    return {
        "type": "short_answer",
        "marks": marks,
        "answers": [{"text": t, "fraction": f, "feedback": f"fb:{t}"} for t, f in answers],
    }


@pytest.mark.parametrize(
    "response",
    ["Active listening", "  active   LISTENING ", "ACTIVE\tlistening\n", "active\u00a0listening"],
)
def test_short_answer_ignores_case_and_whitespace(response: str) -> None:
    """Short answers ignore case, surrounding whitespace and repeated internal whitespace."""
    assert grade_short_answer(short_data(("active listening", 1)), response).score == 1


def test_short_answer_casefolds_unicode() -> None:
    """Matching uses Unicode casefolding and normalisation, so STRASSE matches straße."""
    assert grade(short_data(("straße", 1)), "STRASSE").score == 1
    assert grade(short_data(("café", 1)), "CAFE\u0301").score == 1


def test_short_answer_does_not_match_partial_words() -> None:
    """Without a wildcard the whole answer must match."""
    assert grade(short_data(("listen", 1)), "listening").score == 0
    assert grade(short_data(("listen", 1)), "").score == 0


@pytest.mark.parametrize(
    ("pattern", "response", "matches"),
    [
        ("listen*", "listening", True),
        ("listen*", "listen", True),
        ("*ing", "LISTENING", True),
        ("a*c", "abbbc", True),
        ("a*c", "abbbd", False),
        ("a * c", "a big c", True),
        ("a * c", "a c", False),
        ("*", "anything at all", True),
        ("*", "", True),
        ("a**b", "axxb", True),
        (r"5\*3", "5*3", True),
        (r"5\*3", "583", False),
        (r"\*", "*", True),
    ],
)
def test_short_answer_wildcards(pattern: str, response: str, matches: bool) -> None:
    """'*' matches any run of characters; '\\*' is a literal star."""
    assert (grade(short_data((pattern, 1)), response).score == 1) is matches


def test_short_answer_wildcard_is_linear_time() -> None:
    """A pattern full of stars cannot make a long response backtrack catastrophically."""
    data = short_data(("*a*a*a*a*a*a*a*a*a*a*b", 1))
    assert grade(data, "a" * 1000).score == 0


def test_short_answer_best_fraction_wins() -> None:
    """When several answers match, the highest fraction and its feedback win."""
    data = short_data(("Grant*", 0.5), ("Grant", 1), ("*", 0.1))
    result = grade(data, "grant")
    assert result.score == Decimal("1.00")
    assert result.feedback == ["fb:Grant"]
    assert grade(data, "Grant's wife").feedback == ["fb:Grant*"]
    assert grade(data, "nobody").score == Decimal("0.10")


def test_short_answer_length_limit() -> None:
    """Short answers may be 1000 characters; 1001 is refused."""
    data = short_data(("*", 1))
    assert grade(data, "x" * 1000).score == 1
    with pytest.raises(ValidationError, match="too long"):
        grade(data, "x" * 1001)


def test_short_answer_correct_response_keeps_author_spelling() -> None:
    """The answer key shows the author's text with wildcards removed when that matches."""
    assert correct_response(short_data(("Paris*", 1))) == "Paris"
    assert correct_response(short_data((r"5\*3", 1))) == "5*3"
    key = correct_response(short_data(("a * b", 1)))
    assert grade(short_data(("a * b", 1)), key).score == 1
    # Learners see this key at the correct-answers review level, so its spelling matters: a
    # literal star stays while a wildcard goes, and a wildcard that must match something
    # reads as one "x".
    assert correct_response(short_data((r"a\*b*", 1))) == "a*b"
    assert key == "a x b"


# --- examples: numeric ----------------------------------------------------------------------


def numeric_question(*answers: dict[str, Any], marks: object = 1) -> dict[str, Any]:
    return {"type": "numeric", "marks": marks, "answers": list(answers)}


PI = {"value": 3.14, "tolerance": 0.01, "fraction": 1, "feedback": "pi"}


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ("3.14", 1),
        ("3.13", 1),  # lower edge is inclusive (and 3.14 - 0.01 is not 3.1300000000000003)
        ("3.15", 1),  # upper edge is inclusive
        (3.13, 1),
        (3.15, 1),
        ("3.1299", 0),
        ("3.1501", 0),
        (Decimal("3.150"), 1),
        (" +3.14 ", 1),
        ("314e-2", 1),
        (3, 0),
    ],
)
def test_numeric_tolerance_edges(response: object, score: int) -> None:
    """A value matches within its tolerance, both edges included, with exact decimals."""
    assert grade_numeric(numeric_question(PI), response).score == score


def test_numeric_zero_tolerance_is_exact() -> None:
    """With tolerance 0 only the exact value (in any spelling) matches."""
    data = numeric_question({"value": 2, "tolerance": 0, "fraction": 1, "feedback": ""})
    assert grade(data, "2.000").score == 1
    assert grade(data, 2.0).score == 1
    assert grade(data, "2.0001").score == 0


def test_numeric_range_is_inclusive() -> None:
    """A min..max answer matches both bounds and everything between."""
    data = numeric_question({"min": 1, "max": 5, "fraction": 1, "feedback": "in range"})
    for response in ("1", "5", "3.3", 1, 5.0):
        assert grade(data, response).score == 1
    assert grade(data, "0.999").score == 0
    assert grade(data, "5.001").score == 0
    assert grade(data, "3").feedback == ["in range"]


def test_numeric_best_fraction_wins() -> None:
    """Among matching numeric answers the highest fraction counts."""
    data = numeric_question(
        {"value": 2, "tolerance": 1, "fraction": 0.5, "feedback": "close"},
        {"value": 2, "tolerance": 0, "fraction": 1, "feedback": "exact"},
        marks=4,
    )
    assert grade(data, 2).score == Decimal("4.00")
    assert grade(data, 2).feedback == ["exact"]
    assert grade(data, "2.5").score == Decimal("2.00")
    assert grade(data, "9").score == Decimal("0.00")


@pytest.mark.parametrize(
    "response",
    [
        "3,14",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "",
        "pi",
        "1e5000",
        True,
        False,
        None,
        [3.14],
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        10**2000,
    ],
)
def test_numeric_rejects_non_numbers(response: object) -> None:
    """Only '.' is a decimal point; NaN, infinities, bools and absurd sizes are refused."""
    with pytest.raises(ValidationError):
        grade(numeric_question(PI), response)


# --- examples: matching ---------------------------------------------------------------------

CAPITALS = {
    "type": "matching",
    "marks": 3,
    "pairs": [
        {"id": "ca", "left": "Canada", "right": "Ottawa"},
        {"id": "it", "left": "Italy", "right": "Rome"},
        {"id": "jp", "left": "Japan", "right": "Tokyo"},
    ],
    "distractors": ["Paris"],
}


def test_matching_partial_credit() -> None:
    """Matching scores marks times the share of correct pairs, with parts per left id."""
    result = grade_matching(CAPITALS, {"ca": "Ottawa", "it": "Paris", "jp": "Tokyo"})
    assert result.score == Decimal("2.00")
    assert result.parts == {"ca": True, "it": False, "jp": True}


def test_matching_missing_keys_count_as_wrong() -> None:
    """Unanswered items are wrong, not errors."""
    result = grade_matching(CAPITALS, {"it": "Rome"})
    assert result.score == Decimal("1.00")
    assert result.parts == {"ca": False, "it": True, "jp": False}
    assert grade_matching(CAPITALS, {}).score == Decimal("0.00")


def test_matching_thirds_round_half_up() -> None:
    """One of three pairs right with 1 mark scores 0.33."""
    data = {**CAPITALS, "marks": 1}
    assert grade(data, {"ca": "Ottawa"}).score == Decimal("0.33")
    assert grade(data, {"ca": "Ottawa", "it": "Rome"}).score == Decimal("0.67")


@pytest.mark.parametrize(
    "response",
    [
        {"xx": "Rome"},
        {"ca": "Berlin"},
        {"ca": None},
        {"ca": 1},
        {1: "Rome"},
        [("ca", "Ottawa")],
        "ca=Ottawa",
        None,
    ],
)
def test_matching_rejects_malformed(response: object) -> None:
    """Unknown items, answers not offered, non-text answers and non-dicts are refused."""
    with pytest.raises(ValidationError):
        grade(CAPITALS, response)


# --- examples: essay and rubric -------------------------------------------------------------

ESSAY = {
    "type": "essay",
    "marks": 10,
    "response_max_chars": 50,
    "rubric": [
        {
            "id": "empathy",
            "criterion": "Shows empathy",
            "points": 4,
            "levels": [
                {"points": 0, "descriptor": "None"},
                {"points": 2, "descriptor": "Some"},
                {"points": 4, "descriptor": "Strong"},
            ],
        },
        {"id": "clarity", "criterion": "Clear", "points": 6, "levels": []},
    ],
}


def test_essay_needs_manual_grading() -> None:
    """Essays are never auto-scored: score None, needs_manual True."""
    result = grade_essay(ESSAY, "I would listen first.")
    assert result == GradeResult(score=None, max_score=Decimal("10.00"), fraction=None, needs_manual=True)


def test_essay_length_limit() -> None:
    """An essay longer than response_max_chars is refused; the default limit is 20000."""
    assert grade(ESSAY, "x" * 50).needs_manual
    with pytest.raises(ValidationError):
        grade(ESSAY, "x" * 51)
    plain = {"type": "essay", "marks": 1}
    assert grade(plain, "x" * 20000).needs_manual
    with pytest.raises(ValidationError):
        grade(plain, "x" * 20001)


def test_rubric_totals_valid_selections() -> None:
    """A rubric total adds one level per criterion; criteria without levels take 0..points."""
    assert grade_rubric(ESSAY, {"empathy": 2, "clarity": 5.5}) == Decimal("7.5")
    assert grade_rubric(ESSAY, {"empathy": "4", "clarity": 0}) == Decimal("4")


def test_score_rubric_scales_to_the_given_marks_and_rounds_halves_up() -> None:
    """A hand grade is the selected points over the rubric's total points (10 here) times the
    question's marks as given (not the marks in the data: a quiz may override them), to the
    cent with a half cent rounded up."""
    assert score_rubric(ESSAY, {"empathy": 4, "clarity": 5.5}, marks=Decimal("3")) == Decimal("2.85")
    assert score_rubric(ESSAY, {"empathy": 2, "clarity": 0}, marks=Decimal("7")) == Decimal("1.40")
    # 0.05 of 10 points in 1 mark is 0.005: half up gives 0.01 (half even would give 0.00).
    assert score_rubric(ESSAY, {"empathy": 0, "clarity": "0.05"}, marks=Decimal("1")) == Decimal("0.01")
    with pytest.raises(ValidationError):
        score_rubric(ESSAY, {"empathy": 3, "clarity": 1}, marks=Decimal("1"))


@pytest.mark.parametrize(
    "selections",
    [
        {"empathy": 3, "clarity": 1},  # 3 is not a level
        {"empathy": 2, "clarity": 7},  # above the criterion's points
        {"empathy": 2, "clarity": -1},
        {"empathy": 2},  # missing criterion
        {"empathy": 2, "clarity": 1, "style": 1},  # unknown criterion
        {"empathy": True, "clarity": 1},  # bool is not a number of points
        {"empathy": "two", "clarity": 1},
        [("empathy", 2)],
    ],
)
def test_rubric_rejects_invalid_selections(selections: object) -> None:
    """Rubric selections must be complete, known, and one of the allowed points."""
    with pytest.raises(ValidationError):
        grade_rubric(ESSAY, selections)


# --- grading data and dispatch --------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"type": "nope", "marks": 1},
        {"type": "single_choice", "marks": 0, "options": [{"id": "a", "fraction": 1}]},
        {"type": "single_choice", "marks": 1.005, "options": [{"id": "a", "fraction": 1}]},
        {"type": "single_choice", "marks": True, "options": [{"id": "a", "fraction": 1}]},
        {"type": "single_choice", "marks": 1, "options": []},
        {"type": "single_choice", "marks": 1, "options": [{"id": "a", "fraction": 2}]},
        {
            "type": "single_choice",
            "marks": 1,
            "options": [{"id": "a", "fraction": 1}, {"id": "a", "fraction": 0}],
        },
        {"type": "short_answer", "marks": 1, "answers": [{"text": "a", "fraction": 0}]},
        {"type": "numeric", "marks": 1, "answers": [{"value": 1, "tolerance": -1, "fraction": 1}]},
        {"type": "numeric", "marks": 1, "answers": [{"min": 2, "max": 1, "fraction": 1}]},
        {"type": "true_false", "marks": 1, "answer": "yes"},
        {"type": "essay", "marks": 1, "response_max_chars": 0},
        "not a dict",
    ],
)
def test_malformed_grading_data_raises_value_error(data: Any) -> None:
    """Broken grading data is an authoring bug and raises ValueError, not ValidationError."""
    with pytest.raises(ValueError, match=r".") as info:
        grade(data, "a")
    assert not isinstance(info.value, ValidationError)


def test_per_type_grader_checks_the_type() -> None:
    """A per-type grader refuses data of another type."""
    with pytest.raises(ValueError, match="expected 'single_choice'"):
        grade_single_choice(choice_data("multiple_response", 1), "o0")


def test_numbers_in_data_may_be_strings() -> None:
    """Decimal-as-string grading data (DjangoJSONEncoder output) grades the same."""
    data = {
        "type": "single_choice",
        "marks": "2.50",
        "options": [{"id": "a", "fraction": "1"}, {"id": "b", "fraction": "0.5"}],
    }
    assert grade(data, "b").score == Decimal("1.25")
    assert grade(data, "b").max_score == Decimal("2.50")


def test_grade_result_is_frozen() -> None:
    """A GradeResult cannot be changed after grading."""
    result = grade(choice_data("single_choice", 1), "o0")
    with pytest.raises(AttributeError):
        result.score = Decimal(0)  # type: ignore[misc]


def test_correct_response_examples() -> None:
    """correct_response gives the best option, all positive options, the answer, etc."""
    assert correct_response(choice_data("single_choice", 0, 0.5, 1, 1)) == "o2"
    assert correct_response(choice_data("multiple_response", 0.5, -1, 0.5, 0)) == ["o0", "o2"]
    assert correct_response({"type": "true_false", "marks": 1, "answer": False}) is False
    numeric = numeric_question({"min": 1, "max": 2, "fraction": 1, "feedback": ""})
    assert correct_response(numeric) == "1.5"
    assert correct_response(CAPITALS) == {"ca": "Ottawa", "it": "Rome", "jp": "Tokyo"}
    assert correct_response(ESSAY) == ""


# --- what a refusal says (found by `make mutation`) ------------------------------------------

MULTI = choice_data("multiple_response", 0.5, 0.5, -1)


@pytest.mark.parametrize(
    ("data", "response", "code", "message"),
    [
        (MULTI, "o0", "invalid_type", "Choose options as a list of ids, not str."),
        (MULTI, ["o0", "o1", "o2", "o3"], "too_many", "Too many choices: 4 for 3 options."),
        (MULTI, [1], "invalid_type", "Each choice must be an option id (text), not int."),
        (MULTI, ["zz"], "invalid_choice", "Unknown option 'zz'."),
        (MULTI, ["o0", "o0"], "duplicate", "Option 'o0' is chosen twice."),
        (
            {"type": "true_false", "marks": 1, "answer": True},
            1,
            "invalid_type",
            "Answer true or false (a boolean), not int.",
        ),
    ],
)
def test_refusals_carry_a_code_and_a_message(data, response, code, message) -> None:
    """Each malformed response is refused with the code the API reports and a message that
    names what was wrong."""
    with pytest.raises(ValidationError) as refused:
        grade(data, response)
    assert refused.value.code == code
    assert refused.value.messages == [message]


def test_long_values_are_shortened_in_messages() -> None:
    """A value is quoted whole up to 40 characters, longer ones cut to 37 plus "..."."""
    exact = "a" * 38  # repr adds two quotes: 40 characters
    assert graders._short_repr(exact) == repr(exact)
    assert graders._short_repr("a" * 39) == "'" + "a" * 36 + "..."
    assert len(graders._short_repr("a" * 500)) == 40
    assert graders._short_repr(None) == "None"


# --- compiled grading data ---------------------------------------------------------------------


@PROPERTY
@given(st.data())
def test_compiled_question_grades_every_response_like_grade(data: st.DataObject) -> None:
    """Grading data compiled once grades a series of responses exactly as grade() does each one,
    valid or malformed, whatever the caller's decimal context."""
    question = data.draw(st.sampled_from(QUESTION_TYPES).flatmap(lambda kind: DATA[kind]))
    responses = data.draw(
        st.lists(st.one_of(valid_response(question), malformed_response(question)), min_size=1, max_size=6)
    )
    compiled = graders.compile_grading(question)
    for response in responses:
        try:
            expected = grade(question, response)
        except ValidationError:
            with pytest.raises(ValidationError):
                compiled.grade(response)
            continue
        with decimal.localcontext() as context:
            context.prec = 2
            context.rounding = decimal.ROUND_DOWN
            result = compiled.grade(response)
        assert result == expected
        assert (result.parts, result.feedback) == (expected.parts, expected.feedback)


@pytest.mark.parametrize(
    ("data", "response"),
    [
        (choice_data("single_choice", 1, 0), "o1"),
        ({"type": "true_false", "marks": 1, "answer": True, "feedback_true": "Yes"}, True),
    ],
)
def test_compiled_outcomes_are_not_shared_between_responses(data: dict[str, Any], response: object) -> None:
    """An outcome known in advance is copied for each response: changing one result's parts or
    feedback (as storing it might) cannot change the next response's."""
    compiled = graders.compile_grading(data)
    first = compiled.grade(response)
    expected = (dict(first.parts), list(first.feedback))
    first.parts.clear()
    first.feedback.append("tampered")
    second = compiled.grade(response)
    assert (second.parts, second.feedback) == expected


def test_compile_grading_refuses_malformed_grading_data() -> None:
    """Malformed grading data is an authoring error at compile time, as grading it would be."""
    with pytest.raises(ValueError, match="unknown question type"):
        graders.compile_grading({"type": "bogus", "marks": 1})
    with pytest.raises(ValueError, match="marks"):
        graders.compile_grading({"type": "single_choice", "marks": 0, "options": []})


# --- what an author is told (grading_data_errors shows these in the question preview) --------


def _option(option_id: str = "a", fraction: object = 1, **changes: object) -> dict[str, Any]:
    return {"id": option_id, "text": "A", "fraction": fraction, "feedback": "", **changes}


def _choice(*options: object, marks: object = 1) -> dict[str, Any]:
    return {"type": "single_choice", "marks": marks, "options": list(options)}


def _short(*answers: object) -> dict[str, Any]:
    return {"type": "short_answer", "marks": 1, "answers": list(answers)}


def _pairs(*pairs: object, **changes: object) -> dict[str, Any]:
    return {"type": "matching", "marks": 1, "pairs": list(pairs), **changes}


def _pair(pair_id: object = "p", left: object = "L", right: object = "R") -> dict[str, Any]:
    return {"id": pair_id, "left": left, "right": right}


def _essay(*rubric: object, **changes: object) -> dict[str, Any]:
    return {"type": "essay", "marks": 1, "rubric": list(rubric), **changes}


def _criterion(criterion_id: object = "c", points: object = 2, levels=(), **changes) -> dict[str, Any]:
    return {"id": criterion_id, "criterion": "Clear", "points": points, "levels": list(levels), **changes}


AUTHORING_ERRORS = [
    ("not a dict", "grading data must be a dict, not str"),
    ({"type": "poll", "marks": 1}, "unknown question type 'poll'"),
    (_choice(_option(), marks=True), "marks must be a number, not bool"),
    (_choice(_option(), marks="lots"), "marks must be a number, not 'lots'"),
    (_choice(_option(), marks="Infinity"), "marks must be a finite number of sensible size, not 'Infinity'"),
    (_choice(_option(), marks="1e2000"), "marks must be a finite number of sensible size, not '1e2000'"),
    (_choice(_option(), marks=0), "marks must be greater than 0"),
    (_choice(_option(), marks="0.125"), "marks must have at most two decimal places"),
    ({"type": "single_choice", "marks": 1, "options": "a"}, "grading data 'options' must be a list"),
    ({"type": "single_choice", "marks": 1}, "grading data 'options' must be a list"),
    (_choice(), "a choice question needs at least one option"),
    (_choice(_option(), "b"), "option 1 must be a dict, not str"),
    (_choice(_option(), {"id": 1, "fraction": 1}), "option 1 id must be a string, not int"),
    (_choice(_option(), _option()), "duplicate option id 'a'"),
    (_choice(_option(text=5)), "option 'a' text must be a string, not int"),
    (_choice(_option(fraction=2)), "option 'a' fraction must be in [-1, 1], not 2"),
    (_choice(_option(fraction=-1.5)), "option 'a' fraction must be in [-1, 1], not -1.5"),
    (_choice(_option(feedback=5)), "option 'a' feedback must be a string, not int"),
    ({"type": "true_false", "marks": 1, "answer": "yes"}, "true_false 'answer' must be a bool"),
    (
        {"type": "true_false", "marks": 1, "answer": True, "feedback_true": 1},
        "feedback_true must be a string, not int",
    ),
    (
        {"type": "true_false", "marks": 1, "answer": True, "feedback_false": 1},
        "feedback_false must be a string, not int",
    ),
    (_short(), "a short-answer question needs at least one accepted answer"),
    (_short({"text": "a", "fraction": 1}, "b"), "answer 1 must be a dict, not str"),
    (_short({"text": 1, "fraction": 1}), "answer 0 text must be a string, not int"),
    (_short({"text": "a" * 1001, "fraction": 1}), "answer 0 text is longer than a response may be"),
    (_short({"text": "a", "fraction": 0}), "answer 0 fraction must be in (0, 1], not 0"),
    (_short({"text": "a", "fraction": 1, "feedback": 1}), "answer 0 feedback must be a string, not int"),
    (numeric_question(), "a numeric question needs at least one answer"),
    (numeric_question(PI, 1), "answer 1 must be a dict, not int"),
    (numeric_question({"value": 1, "fraction": 0}), "answer 0 fraction must be in (0, 1], not 0"),
    (
        numeric_question({"value": 1, "fraction": 1, "feedback": 1}),
        "answer 0 feedback must be a string, not int",
    ),
    (numeric_question({"value": "x", "fraction": 1}), "answer 0 value must be a number, not 'x'"),
    (
        numeric_question({"value": 1, "tolerance": "x", "fraction": 1}),
        "answer 0 tolerance must be a number, not 'x'",
    ),
    (
        numeric_question({"value": 1, "tolerance": -1, "fraction": 1}),
        "answer 0 tolerance must not be negative",
    ),
    (numeric_question({"min": "x", "max": 1, "fraction": 1}), "answer 0 min must be a number, not 'x'"),
    (numeric_question({"min": 1, "max": "x", "fraction": 1}), "answer 0 max must be a number, not 'x'"),
    (numeric_question({"min": 2, "max": 1, "fraction": 1}), "answer 0 min is greater than max"),
    (
        numeric_question({"min": 1, "fraction": 1}),
        "answer 0 needs 'value' (and 'tolerance') or 'min' and 'max'",
    ),
    (_pairs(), "a matching question needs at least one pair"),
    (_pairs(_pair(), "q"), "pair 1 must be a dict, not str"),
    (_pairs(_pair(pair_id=1)), "pair 0 id must be a string, not int"),
    (_pairs(_pair(), _pair()), "duplicate pair id 'p'"),
    (_pairs(_pair(left=1)), "pair 'p' left must be a string, not int"),
    (_pairs(_pair(right=1)), "pair 'p' right must be a string, not int"),
    (_pairs(_pair(), distractors=["x", 1]), "distractor 1 must be a string, not int"),
    (_pairs(_pair(), distractors="x"), "grading data 'distractors' must be a list"),
    (_essay(response_max_chars=0), "response_max_chars must be a positive integer"),
    (_essay(response_max_chars=True), "response_max_chars must be a positive integer"),
    (_essay(response_max_chars="10"), "response_max_chars must be a positive integer"),
    (_essay(_criterion(), "d"), "rubric criterion 1 must be a dict, not str"),
    (_essay(_criterion(criterion_id=1)), "rubric criterion 0 id must be a string, not int"),
    (_essay(_criterion(), _criterion()), "duplicate rubric criterion id 'c'"),
    (_essay(_criterion(criterion=5)), "criterion 'c' text must be a string, not int"),
    (_essay(_criterion(points="x")), "criterion 'c' points must be a number, not 'x'"),
    (_essay(_criterion(points=0)), "criterion 'c' points must be greater than 0"),
    (_essay(_criterion(levels=[{"points": 0}, "x"])), "criterion 'c' level 1 must be a dict, not str"),
    (
        _essay(_criterion(levels=[{"points": 0}, {"points": "x"}])),
        "criterion 'c' level 1 points must be a number, not 'x'",
    ),
    (_essay(_criterion(levels=[{"points": 3}])), "criterion 'c' level points must be within 0..2"),
    (_essay(_criterion(levels=[{"points": -1}])), "criterion 'c' level points must be within 0..2"),
]


@pytest.mark.parametrize(("data", "message"), AUTHORING_ERRORS)
def test_authoring_errors_name_the_field_and_the_problem(data: Any, message: str) -> None:
    """Each kind of broken grading data is a ValueError whose message names the field (by
    position until it has an id) and what is wrong with it: the editor's preview lists them."""
    with pytest.raises(ValueError) as info:
        grade(data, "a")
    assert str(info.value) == message
    assert not isinstance(info.value, ValidationError)


def test_optional_texts_may_be_left_out() -> None:
    """Option text, feedback, a criterion's text and a criterion's levels are optional."""
    assert grade(_choice({"id": "a", "fraction": 1}), "a").score == Decimal("1.00")
    rubric_only = _essay({"id": "c", "points": 2})
    assert grade(rubric_only, "x").needs_manual
    assert grade_rubric(rubric_only, {"c": "1.5"}) == Decimal("1.5")


# --- what a learner is told ---------------------------------------------------------------------

RUBRIC = _essay(
    _criterion("tone", points=4, levels=[{"points": 0}, {"points": 2}, {"points": 4}]), _criterion()
)


@pytest.mark.parametrize(
    ("data", "response", "code", "message"),
    [
        (
            choice_data("single_choice", 1, 0),
            1,
            "invalid_type",
            "Choose one option by its id (text), not int.",
        ),
        (choice_data("single_choice", 1, 0), "zz", "invalid_choice", "Unknown option 'zz'."),
        (
            _short({"text": "a", "fraction": 1}),
            1,
            "invalid_type",
            "The answer must be text, not int.",
        ),
        (
            _short({"text": "a", "fraction": 1}),
            "a" * 1001,
            "too_long",
            "The answer is too long: 1001 characters, at most 1000.",
        ),
        (numeric_question(PI), True, "invalid_type", "Enter a number, not bool."),
        (numeric_question(PI), "1" * 101, "too_long", "That number is too long."),
        (
            numeric_question(PI),
            "3,5",
            "invalid_number",
            "'3,5' is not a number (use '.' as the decimal point).",
        ),
        (numeric_question(PI), float("nan"), "invalid_number", "Enter a finite number."),
        (numeric_question(PI), "1e2000", "invalid_number", "That number is out of range."),
        (CAPITALS, ["ca"], "invalid_type", "Matches must be a mapping of item to answer, not list."),
        (CAPITALS, {"zz": "Rome"}, "invalid_choice", "Unknown item 'zz'."),
        (CAPITALS, {1: "Rome"}, "invalid_choice", "Unknown item 1."),
        (CAPITALS, {"ca": 1}, "invalid_type", "The answer for 'ca' must be text, not int."),
        (CAPITALS, {"ca": "Lima"}, "invalid_choice", "'Lima' is not one of the offered answers."),
        (ESSAY, "x" * 51, "too_long", "The essay is too long: 51 characters, at most 50."),
    ],
)
def test_learner_refusals_carry_a_code_and_a_message(data, response, code, message) -> None:
    """What the autosave and submit endpoints report for each malformed answer."""
    with pytest.raises(ValidationError) as refused:
        grade(data, response)
    assert refused.value.code == code
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("selections", "code", "message"),
    [
        (["tone"], "invalid_type", "Rubric selections must be a mapping, not list."),
        ({"tone": 2, "c": 1, "zz": 1}, "invalid_choice", "Unknown rubric criterion 'zz'."),
        ({"tone": 2}, "required", "Criterion 'c' has no selection."),
        ({"tone": 3, "c": 1}, "invalid_choice", "3 is not a level of criterion 'tone' (0, 2, 4)."),
        ({"tone": 2, "c": 3}, "out_of_range", "Criterion 'c' takes 0 to 2 points, not 3."),
        ({"tone": 2, "c": -1}, "out_of_range", "Criterion 'c' takes 0 to 2 points, not -1."),
        ({"tone": "two", "c": 1}, "invalid_number", "The points for criterion 'tone' must be a number."),
    ],
)
def test_marker_refusals_carry_a_code_and_a_message(selections, code, message) -> None:
    """What the grading screen shows a marker whose rubric selections do not fit."""
    with pytest.raises(ValidationError) as refused:
        grade_rubric(RUBRIC, selections)
    assert refused.value.code == code
    assert refused.value.messages == [message]


def test_rubric_boundaries_are_inclusive() -> None:
    """A criterion without levels takes anything from 0 to its points, both ends included."""
    assert grade_rubric(RUBRIC, {"tone": 0, "c": 0}) == 0
    assert grade_rubric(RUBRIC, {"tone": 4, "c": 2}) == Decimal(6)


def test_weights_sum_to_one_within_the_tolerance_both_ways_ignoring_negatives() -> None:
    """The one tolerance (0.01%) for multiple-response weights, at its edges: 0.9999 and
    1.0001 count as 1, 0.9998 and 1.0002 do not; negative weights are penalties, not part
    of the sum."""
    assert graders.weights_sum_to_one(["0.5", "0.4999"])
    assert graders.weights_sum_to_one(["0.5", "0.5001"])
    assert not graders.weights_sum_to_one(["0.5", "0.4998"])
    assert not graders.weights_sum_to_one(["0.5", "0.5002"])
    assert graders.weights_sum_to_one([1, "-0.5", 0])
    assert not graders.weights_sum_to_one(["-1", "0"])


def test_an_accepted_answer_may_be_as_long_as_a_response() -> None:
    """An accepted short answer of 1000 characters (a response's limit) is fine; 1001 is an
    authoring error (see AUTHORING_ERRORS)."""
    longest = "a" * SHORT_ANSWER_MAX_CHARS
    assert grade(_short({"text": longest, "fraction": 1}), longest).score == Decimal("1.00")


def test_automatic_outcomes_are_never_waiting_for_a_marker() -> None:
    """needs_manual is exactly False (Response.needs_manual is a NOT NULL boolean) for the
    outcomes compiled in advance and copied per response (single choice, true/false) as for
    those computed per response."""
    assert grade(_choice(_option("a", 1), _option("b", 0)), "b").needs_manual is False
    assert grade({"type": "true_false", "marks": 1, "answer": True}, False).needs_manual is False
    assert grade(_short({"text": "x", "fraction": 1}), "y").needs_manual is False


def test_a_partly_right_short_answer_counts_as_right_in_parts() -> None:
    """parts["answer"] marks any credit as right, as numeric does; only no credit is wrong."""
    data = _short({"text": "Paris", "fraction": 1}, {"text": "France", "fraction": "0.5"})
    assert grade(data, "France").parts == {"answer": True}
    assert grade(data, "Paris").parts == {"answer": True}
    assert grade(data, "Lyon").parts == {"answer": False}


def test_numbers_in_grading_data_may_use_exponents_up_to_a_thousand() -> None:
    """The "sensible size" limit is inclusive: an exponent of -1000 is a (tiny) number, -1001
    is refused."""
    data = _choice(_option("a", 1), _option("b", "1E-1000"))
    assert grade(data, "b").score == Decimal("0.00")
    with pytest.raises(ValueError, match="finite number of sensible size"):
        grade(_choice(_option("a", 1), _option("b", "1E-1001")), "a")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_choice({"text": "A", "fraction": 1}), "option 0 id must be a string, not NoneType"),
        (_pairs({"id": "p", "left": "L"}), "pair 'p' right must be a string, not NoneType"),
        (_pairs({"id": "p", "right": "R"}), "pair 'p' left must be a string, not NoneType"),
        (_essay({"points": 2}), "rubric criterion 0 id must be a string, not NoneType"),
    ],
)
def test_required_texts_may_not_be_left_out(data: dict[str, Any], message: str) -> None:
    """Unlike feedback (test_optional_texts_may_be_left_out), ids and pair texts are required."""
    with pytest.raises(ValueError, match=message):
        graders.compile_grading(data)
