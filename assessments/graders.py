"""Pure, deterministic graders: one function per question type.

Why pure: an attempt copies the grading data of a question revision when it starts, so a
grade must depend only on that dict and the learner's response -- never on the database,
settings, the clock or the global decimal context. That keeps regrading reproducible, lets
the autosave endpoint reject bad input before storing it (``validate_response``) and lets
property tests exercise every rule without Django.

Grading data (plain JSON-able dict; numbers may be int, float, Decimal or numeric strings,
because a DjangoJSONEncoder writes Decimals as strings)::

    common          {"type": <one of QUESTION_TYPES>, "marks": > 0, at most 2 decimals}
    single_choice   "options": [{"id", "text", "fraction" in [-1, 1], "feedback"}]
    multiple_response  same "options"
    true_false      "answer": bool, optional "feedback_true" / "feedback_false"
    short_answer    "answers": [{"text", "fraction" in (0, 1], "feedback"}]
    numeric         "answers": [{"value", "tolerance" >= 0, "fraction", "feedback"}
                                or {"min", "max", "fraction", "feedback"}]
    matching        "pairs": [{"id", "left", "right"}], "distractors": [str]
    essay           "rubric": [{"id", "criterion", "points" > 0,
                                "levels": [{"points", "descriptor"}]}],
                    "response_max_chars" (default 20000)

Responses: an option id (single_choice), a list of distinct option ids (multiple_response),
a bool (true_false), a str (short_answer, essay), a number or numeric string (numeric), a
dict {left id: right text} (matching).

Rules worth knowing (each is tested):

* Malformed *responses* raise ``django.core.exceptions.ValidationError`` and nothing else,
  because they come from learners and must become a 400, never a 500. Malformed *grading
  data* raises ``ValueError``: that is an authoring bug, not user input.
* Arithmetic is Decimal (``Decimal(str(x))``) in a private context, so fractions that add
  up to 1 give exactly full marks. Scores are quantized to 0.01 with ROUND_HALF_UP; marks
  must have at most two decimals so a rounded score can never exceed them.
* ``fraction`` in a GradeResult is the exact credit fraction (not score / max_score), so
  rounding happens once.
* ``parts``: multiple_response has one entry per option (chosen with a positive fraction, or
  not chosen with a fraction <= 0); matching one per left id; single_choice one entry for
  the chosen id; the other auto-graded types one entry, "answer". A part is right when it
  earned positive credit.
* ``feedback``: the non-empty feedback texts of what was chosen or matched, in the order of
  the grading data (not of the response), so permuting a response changes nothing.
* short_answer ignores case (Unicode casefold, NFC), surrounding and repeated whitespace.
  ``*`` in an accepted answer matches any run of characters (Moodle), ``\\*`` is a literal
  star. Matching is a linear-time glob, not a regex, so a pattern with many stars cannot
  be made to backtrack catastrophically by a 1000-character response.
* numeric accepts int, float, Decimal or a string like ``" -3.5e2 "``; only ``.`` is a
  decimal separator (``"3,5"`` is rejected); NaN, infinities, bools and magnitudes beyond
  1e±1000 are rejected. Tolerance and range bounds are inclusive.
* matching: values must be offered right-hand texts (pair rights plus distractors); a left
  id missing from the response counts as wrong; ``None`` is not accepted as "unanswered" --
  the client omits the key instead.
* essay is graded by a person: ``grade_essay`` returns score None and needs_manual True;
  ``grade_rubric`` turns a marker's per-criterion selections into a total of rubric points.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any, Final, ParamSpec, TypeVar

from django.core.exceptions import ValidationError

__all__ = [
    "ESSAY",
    "ESSAY_MAX_CHARS_DEFAULT",
    "MATCHING",
    "MULTIPLE_RESPONSE",
    "NUMERIC",
    "QUESTION_TYPES",
    "SHORT_ANSWER",
    "SHORT_ANSWER_MAX_CHARS",
    "SINGLE_CHOICE",
    "TRUE_FALSE",
    "WEIGHT_SUM_TOLERANCE",
    "CompiledQuestion",
    "GradeResult",
    "compile_grading",
    "correct_response",
    "grade",
    "grade_essay",
    "grade_matching",
    "grade_multiple_response",
    "grade_numeric",
    "grade_rubric",
    "grade_short_answer",
    "grade_single_choice",
    "grade_true_false",
    "validate_response",
    "weights_sum_to_one",
]

SINGLE_CHOICE: Final = "single_choice"
MULTIPLE_RESPONSE: Final = "multiple_response"
TRUE_FALSE: Final = "true_false"
SHORT_ANSWER: Final = "short_answer"
NUMERIC: Final = "numeric"
MATCHING: Final = "matching"
ESSAY: Final = "essay"
QUESTION_TYPES: Final = (
    SINGLE_CHOICE,
    MULTIPLE_RESPONSE,
    TRUE_FALSE,
    SHORT_ANSWER,
    NUMERIC,
    MATCHING,
    ESSAY,
)

SHORT_ANSWER_MAX_CHARS: Final = 1000
# The positive fractions of a multiple-response question must add up to 1 within this
# (0.01%), so thirds stored to five places (0.33333) or typed as %33.33% still count as
# full marks. The one rule for the editor and the GIFT importer alike.
WEIGHT_SUM_TOLERANCE: Final = Decimal("0.0001")
ESSAY_MAX_CHARS_DEFAULT: Final = 20000
# A numeric response is typed into a small box; anything longer is abuse, not a number.
NUMERIC_MAX_CHARS: Final = 100
# Bounds the adjusted exponent so Decimal arithmetic can never overflow or trap.
_MAX_EXPONENT: Final = 1000

_CENT: Final = Decimal("0.01")
_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
# Our own context: a caller who changed decimal.getcontext() must not change a grade.
_CONTEXT: Final = Context(prec=28, rounding=ROUND_HALF_EVEN)
_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class GradeResult:
    """The outcome of grading one response; immutable so a stored result cannot drift."""

    score: Decimal | None
    max_score: Decimal
    fraction: Decimal | None
    parts: dict[str, bool] = field(default_factory=dict, hash=False)
    needs_manual: bool = False
    feedback: list[str] = field(default_factory=list, hash=False)


def _exact(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` in the module's decimal context, whatever the caller's context is."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


# --- grading data (authoring errors: ValueError) ------------------------------------------


def _data_decimal(value: object, what: str) -> Decimal:
    # bool is an int subclass; True as a fraction is an authoring bug, not 1.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{what} must be a number, not {type(value).__name__}")
    try:
        number = Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite() or abs(number.adjusted()) > _MAX_EXPONENT:
        raise ValueError(f"{what} must be a finite number of sensible size, not {value!r}")
    return number


def _data_str(value: object, what: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _data_list(data: Mapping[str, Any], key: str, *, required: bool = True) -> list[Any]:
    value = data.get(key, None if required else [])
    if not isinstance(value, list | tuple):
        raise ValueError(f"grading data {key!r} must be a list")
    return list(value)


def _data_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be a dict, not {type(value).__name__}")
    return value


def _marks(data: Mapping[str, Any], expected_type: str) -> Decimal:
    data = _data_mapping(data, "grading data")
    if data.get("type") != expected_type:
        raise ValueError(f"grading data type is {data.get('type')!r}, expected {expected_type!r}")
    marks = _data_decimal(data.get("marks"), "marks")
    if marks <= 0:
        raise ValueError("marks must be greater than 0")
    if marks != marks.quantize(_CENT):
        raise ValueError("marks must have at most two decimal places")
    return marks.quantize(_CENT)


def _fraction(value: object, what: str, *, low: Decimal, low_inclusive: bool) -> Decimal:
    fraction = _data_decimal(value, what)
    too_low = fraction < low if low_inclusive else fraction <= low
    if too_low or fraction > _ONE:
        bracket = "[" if low_inclusive else "("
        raise ValueError(f"{what} must be in {bracket}{low}, 1], not {fraction}")
    return fraction


@dataclass(frozen=True)
class _Option:
    id: str
    fraction: Decimal
    feedback: str


def _options(data: Mapping[str, Any]) -> tuple[_Option, ...]:
    raw = _data_list(data, "options")
    if not raw:
        raise ValueError("a choice question needs at least one option")
    options: list[_Option] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        item = _data_mapping(item, f"option {index}")
        option_id = _data_str(item.get("id"), f"option {index} id")
        if option_id in seen:
            raise ValueError(f"duplicate option id {option_id!r}")
        seen.add(option_id)
        _data_str(item.get("text", ""), f"option {option_id!r} text")
        fraction = _fraction(
            item.get("fraction"), f"option {option_id!r} fraction", low=-_ONE, low_inclusive=True
        )
        feedback = _data_str(item.get("feedback"), f"option {option_id!r} feedback", required=False)
        options.append(_Option(option_id, fraction, feedback))
    return tuple(options)


# --- responses (learner errors: ValidationError) ------------------------------------------


def _short_repr(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _invalid(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _expect_str(response: object, what: str, *, max_chars: int) -> str:
    if not isinstance(response, str):
        raise _invalid(f"{what} must be text, not {type(response).__name__}.", "invalid_type")
    if len(response) > max_chars:
        raise _invalid(f"{what} is too long: {len(response)} characters, at most {max_chars}.", "too_long")
    return response


def _result(marks: Decimal, fraction: Decimal, parts: dict[str, bool], feedback: list[str]) -> GradeResult:
    # Clamp here once so no grader can leak a score outside [0, marks]; "<= 0" also turns a
    # negative zero into a plain zero so "-0.00" is never stored.
    if fraction <= _ZERO:
        fraction = _ZERO
    elif fraction > _ONE:
        fraction = _ONE
    score = _CONTEXT.multiply(marks, fraction).quantize(_CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)
    return GradeResult(
        score=score,
        max_score=marks,
        fraction=fraction,
        parts=parts,
        needs_manual=False,
        feedback=[text for text in feedback if text],
    )


def _copy(result: GradeResult) -> GradeResult:
    # A precomputed outcome is shared by every response that earns it; callers get their own
    # parts and feedback so storing or changing one can never change another.
    return GradeResult(
        result.score,
        result.max_score,
        result.fraction,
        dict(result.parts),
        result.needs_manual,
        list(result.feedback),
    )


class CompiledQuestion:
    """Grading data parsed once (Decimals, compiled patterns, outcomes known in advance), so
    grading the responses of an attempt costs a look-up or a little arithmetic each.

    ``grade`` is pure and needs no decimal context of its own: arithmetic names the module's
    context explicitly, so it is safe to call outside ``_exact``. Build with
    ``compile_grading``; the instance is read-only by convention and may be shared.
    """

    __slots__ = ("data", "marks")
    data: Mapping[str, Any]
    marks: Decimal

    def __init__(self, data: Mapping[str, Any], marks: Decimal) -> None:
        self.data = data
        self.marks = marks

    @property
    def type(self) -> str:
        return str(self.data["type"])

    def grade(self, response: object) -> GradeResult:
        raise NotImplementedError


# --- single choice --------------------------------------------------------------------------


class _SingleChoice(CompiledQuestion):
    """Credit = max(0, fraction of the chosen option): negative options never cost marks."""

    __slots__ = ("_results",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data, _marks(data, SINGLE_CHOICE))
        # One possible outcome per option: grading is a look-up.
        self._results = {
            o.id: _result(self.marks, max(_ZERO, o.fraction), {o.id: o.fraction > 0}, [o.feedback])
            for o in _options(data)
        }

    def grade(self, response: object) -> GradeResult:
        if not isinstance(response, str):
            raise _invalid(
                f"Choose one option by its id (text), not {type(response).__name__}.", "invalid_type"
            )
        result = self._results.get(response)
        if result is None:
            raise _invalid(f"Unknown option {_short_repr(response)}.", "invalid_choice")
        return _copy(result)


@_exact
def grade_single_choice(data: Mapping[str, Any], response: object) -> GradeResult:
    """Credit = max(0, fraction of the chosen option): negative options never cost marks."""
    return _SingleChoice(data).grade(response)


# --- multiple response ---------------------------------------------------------------------


def _check_multiple_response(known: frozenset[str], response: object) -> frozenset[str]:
    # A str is iterable; accepting it would silently treat "ab" as ["a", "b"].
    if not isinstance(response, list | tuple):
        raise _invalid(f"Choose options as a list of ids, not {type(response).__name__}.", "invalid_type")
    if len(response) > len(known):
        raise _invalid(f"Too many choices: {len(response)} for {len(known)} options.", "too_many")
    chosen: set[str] = set()
    for item in response:
        if not isinstance(item, str):
            raise _invalid(
                f"Each choice must be an option id (text), not {type(item).__name__}.",
                "invalid_type",
            )
        if item not in known:
            raise _invalid(f"Unknown option {_short_repr(item)}.", "invalid_choice")
        if item in chosen:
            raise _invalid(f"Option {_short_repr(item)} is chosen twice.", "duplicate")
        chosen.add(item)
    return frozenset(chosen)


class _MultipleResponse(CompiledQuestion):
    """Credit = clamp(sum of chosen fractions, 0, 1): wrong picks cost, but never below 0."""

    __slots__ = ("_options", "_known")

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data, _marks(data, MULTIPLE_RESPONSE))
        self._options = _options(data)
        self._known = frozenset(o.id for o in self._options)

    def grade(self, response: object) -> GradeResult:
        chosen = _check_multiple_response(self._known, response)
        total = _ZERO
        for o in self._options:
            if o.id in chosen:
                total = _CONTEXT.add(total, o.fraction)
        parts = {o.id: (o.fraction > 0) if o.id in chosen else (o.fraction <= 0) for o in self._options}
        feedback = [o.feedback for o in self._options if o.id in chosen]
        return _result(self.marks, total, parts, feedback)


@_exact
def grade_multiple_response(data: Mapping[str, Any], response: object) -> GradeResult:
    """Credit = clamp(sum of chosen fractions, 0, 1): wrong picks cost, but never below 0."""
    return _MultipleResponse(data).grade(response)


# --- true / false ---------------------------------------------------------------------------


def _true_false_data(data: Mapping[str, Any]) -> tuple[Decimal, bool, str, str]:
    marks = _marks(data, TRUE_FALSE)
    answer = data.get("answer")
    if not isinstance(answer, bool):
        raise ValueError("true_false 'answer' must be a bool")
    feedback_true = _data_str(data.get("feedback_true"), "feedback_true", required=False)
    feedback_false = _data_str(data.get("feedback_false"), "feedback_false", required=False)
    return marks, answer, feedback_true, feedback_false


def _check_true_false(response: object) -> bool:
    # Exactly bool: 1, "true" and "False" are client bugs we refuse to guess about.
    if not isinstance(response, bool):
        raise _invalid(f"Answer true or false (a boolean), not {type(response).__name__}.", "invalid_type")
    return response


class _TrueFalse(CompiledQuestion):
    """Full marks for the right bool; the feedback shown is the one for the chosen value."""

    __slots__ = ("_results",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        marks, answer, feedback_true, feedback_false = _true_false_data(data)
        super().__init__(data, marks)
        self._results = {
            chosen: _result(
                marks,
                _ONE if chosen is answer else _ZERO,
                {"answer": chosen is answer},
                [feedback_true if chosen else feedback_false],
            )
            for chosen in (True, False)
        }

    def grade(self, response: object) -> GradeResult:
        return _copy(self._results[_check_true_false(response)])


@_exact
def grade_true_false(data: Mapping[str, Any], response: object) -> GradeResult:
    """Full marks for the right bool; the feedback shown is the one for the chosen value."""
    return _TrueFalse(data).grade(response)


# --- short answer ---------------------------------------------------------------------------


def _normalise(text: str) -> str:
    # NFC both before and after casefold: casefold can decompose (e.g. "İ"), and learners'
    # keyboards produce both composed and decomposed accents.
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return " ".join(folded.split())


_STAR: Final = None  # a wildcard token in a compiled pattern; every other token is one char


def _compile_pattern(pattern: str) -> tuple[str | None, ...]:
    """Normalise an accepted answer like a response, keeping ``*`` wildcards apart."""
    segments: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and pattern.startswith("*", index + 1):
            current.append("*")
            index += 2
            continue
        if char == "*":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    # Normalise each literal run; whitespace next to a star is kept (as one space) because
    # "a * b" means "a word between a and b", so only the pattern's ends are stripped.
    tokens: list[str | None] = []
    last = len(segments) - 1
    for position, segment in enumerate(segments):
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", segment).casefold())
        collapsed = re.sub(r"\s+", " ", folded)
        if position == 0:
            collapsed = collapsed.lstrip()
        if position == last:
            collapsed = collapsed.rstrip()
        # Consecutive stars mean the same as one; keeping one keeps matching linear.
        if position > 0 and (not tokens or tokens[-1] is not _STAR):
            tokens.append(_STAR)
        tokens.extend(collapsed)
    return tuple(tokens)


def _glob_match(tokens: Sequence[str | None], text: str) -> bool:
    """Wildcard match in O(len(tokens) * len(text)) with single-star backtracking."""
    t = p = 0
    star = -1
    resume = 0
    while t < len(text):
        if p < len(tokens) and tokens[p] is not _STAR and tokens[p] == text[t]:
            t += 1
            p += 1
        elif p < len(tokens) and tokens[p] is _STAR:
            star, resume = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            t = resume
        else:
            return False
    while p < len(tokens) and tokens[p] is _STAR:
        p += 1
    return p == len(tokens)


@dataclass(frozen=True)
class _ShortAnswer:
    text: str
    tokens: tuple[str | None, ...]
    fraction: Decimal
    feedback: str


def _short_answers(data: Mapping[str, Any]) -> tuple[Decimal, tuple[_ShortAnswer, ...]]:
    marks = _marks(data, SHORT_ANSWER)
    raw = _data_list(data, "answers")
    if not raw:
        raise ValueError("a short-answer question needs at least one accepted answer")
    answers = []
    for index, item in enumerate(raw):
        item = _data_mapping(item, f"answer {index}")
        text = _data_str(item.get("text"), f"answer {index} text")
        if len(text) > SHORT_ANSWER_MAX_CHARS:
            raise ValueError(f"answer {index} text is longer than a response may be")
        fraction = _fraction(item.get("fraction"), f"answer {index} fraction", low=_ZERO, low_inclusive=False)
        feedback = _data_str(item.get("feedback"), f"answer {index} feedback", required=False)
        answers.append(_ShortAnswer(text, _compile_pattern(text), fraction, feedback))
    return marks, tuple(answers)


def _best(candidates: Sequence[tuple[Decimal, str]]) -> tuple[Decimal, list[str]]:
    """Highest fraction wins; on a tie the first in the grading data gives the feedback."""
    if not candidates:
        return _ZERO, []
    best_fraction, best_feedback = candidates[0]
    for fraction, feedback in candidates[1:]:
        if fraction > best_fraction:
            best_fraction, best_feedback = fraction, feedback
    return best_fraction, [best_feedback]


def _example_text(answer: _ShortAnswer) -> str:
    """A response the answer accepts, in the author's own spelling when possible."""
    # Wildcards matching nothing read best ("Paris*" -> "Paris") but can break "a * b",
    # whose star sits between two required spaces; a one-letter filler always matches.
    plain = re.sub(r"\\\*|\*", lambda m: "*" if len(m.group()) == 2 else "", answer.text)
    if _glob_match(answer.tokens, _normalise(plain)):
        return plain
    return "".join("x" if token is _STAR else token for token in answer.tokens)


class _ShortAnswerQuestion(CompiledQuestion):
    """Best matching accepted answer wins, ignoring case and whitespace; ``*`` is a wildcard."""

    __slots__ = ("_answers",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        marks, self._answers = _short_answers(data)
        super().__init__(data, marks)

    def grade(self, response: object) -> GradeResult:
        text = _normalise(_expect_str(response, "The answer", max_chars=SHORT_ANSWER_MAX_CHARS))
        matched = [(a.fraction, a.feedback) for a in self._answers if _glob_match(a.tokens, text)]
        fraction, feedback = _best(matched)
        return _result(self.marks, fraction, {"answer": fraction > 0}, feedback)


@_exact
def grade_short_answer(data: Mapping[str, Any], response: object) -> GradeResult:
    """Best matching accepted answer wins, ignoring case and whitespace; ``*`` is a wildcard."""
    return _ShortAnswerQuestion(data).grade(response)


# --- numeric --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NumericAnswer:
    low: Decimal
    high: Decimal
    fraction: Decimal
    feedback: str
    example: Decimal  # a value inside [low, high], used as the correct response


def _numeric_answers(data: Mapping[str, Any]) -> tuple[Decimal, tuple[_NumericAnswer, ...]]:
    marks = _marks(data, NUMERIC)
    raw = _data_list(data, "answers")
    if not raw:
        raise ValueError("a numeric question needs at least one answer")
    answers = []
    for index, item in enumerate(raw):
        item = _data_mapping(item, f"answer {index}")
        fraction = _fraction(item.get("fraction"), f"answer {index} fraction", low=_ZERO, low_inclusive=False)
        feedback = _data_str(item.get("feedback"), f"answer {index} feedback", required=False)
        if "value" in item:
            value = _data_decimal(item["value"], f"answer {index} value")
            tolerance = _data_decimal(item.get("tolerance", 0), f"answer {index} tolerance")
            if tolerance < 0:
                raise ValueError(f"answer {index} tolerance must not be negative")
            low, high, example = value - tolerance, value + tolerance, value
        elif "min" in item and "max" in item:
            low = _data_decimal(item["min"], f"answer {index} min")
            high = _data_decimal(item["max"], f"answer {index} max")
            if low > high:
                raise ValueError(f"answer {index} min is greater than max")
            example = low if low == high else (low + high) / 2
        else:
            raise ValueError(f"answer {index} needs 'value' (and 'tolerance') or 'min' and 'max'")
        answers.append(_NumericAnswer(low, high, fraction, feedback, example))
    return marks, tuple(answers)


def _check_numeric(response: object) -> Decimal:
    if isinstance(response, bool) or not isinstance(response, int | float | Decimal | str):
        raise _invalid(f"Enter a number, not {type(response).__name__}.", "invalid_type")
    if isinstance(response, str):
        if len(response) > NUMERIC_MAX_CHARS:
            raise _invalid("That number is too long.", "too_long")
        text = response.strip()
        if not _NUMBER_RE.fullmatch(text):
            raise _invalid(
                f"{_short_repr(response)} is not a number (use '.' as the decimal point).",
                "invalid_number",
            )
        number = Decimal(text)
    elif isinstance(response, float):
        number = Decimal(repr(response))  # repr is the shortest exact round-trip of the float
    else:
        number = Decimal(response)  # int (never via str: huge ints hit the str digit limit)
    if not number.is_finite():
        raise _invalid("Enter a finite number.", "invalid_number")
    if number and abs(number.adjusted()) > _MAX_EXPONENT:
        raise _invalid("That number is out of range.", "invalid_number")
    return number


class _Numeric(CompiledQuestion):
    """Best fraction among answers whose inclusive interval contains the response."""

    __slots__ = ("_answers",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        marks, self._answers = _numeric_answers(data)
        super().__init__(data, marks)

    def grade(self, response: object) -> GradeResult:
        number = _check_numeric(response)
        matched = [(a.fraction, a.feedback) for a in self._answers if a.low <= number <= a.high]
        fraction, feedback = _best(matched)
        return _result(self.marks, fraction, {"answer": fraction > 0}, feedback)


@_exact
def grade_numeric(data: Mapping[str, Any], response: object) -> GradeResult:
    """Best fraction among answers whose inclusive interval contains the response."""
    return _Numeric(data).grade(response)


# --- matching -------------------------------------------------------------------------------


def _matching_data(data: Mapping[str, Any]) -> tuple[Decimal, dict[str, str], frozenset[str]]:
    marks = _marks(data, MATCHING)
    raw = _data_list(data, "pairs")
    if not raw:
        raise ValueError("a matching question needs at least one pair")
    pairs: dict[str, str] = {}
    for index, item in enumerate(raw):
        item = _data_mapping(item, f"pair {index}")
        left_id = _data_str(item.get("id"), f"pair {index} id")
        if left_id in pairs:
            raise ValueError(f"duplicate pair id {left_id!r}")
        _data_str(item.get("left"), f"pair {left_id!r} left")
        pairs[left_id] = _data_str(item.get("right"), f"pair {left_id!r} right")
    raw_distractors = _data_list(data, "distractors", required=False)
    distractors = [_data_str(d, f"distractor {i}") for i, d in enumerate(raw_distractors)]
    return marks, pairs, frozenset([*pairs.values(), *distractors])


def _check_matching(pairs: Mapping[str, str], offered: frozenset[str], response: object) -> dict[str, str]:
    if not isinstance(response, Mapping):
        raise _invalid(
            f"Matches must be a mapping of item to answer, not {type(response).__name__}.",
            "invalid_type",
        )
    for key, value in response.items():
        if not isinstance(key, str) or key not in pairs:
            raise _invalid(f"Unknown item {_short_repr(key)}.", "invalid_choice")
        if not isinstance(value, str):
            raise _invalid(
                f"The answer for {_short_repr(key)} must be text, not {type(value).__name__}.",
                "invalid_type",
            )
        if value not in offered:
            raise _invalid(f"{_short_repr(value)} is not one of the offered answers.", "invalid_choice")
    return dict(response)


class _Matching(CompiledQuestion):
    """Credit = share of left items matched to their own right text; missing ones are wrong."""

    __slots__ = ("_pairs", "_offered", "_count")

    def __init__(self, data: Mapping[str, Any]) -> None:
        marks, self._pairs, self._offered = _matching_data(data)
        super().__init__(data, marks)
        self._count = Decimal(len(self._pairs))

    def grade(self, response: object) -> GradeResult:
        chosen = _check_matching(self._pairs, self._offered, response)
        parts = {left_id: chosen.get(left_id) == right for left_id, right in self._pairs.items()}
        fraction = _CONTEXT.divide(Decimal(sum(parts.values())), self._count)
        return _result(self.marks, fraction, parts, [])


@_exact
def grade_matching(data: Mapping[str, Any], response: object) -> GradeResult:
    """Credit = share of left items matched to their own right text; missing ones are wrong."""
    return _Matching(data).grade(response)


# --- essay ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Criterion:
    id: str
    points: Decimal
    levels: tuple[Decimal, ...]


def _essay_data(data: Mapping[str, Any]) -> tuple[Decimal, int, tuple[_Criterion, ...]]:
    marks = _marks(data, ESSAY)
    max_chars = data.get("response_max_chars", ESSAY_MAX_CHARS_DEFAULT)
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0:
        raise ValueError("response_max_chars must be a positive integer")
    criteria = []
    seen: set[str] = set()
    for index, item in enumerate(_data_list(data, "rubric", required=False)):
        item = _data_mapping(item, f"rubric criterion {index}")
        criterion_id = _data_str(item.get("id"), f"rubric criterion {index} id")
        if criterion_id in seen:
            raise ValueError(f"duplicate rubric criterion id {criterion_id!r}")
        seen.add(criterion_id)
        _data_str(item.get("criterion", ""), f"criterion {criterion_id!r} text")
        points = _data_decimal(item.get("points"), f"criterion {criterion_id!r} points")
        if points <= 0:
            raise ValueError(f"criterion {criterion_id!r} points must be greater than 0")
        levels = []
        for level_index, level in enumerate(item.get("levels") or []):
            level = _data_mapping(level, f"criterion {criterion_id!r} level {level_index}")
            level_points = _data_decimal(
                level.get("points"), f"criterion {criterion_id!r} level {level_index} points"
            )
            if not _ZERO <= level_points <= points:
                raise ValueError(f"criterion {criterion_id!r} level points must be within 0..{points}")
            levels.append(level_points)
        criteria.append(_Criterion(criterion_id, points, tuple(levels)))
    return marks, max_chars, tuple(criteria)


class _Essay(CompiledQuestion):
    """Essays are marked by a person: validate the text, return no score, flag for marking."""

    __slots__ = ("_max_chars",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        marks, self._max_chars, _criteria = _essay_data(data)
        super().__init__(data, marks)

    def grade(self, response: object) -> GradeResult:
        _expect_str(response, "The essay", max_chars=self._max_chars)
        return GradeResult(
            score=None, max_score=self.marks, fraction=None, parts={}, needs_manual=True, feedback=[]
        )


@_exact
def grade_essay(data: Mapping[str, Any], response: object) -> GradeResult:
    """Essays are marked by a person: validate the text, return no score, flag for marking."""
    return _Essay(data).grade(response)


@_exact
def grade_rubric(data: Mapping[str, Any], selections: object) -> Decimal:
    """Total the marker's selections, one per criterion, in rubric points.

    Every criterion must be selected (a partial total would look like a final grade). A
    selection must be one of the criterion's level points, or, for a criterion without
    levels, any number within 0..points. The total is in rubric points, not marks: scaling
    to the question's marks is the caller's policy.
    """
    _marks_value, _max_chars, criteria = _essay_data(data)
    if not isinstance(selections, Mapping):
        raise _invalid(
            f"Rubric selections must be a mapping, not {type(selections).__name__}.",
            "invalid_type",
        )
    by_id = {criterion.id: criterion for criterion in criteria}
    for key in selections:
        if not isinstance(key, str) or key not in by_id:
            raise _invalid(f"Unknown rubric criterion {_short_repr(key)}.", "invalid_choice")
    total = _ZERO
    for criterion in criteria:
        if criterion.id not in selections:
            raise _invalid(f"Criterion {criterion.id!r} has no selection.", "required")
        chosen = _check_numeric_selection(selections[criterion.id], criterion.id)
        if criterion.levels:
            if chosen not in criterion.levels:
                allowed = ", ".join(str(level) for level in criterion.levels)
                raise _invalid(
                    f"{chosen} is not a level of criterion {criterion.id!r} ({allowed}).",
                    "invalid_choice",
                )
        elif not _ZERO <= chosen <= criterion.points:
            raise _invalid(
                f"Criterion {criterion.id!r} takes 0 to {criterion.points} points, not {chosen}.",
                "out_of_range",
            )
        total += chosen
    return total


def score_rubric(data: Mapping[str, Any], selections: object, *, marks: Decimal) -> Decimal:
    """A rubric grade in the question's ``marks``: the selected points over the rubric's
    total points, times ``marks``, to the cent with halves rounded up. The one scaling rule
    for a hand grade (grading it, and scoring it again in a regrade)."""
    points = grade_rubric(data, selections)
    _marks_value, _max_chars, criteria = _essay_data(data)
    rubric_total = sum((criterion.points for criterion in criteria), _ZERO)
    scaled = _CONTEXT.divide(_CONTEXT.multiply(points, marks), rubric_total)
    return scaled.quantize(_CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)


def _check_numeric_selection(value: object, criterion_id: str) -> Decimal:
    try:
        return _check_numeric(value)
    except ValidationError:
        raise _invalid(
            f"The points for criterion {criterion_id!r} must be a number.", "invalid_number"
        ) from None


@_exact
def weights_sum_to_one(fractions) -> bool:
    """Whether the positive fractions add up to 1 within WEIGHT_SUM_TOLERANCE."""
    total = sum((Decimal(str(f)) for f in fractions if Decimal(str(f)) > 0), _ZERO)
    return abs(total - _ONE) <= WEIGHT_SUM_TOLERANCE


# --- dispatch -------------------------------------------------------------------------------

_COMPILERS: Final[dict[str, type[CompiledQuestion]]] = {
    SINGLE_CHOICE: _SingleChoice,
    MULTIPLE_RESPONSE: _MultipleResponse,
    TRUE_FALSE: _TrueFalse,
    SHORT_ANSWER: _ShortAnswerQuestion,
    NUMERIC: _Numeric,
    MATCHING: _Matching,
    ESSAY: _Essay,
}


def _question_type(data: object) -> str:
    data = _data_mapping(data, "grading data")
    question_type = data.get("type")
    if question_type not in _COMPILERS:
        raise ValueError(f"unknown question type {question_type!r}")
    return str(question_type)


@_exact
def compile_grading(data: Mapping[str, Any]) -> CompiledQuestion:
    """Parse a question's grading data once; grade many responses with ``.grade(response)``.

    Raises ValueError for malformed grading data, as grading it would.
    """
    return _COMPILERS[_question_type(data)](data)


def grade(data: Mapping[str, Any], response: object) -> GradeResult:
    """Grade ``response`` against a question revision's grading data."""
    return compile_grading(data).grade(response)


def validate_response(data: Mapping[str, Any], response: object) -> None:
    """Raise ValidationError if ``response`` could not be graded; store nothing otherwise.

    The autosave endpoint calls this so a malformed response is refused when it is sent,
    not discovered at submission. Grading is cheap and pure, so validating by grading keeps
    one source of truth for what a valid response is.
    """
    grade(data, response)


@_exact
def correct_response(data: Mapping[str, Any]) -> object:
    """A best-scoring response: full marks whenever the grading data allows full marks.

    Used for previews, the answer key and tests. Essays have no correct response: "" is
    returned so previews can still render the (empty) editor.
    """
    question_type = _question_type(data)
    if question_type == SINGLE_CHOICE:
        _marks(data, SINGLE_CHOICE)
        options = _options(data)
        best = max(option.fraction for option in options)
        return next(option.id for option in options if option.fraction == best)
    if question_type == MULTIPLE_RESPONSE:
        _marks(data, MULTIPLE_RESPONSE)
        return [option.id for option in _options(data) if option.fraction > 0]
    if question_type == TRUE_FALSE:
        return _true_false_data(data)[1]
    if question_type == SHORT_ANSWER:
        _marks_value, answers = _short_answers(data)
        best = max(answers, key=lambda a: a.fraction)
        return _example_text(best)
    if question_type == NUMERIC:
        _marks_value, numeric_answers = _numeric_answers(data)
        best_numeric = max(numeric_answers, key=lambda a: a.fraction)
        return str(best_numeric.example)
    if question_type == MATCHING:
        _marks_value, pairs, _offered = _matching_data(data)
        return dict(pairs)
    _essay_data(data)
    return ""
