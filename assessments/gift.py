r"""Read and write Moodle's GIFT question format.

Why our own parser: authors bring question banks from Moodle, and an import must either
take a whole file faithfully or say, with line numbers, everything that is wrong with it.
Moodle's importer silently turns mistakes into odd questions; this one reports them.
The module is pure (no database, settings or models) so it can run in a management command, a view or a test.

``parse_gift(text)`` returns GiftQuestion objects or raises GiftError listing every problem
in the file; ``dump_gift(questions)`` writes canonical GIFT that parses back to the same
questions, and dumping that again gives the identical text.

Syntax supported (Moodle's docs, "GIFT format"): ``::title::``; ``//`` comment lines;
``$CATEGORY:`` lines; questions separated by blank lines, each possibly spanning lines;
``=``/``~`` choices with ``#feedback`` and ``%50%``/``%-100%`` weights; ``{T}``/``{TRUE}``/
``{F}``/``{FALSE}`` with feedback; short answer ``{=a =%50%b}``; matching
``{=left -> right}``; numeric ``{#3.14:0.01}``, ``{#1..5}``, ``{# =2:0 =%50%2:1 ~#wrong}``;
essay ``{}``; missing word (the block inside the sentence); general feedback ``####``;
``[html]``/``[markdown]``/``[plain]``/``[moodle]`` format tags; escapes ``\~ \= \# \{ \}
\: \\`` and ``\n``; CRLF or CR line endings; a UTF-8 byte-order mark.

Choices made where Moodle is ambiguous or lenient (each is tested):

* Lines are stripped of surrounding whitespace, as Moodle does, so indentation is not
  preserved; a newline inside one field is written as ``\n``.
* A blank line always ends a question, even inside braces: an unclosed ``{`` is then
  reported for that question only instead of swallowing the rest of the file.
* ``//`` lines are dropped wherever they are (Moodle does the same); they do not end a
  question. A ``$CATEGORY:`` line ends the question before it and applies to those after.
* ``\n`` is a newline in every text format, as in Moodle's importer (which unescapes
  before it knows the format); write ``\\n`` for a literal backslash-n. A backslash
  before any other character is kept as it is, so ``\*`` reaches the short-answer grader,
  where it means a literal star.
* Format tags are read case-insensitively. A ``[word]`` of letters at the start of a
  stem, answer or feedback that is not a known format stays part of the text, as in
  Moodle, with a warning at its line (it may be a typo); dump writes ``[moodle][Note] ...``
  so it reads back as text. Tags on answers and feedback are removed; their text is kept
  raw (never converted), and the question's ``stem_format`` applies to all of its texts.
* The category drops a leading Moodle context (``$course$/``, ``$system$/``, ...) and a
  leading ``top``; a category that is then empty means "no category" (None). When dump
  must switch back to no category it writes ``$CATEGORY: $course$/top``.
* Type detection, in order: nothing in the braces -> essay; a leading ``#`` -> numeric;
  T/TRUE/F/FALSE (case-sensitive, as in Moodle) before any ``#`` -> true_false; an
  ``=`` (or unmarked) answer containing ``->`` -> matching; any ``~`` answer -> a choice;
  otherwise short answer (``{Paris}`` without ``=`` is a short answer, as in Moodle).
* Choices: any ``=`` answer makes single_choice (several ``=`` answers are allowed, each
  worth 100%; ``=%100%`` is accepted, any other weight after ``=`` is an error: Moodle
  would keep ``%50%`` as part of the answer's text). Without ``=`` the question is
  multiple_response, as in Moodle (``single = 0`` when the answers hold no ``=``), even
  when one answer is worth 100%; the positive weights must add up to 100% (within
  ``graders.WEIGHT_SUM_TOLERANCE``, 0.01%, so ``%33.33%`` thirds work; Moodle saves a
  question whose weights do not add up and only shows a notice). At least 2 answers.
* Short-answer and numeric weights must be above 0 and at most 100, and at least one
  answer must be worth 100%, so every question has a full-marks response.
* True/false feedback follows Moodle: ``{T#first#second}`` -- the first ``#`` text is shown
  for a wrong answer, the second for a right one. For ``{T}`` the first goes to
  feedback_false and the second to feedback_true; for ``{F}`` the other way round.
* Numeric: ``{#3}`` has tolerance 0; ranges stay ranges (min/max) rather than becoming
  value/tolerance, so they round-trip. ``~#text`` is feedback for any wrong number
  (``wrong_feedback``); a ``~`` with anything before the ``#`` is an error.
* Matching needs 2 or more pairs (Moodle asks for 3); ``= -> text`` (empty left side) is a
  distractor, a right-hand choice that matches nothing, as in Moodle. Matching pairs
  take no ``#`` feedback. Once one ``=`` answer contains ``->``, every
  answer must be a pair: a ``~`` answer or a ``=`` answer without ``->`` is an error.
  GIFT cannot escape ``->``, so a correct choice, a short answer or a matching left side
  cannot contain it (dump raises ValueError rather than write something else).
* Missing word: text after the closing ``}`` on the same line makes the question a
  missing-word one (``blank=True``, ``_____`` in the stem). Text that only starts on a later
  line is reported (a forgotten blank line between questions is far more likely), and so
  is a second answer block. Matching and essay questions cannot be missing-word.
* Text without any brace is what Moodle imports as a "description" (shown, not graded).
  We have no such kind and do not add one: a kind that is never graded would reach quiz
  totals, statistics, regrade and the review, all owned elsewhere, for text an author can
  put in the quiz page itself. It is skipped with a warning at its line, never silently.
* Untitled questions: the parser leaves ``title`` empty; the import names them with
  :func:`default_title` (Moodle's rule) and suffixes repeated titles " (2)", " (3)".
* What Moodle accepts that we still refuse, each with its line: a weight after ``=`` in a
  choice; short-answer or numeric weights of 0% or less (Moodle's feedback for one wrong
  response, which our graders cannot hold); choice weights that do not add up to 100%;
  text after the answer block on a later line, or a second block (Moodle silently makes
  one odd question of two); ``::title`` without its closing ``::``.
* The general feedback is everything after the last ``####`` in the block, as in Moodle.
* Dump is canonical: ``::title::`` only when there is a title, ``:`` and the other specials
  always escaped (as Moodle's exporter does), one answer per line indented by a tab,
  weights only where they are not implied (``=`` for 100% in single_choice and short
  answer, ``~`` for 0%), numbers without float noise (``2.0`` -> ``2``, ``1e-07`` ->
  ``0.0000001``), numeric answers always as ``value:tolerance`` or ``min..max``.
  Where a text would be misread it adds what keeps it literal: ``::::`` before a stem
  starting with ``//``, a format tag before a text starting with ``[word]``, an explicit
  weight before a text starting with ``%...%``. In a missing-word stem the block goes
  where the first ``_____`` is.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

# graders is pure too (its only Django import is ValidationError, usable without settings).
from assessments.graders import WEIGHT_SUM_TOLERANCE

__all__ = [
    "BLANK",
    "FORMATS",
    "QUESTION_TYPES",
    "GiftAnswer",
    "GiftError",
    "GiftNumericAnswer",
    "GiftOption",
    "GiftProblem",
    "GiftQuestion",
    "dump_gift",
    "default_title",
    "parse_gift",
    "to_grading_data",
]

# Same strings as assessments.graders.QUESTION_TYPES; GIFT's syntax decides the type.
QUESTION_TYPES: Final = (
    "single_choice",
    "multiple_response",
    "true_false",
    "short_answer",
    "numeric",
    "matching",
    "essay",
)
FORMATS: Final = ("moodle", "html", "markdown", "plain")
BLANK: Final = "_____"

_CHOICE_TYPES: Final = ("single_choice", "multiple_response")
_NO_BLANK_TYPES: Final = ("matching", "essay")
_TRUE_FALSE_WORDS: Final = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_HUNDRED: Final = Decimal(100)
# Positive weights of a multiple-response question must add up to 100% within this: the
# graders' one rule, in percent.
_WEIGHT_SUM_TOLERANCE: Final = WEIGHT_SUM_TOLERANCE * _HUNDRED


@dataclass(frozen=True)
class GiftProblem:
    """One thing wrong with a GIFT file, at a 1-based line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class GiftError(ValueError):
    """Every problem found in a GIFT file, so an author can fix them all in one go."""

    def __init__(self, errors: Sequence[GiftProblem]) -> None:
        self.errors: list[GiftProblem] = sorted(errors, key=lambda problem: problem.line)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.errors)


@dataclass
class GiftOption:
    """A choice in a single_choice or multiple_response question."""

    text: str
    fraction: float = 0.0
    feedback: str = ""


@dataclass
class GiftAnswer:
    """An accepted short answer; ``*`` is a wildcard for the grader, ``\\*`` a literal star."""

    text: str
    fraction: float = 1.0
    feedback: str = ""


@dataclass
class GiftNumericAnswer:
    """Either value +/- tolerance or an inclusive min..max range."""

    value: float | None = None
    tolerance: float | None = None
    min: float | None = None
    max: float | None = None
    fraction: float = 1.0
    feedback: str = ""

    @property
    def is_range(self) -> bool:
        return self.value is None


@dataclass
class GiftQuestion:
    """One parsed question. ``line`` is where it starts and is left out of equality."""

    type: str
    stem: str = ""
    title: str = ""
    stem_format: str = "moodle"
    general_feedback: str = ""
    category: str | None = None
    marks: float = 1
    options: list[GiftOption] = field(default_factory=list)
    answer: bool | None = None
    feedback_true: str = ""
    feedback_false: str = ""
    answers: list[GiftAnswer | GiftNumericAnswer] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)
    wrong_feedback: str = ""
    blank: bool = False
    line: int = field(default=0, compare=False)
    # Other readers (Moodle XML) give feedback and general feedback their own format; ""
    # means the stem's, which is always the case in GIFT.
    feedback_format: str = ""
    general_feedback_format: str = ""


# --- escapes ------------------------------------------------------------------------------
# Escaped characters become Unicode noncharacters while the structure is parsed, so that
# plain str.find/split can look for the structural ones; they are restored at the end.
_ESCAPABLE: Final = "\\~=#{}:n"
_PLACEHOLDER: Final = {char: chr(0xFDD0 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE: Final = str.maketrans({ph: ("\n" if char == "n" else char) for char, ph in _PLACEHOLDER.items()})
_ESCAPE_RE: Final = re.compile(r"\\([\\~=#{}:n])")
_RESERVED_RE: Final = re.compile("[\ufdd0-\ufdef]")
_FORMAT_RE: Final = re.compile(r"\[([A-Za-z]+)\]")
# A weight never spans a line (escaped "\n" or not) nor the "#" that starts feedback, so
# "%\n%" and "=%#%" (text "%", feedback "%") stay text. dump_gift's guard is a superset.
_WEIGHT_RE: Final = re.compile("%([^%#\n" + _PLACEHOLDER["n"] + "]*)%")
_WEIGHT_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_CONTEXT_PREFIX_RE: Final = re.compile(r"^\$[a-z]+\$(?:/|$)")


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


class _Problems(list[GiftProblem]):
    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[GiftProblem] = []

    def add(self, line: int, message: str) -> None:
        self.append(GiftProblem(line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(GiftProblem(line, message))


@dataclass
class _Block:
    """One question's lines, joined, with a way back from an offset to a line number."""

    lines: list[tuple[int, str]]
    category: str | None
    text: str = ""
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        offset = 0
        for _number, line in self.lines:
            self.starts.append(offset)
            offset += len(line) + 1
        self.text = "\n".join(line for _number, line in self.lines)

    @property
    def first_line(self) -> int:
        return self.lines[0][0]

    def line_at(self, offset: int) -> int:
        index = max(bisect_right(self.starts, offset) - 1, 0)
        return self.lines[index][0]


# --- parsing ------------------------------------------------------------------------------


def parse_gift(text: str, *, warnings: list[GiftProblem] | None = None) -> list[GiftQuestion]:
    """Parse a whole GIFT file; raise GiftError with every problem if anything is wrong.

    What was accepted but not taken as written (a description item skipped, an unknown
    format tag kept as text) is appended to ``warnings`` when a list is given."""
    if not isinstance(text, str):
        raise TypeError("parse_gift() takes the file's text as str")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[GiftQuestion] = []
    problems = _Problems()
    category: str | None = None
    current: list[tuple[int, str]] = []

    def flush() -> None:
        if current:
            block = _Block(list(current), category)
            current.clear()
            question = _parse_block(block, problems)
            if question is not None:
                questions.append(question)

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("//"):
            continue
        elif line.startswith("$CATEGORY:"):
            flush()
            category = _clean_category(line.removeprefix("$CATEGORY:"))
        else:
            if _RESERVED_RE.search(line):
                # These code points are our placeholders; letting them through could turn
                # literal text into structure, so refuse them with a clear message.
                problems.add(number, "the text contains a Unicode noncharacter (U+FDD0-U+FDEF)")
                line = _RESERVED_RE.sub("\ufffd", line)
            current.append((number, _ESCAPE_RE.sub(lambda match: _PLACEHOLDER[match.group(1)], line)))
    flush()
    if warnings is not None:
        warnings.extend(sorted(problems.warnings, key=lambda problem: problem.line))
    if problems:
        raise GiftError(problems)
    return questions


def _clean_category(raw: str) -> str | None:
    path = raw.strip()
    path = _CONTEXT_PREFIX_RE.sub("", path, count=1)
    if path == "top" or path.startswith("top/"):
        path = path[3:]
    path = path.strip().strip("/").strip()
    return path or None


def _take_format(
    raw: str, line: int, problems: _Problems, *, default: str | None = None
) -> tuple[str | None, str, bool]:
    """Split a leading ``[format]`` off a text; returns (format, rest, ok)."""
    stripped = raw.lstrip()
    match = _FORMAT_RE.match(stripped)
    if not match:
        return default, stripped, True
    name = match.group(1).lower()
    if name not in FORMATS:
        # Moodle keeps an unknown [word] as text; so do we, but say so (it may be a typo).
        problems.warn(
            line,
            f"unknown format [{match.group(1)}] kept as text (known: {', '.join(sorted(FORMATS))})",
        )
        return default, stripped, True
    return name, stripped[match.end() :], True


def _field(raw: str, line: int, problems: _Problems) -> tuple[str, bool]:
    """An answer or feedback text: optional format tag removed, unescaped, stripped."""
    _fmt, rest, ok = _take_format(raw, line, problems)
    return _restore(rest).strip(), ok


def _parse_block(block: _Block, problems: _Problems) -> GiftQuestion | None:
    text = block.text
    start_line = block.first_line
    position = 0
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            problems.add(start_line, "unterminated title: '::' without a closing '::'")
            return None
        title = _restore(text[2:end]).strip()
        position = end + 2

    opening = text.find("{", position)
    closing = text.find("}", position)
    if closing >= 0 and (opening < 0 or closing < opening):
        problems.add(block.line_at(closing), "unmatched '}' (write a literal brace as \\})")
        return None
    if opening < 0:
        # Moodle imports this as a "description" (text shown, not graded); we have no such
        # kind, so it is skipped, and said so.
        problems.warn(
            start_line,
            "no answer block: Moodle would import this text as a description; it was skipped",
        )
        return None
    closing = text.find("}", opening)
    nested = text.find("{", opening + 1)
    if closing < 0 or 0 <= nested < closing:
        where = "the end of the question" if closing < 0 else "the next '{'"
        problems.add(
            block.line_at(opening),
            f"unclosed '{{': no '}}' before {where} (a blank line ends a question)",
        )
        return None

    after = text[closing + 1 :]
    blank = False
    # Judge the unescaped text: an escaped "\n" alone is whitespace, not a sentence.
    if _restore(after).strip():
        first_line_after = after.split("\n", 1)[0]
        text_start = closing + 1 + len(after) - len(after.lstrip())
        if not _restore(first_line_after).strip():
            problems.add(
                block.line_at(text_start),
                "text after the answer block on a later line: separate questions with a blank "
                "line (a missing-word question continues on the same line as '}')",
            )
            return None
        if "{" in after:
            problems.add(
                block.line_at(closing + 1 + after.index("{")),
                "text after the answer block holds a second answer block; a question has one",
            )
            return None
        if "}" in after:
            problems.add(
                block.line_at(closing + 1 + after.index("}")),
                "unmatched '}' (write a literal brace as \\})",
            )
            return None
        blank = True

    errors_before = len(problems)
    stem_raw = text[position:opening]
    stem_line = block.line_at(position + len(stem_raw) - len(stem_raw.lstrip()))
    stem_format, before, _ok = _take_format(stem_raw, stem_line, problems, default="moodle")
    stem_format = stem_format or "moodle"
    tail = BLANK + _restore(after) if blank else ""
    stem = (_restore(before) + tail).strip()

    inner = text[opening + 1 : closing]
    inner_offset = opening + 1
    general_feedback = ""
    separator = inner.rfind("####")
    if separator >= 0:
        general_feedback, _ok = _field(
            inner[separator + 4 :], block.line_at(inner_offset + separator), problems
        )
        inner = inner[:separator]

    question = GiftQuestion(
        type="essay",
        stem=stem,
        title=title,
        stem_format=stem_format,
        general_feedback=general_feedback,
        category=block.category,
        blank=blank,
        line=start_line,
    )
    body = inner.strip()
    if not body:
        question.type = "essay"
    elif body.startswith("#"):
        _parse_numeric(question, inner, inner_offset, block, problems)
    elif body.split("#", 1)[0].strip() in _TRUE_FALSE_WORDS:
        _parse_true_false(question, body, block.line_at(inner_offset), problems)
    else:
        items = _split_items(inner, inner_offset)
        # An unmarked answer counts too: "{a -> b}" is a malformed pair, not a short answer
        # that could never be written back.
        if any(item.marker != "~" and "->" in item.content.split("#", 1)[0] for item in items):
            _parse_matching(question, items, block, problems)
        elif any(item.marker == "~" for item in items):
            _parse_choice(question, items, block, problems)
        else:
            _parse_short_answer(question, items, block, problems)

    if blank and question.type in _NO_BLANK_TYPES:
        kind = "a matching" if question.type == "matching" else "an essay"
        problems.add(
            block.line_at(closing),
            f"text after the answer block: {kind} question cannot be a missing-word question",
        )
    return question if len(problems) == errors_before else None


@dataclass
class _Item:
    marker: str | None  # "=", "~" or None for text before the first marker
    content: str
    offset: int


def _split_items(segment: str, offset: int) -> list[_Item]:
    markers = list(re.finditer(r"[=~]", segment))
    items: list[_Item] = []
    prefix = segment[: markers[0].start()] if markers else segment
    if prefix.strip():
        items.append(_Item(None, prefix, offset + len(prefix) - len(prefix.lstrip())))
    for index, match in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(segment)
        items.append(_Item(match.group(), segment[match.end() : end], offset + match.start()))
    return items


def _take_weight(content: str, line: int, problems: _Problems) -> tuple[Decimal | None, str, bool]:
    """Split a leading ``%weight%`` off an answer; returns (percent, rest, ok)."""
    stripped = content.lstrip()
    match = _WEIGHT_RE.match(stripped)
    if not match:
        return None, stripped, True
    raw = match.group(1).strip()
    rest = stripped[match.end() :]
    if not _WEIGHT_NUMBER_RE.fullmatch(raw):
        problems.add(line, f"weight '%{_restore(raw)}%' is not a number")
        return None, rest, False
    weight = Decimal(raw)
    if not -_HUNDRED <= weight <= _HUNDRED:
        problems.add(line, f"weight {raw}% is outside -100..100")
        return None, rest, False
    return weight, rest, True


def _split_feedback(content: str) -> tuple[str, str | None]:
    text, separator, feedback = content.partition("#")
    return text, (feedback if separator else None)


def _as_fraction(percent: Decimal) -> float:
    return float(percent / _HUNDRED)


def _parse_choice(question: GiftQuestion, items: list[_Item], block: _Block, problems: _Problems) -> None:
    options: list[GiftOption] = []
    percents: list[Decimal] = []
    has_equals = False
    for item in items:
        line = block.line_at(item.offset)
        if item.marker is None:
            problems.add(line, "answer text before the first '=' or '~'")
            continue
        weight, rest, ok = _take_weight(item.content, line, problems)
        if item.marker == "=":
            has_equals = True
            if weight is not None and weight != _HUNDRED:
                problems.add(
                    line,
                    f"'=' marks a fully correct answer, so weight {weight}% is not allowed; "
                    f"write '~%{weight}%' for partial credit",
                )
                ok = False
            percent = _HUNDRED
        else:
            percent = weight if weight is not None else Decimal(0)
        raw_text, raw_feedback = _split_feedback(rest)
        text, text_ok = _field(raw_text, line, problems)
        feedback, feedback_ok = _field(raw_feedback or "", line, problems)
        if not text:
            problems.add(line, "empty answer")
        if ok and text_ok and feedback_ok and text:
            options.append(GiftOption(text, _as_fraction(percent), feedback))
            percents.append(percent)
    question.options = options
    question.type = "single_choice"
    if len(items) < 2:
        problems.add(question.line, "a multiple-choice question needs at least 2 answers")
        return
    if has_equals or len(options) != len(items):
        return
    # As in Moodle, a choice question without '=' allows several answers, whatever the weights.
    question.type = "multiple_response"
    positive = [p for p in percents if p > 0]
    if not positive:
        problems.add(
            question.line,
            "no correct answer: mark one with '=' or give answers positive weights",
        )
        return
    total = sum(positive, Decimal(0))
    if abs(total - _HUNDRED) > _WEIGHT_SUM_TOLERANCE:
        problems.add(
            question.line,
            f"the positive weights add up to {total}%, not 100%, so no response could get full marks",
        )


def _parse_short_answer(
    question: GiftQuestion, items: list[_Item], block: _Block, problems: _Problems
) -> None:
    question.type = "short_answer"
    answers: list[GiftAnswer | GiftNumericAnswer] = []
    for item in items:
        line = block.line_at(item.offset)
        weight, rest, ok = _take_weight(item.content, line, problems)
        if weight is not None and weight <= 0:
            problems.add(line, f"weight {weight}%: short-answer weights must be above 0%")
            ok = False
        raw_text, raw_feedback = _split_feedback(rest)
        text, text_ok = _field(raw_text, line, problems)
        feedback, feedback_ok = _field(raw_feedback or "", line, problems)
        if not text:
            problems.add(line, "empty answer")
        elif ok and text_ok and feedback_ok:
            percent = weight if weight is not None else _HUNDRED
            answers.append(GiftAnswer(text, _as_fraction(percent), feedback))
    question.answers = answers
    if answers and len(answers) == len(items) and all(a.fraction < 1 for a in answers):
        problems.add(question.line, "no answer is worth 100%, so no response gets full marks")


def _parse_true_false(question: GiftQuestion, body: str, line: int, problems: _Problems) -> None:
    question.type = "true_false"
    word, *feedbacks = body.split("#", 2)
    question.answer = _TRUE_FALSE_WORDS[word.strip()]
    wrong, _ok = _field(feedbacks[0] if feedbacks else "", line, problems)
    right, _ok = _field(feedbacks[1] if len(feedbacks) > 1 else "", line, problems)
    if question.answer:
        question.feedback_true, question.feedback_false = right, wrong
    else:
        question.feedback_true, question.feedback_false = wrong, right


def _parse_matching(question: GiftQuestion, items: list[_Item], block: _Block, problems: _Problems) -> None:
    question.type = "matching"
    pairs: list[tuple[str, str]] = []
    distractors: list[str] = []
    for item in items:
        line = block.line_at(item.offset)
        if item.marker is None:
            problems.add(line, "answer text before the first '=' in a matching question")
            continue
        if item.marker == "~":
            problems.add(line, "cannot mix '->' pairs with other answers ('~') in one question")
            continue
        if "->" not in item.content:
            problems.add(
                line,
                "matching pair without '->' (cannot mix '->' pairs with other answers)",
            )
            continue
        if "#" in item.content:
            problems.add(line, "matching pairs take no '#' feedback (write a literal # as \\#)")
            continue
        raw_left, raw_right = item.content.split("->", 1)
        left, ok = _field(raw_left, line, problems)
        right = _restore(raw_right).strip()
        if not right:
            problems.add(line, "matching pair with nothing after '->'")
        elif not ok:
            continue
        elif left:
            pairs.append((left, right))
        else:
            distractors.append(right)
    question.pairs = pairs
    question.distractors = distractors
    if len(pairs) < 2 and len(pairs) + len(distractors) == len(items):
        problems.add(question.line, f"a matching question needs at least 2 pairs (found {len(pairs)})")


def _parse_number(raw: str, what: str, line: int, problems: _Problems) -> float | None:
    text = _restore(raw).strip()
    if not _NUMBER_RE.fullmatch(text):
        problems.add(line, f"{what} {text!r} is not a number")
        return None
    number = float(text)
    if number in (float("inf"), float("-inf")):
        problems.add(line, f"{what} {text!r} is out of range")
        return None
    return number


def _parse_numeric_answer(spec: str, line: int, problems: _Problems) -> GiftNumericAnswer | None:
    spec = spec.strip()
    if ".." in spec:
        low_raw, high_raw = spec.split("..", 1)
        low = _parse_number(low_raw, "range minimum", line, problems)
        high = _parse_number(high_raw, "range maximum", line, problems)
        if low is None or high is None:
            return None
        if low > high:
            problems.add(
                line,
                f"bad range: minimum {low_raw.strip()} is greater than maximum {high_raw.strip()}",
            )
            return None
        return GiftNumericAnswer(min=low, max=high)
    value_raw, _separator, tolerance_raw = spec.partition(":")
    value = _parse_number(value_raw, "numeric answer", line, problems)
    tolerance = _parse_number(tolerance_raw, "tolerance", line, problems) if _separator else 0.0
    if value is None or tolerance is None:
        return None
    if tolerance < 0:
        problems.add(line, f"negative tolerance {tolerance_raw.strip()}")
        return None
    return GiftNumericAnswer(value=value, tolerance=tolerance)


def _parse_numeric(
    question: GiftQuestion, inner: str, offset: int, block: _Block, problems: _Problems
) -> None:
    question.type = "numeric"
    hash_at = inner.index("#")
    items = _split_items(inner[hash_at + 1 :], offset + hash_at + 1)
    answers: list[GiftAnswer | GiftNumericAnswer] = []
    seen_wrong = False
    good = True
    for item in items:
        line = block.line_at(item.offset)
        if item.marker == "~":
            spec, feedback_raw = _split_feedback(item.content)
            if spec.strip() or feedback_raw is None:
                problems.add(
                    line,
                    "in a numeric question '~' only introduces feedback for wrong answers, as '~#feedback'",
                )
                good = False
            elif seen_wrong:
                problems.add(line, "only one '~#' wrong-answer feedback is allowed")
                good = False
            else:
                question.wrong_feedback, ok = _field(feedback_raw, line, problems)
                good = good and ok
            seen_wrong = True
            continue
        weight, rest, ok = _take_weight(item.content, line, problems)
        if weight is not None and weight <= 0:
            problems.add(line, f"weight {weight}%: numeric weights must be above 0%")
            ok = False
        spec, feedback_raw = _split_feedback(rest)
        feedback, feedback_ok = _field(feedback_raw or "", line, problems)
        answer = _parse_numeric_answer(spec, line, problems)
        if answer is None or not (ok and feedback_ok):
            good = False
            continue
        answer.fraction = _as_fraction(weight if weight is not None else _HUNDRED)
        answer.feedback = feedback
        answers.append(answer)
    question.answers = answers
    if not good:
        return
    if not answers:
        problems.add(question.line, "numeric question has no answers")
    elif all(a.fraction < 1 for a in answers):
        problems.add(question.line, "no answer is worth 100%, so no response gets full marks")


# --- writing ------------------------------------------------------------------------------

_SPECIALS: Final = {char: "\\" + char for char in "\\~=#{}:"} | {"\n": "\\n"}
_FORMAT_LOOKALIKE_RE: Final = re.compile(r"\s*\[[A-Za-z]+\]")
_WEIGHT_LOOKALIKE_RE: Final = re.compile(r"\s*%[^%\n]*%")


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(_SPECIALS.get(char, char) for char in text)


def _text(text: str, fmt: str) -> str:
    """An answer or feedback text, guarded so a leading [word] is not read as a format."""
    prefix = f"[{fmt}]" if _FORMAT_LOOKALIKE_RE.match(text) else ""
    return prefix + _escape(text)


def _decimal_text(number: Decimal) -> str:
    if not number.is_finite():
        raise ValueError(f"cannot write the number {number} in GIFT")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number(value: float | None) -> str:
    """Shortest exact decimal for a float, never in exponent form and never '-0'."""
    # repr() is the shortest string that reads back as the same float: no float noise.
    return _decimal_text(Decimal(repr(float(value or 0))))


def _percent(fraction: float) -> str:
    return _decimal_text(Decimal(repr(float(fraction))) * _HUNDRED)


def _weighted(marker: str, fraction: float, text: str, *, implied: float | None) -> str:
    """``marker`` plus a ``%weight%`` unless the marker implies it and the text is safe."""
    if fraction == implied and not _WEIGHT_LOOKALIKE_RE.match(text):
        return marker
    return f"{marker}%{_percent(fraction)}%"


def _no_arrow(text: str, what: str) -> None:
    if "->" in text:
        raise ValueError(f"GIFT cannot write {what} containing '->': {text!r}")


def _answer_lines(question: GiftQuestion, fmt: str) -> list[str]:
    def with_feedback(line: str, feedback: str) -> str:
        return line + (f"#{_text(feedback, fmt)}" if feedback else "")

    lines: list[str] = []
    if question.type in _CHOICE_TYPES:
        single = question.type == "single_choice"
        for option in question.options:
            if single and option.fraction == 1:
                _no_arrow(option.text, "a correct choice")
                marker = _weighted("=", option.fraction, option.text, implied=1)
            else:
                marker = _weighted("~", option.fraction, option.text, implied=0)
            lines.append(with_feedback(marker + _text(option.text, fmt), option.feedback))
    elif question.type == "short_answer":
        for answer in question.answers:
            if not isinstance(answer, GiftAnswer):
                raise ValueError("short-answer questions take GiftAnswer answers")
            _no_arrow(answer.text, "a short answer")
            marker = _weighted("=", answer.fraction, answer.text, implied=1)
            lines.append(with_feedback(marker + _text(answer.text, fmt), answer.feedback))
    elif question.type == "numeric":
        for answer in question.answers:
            if not isinstance(answer, GiftNumericAnswer):
                raise ValueError("numeric questions take GiftNumericAnswer answers")
            if answer.is_range:
                spec = f"{_number(answer.min)}..{_number(answer.max)}"
            else:
                spec = f"{_number(answer.value)}:{_number(answer.tolerance)}"
            marker = _weighted("=", answer.fraction, spec, implied=1)
            lines.append(with_feedback(marker + spec, answer.feedback))
        if question.wrong_feedback:
            lines.append(f"~#{_text(question.wrong_feedback, fmt)}")
    elif question.type == "matching":
        for left, right in question.pairs:
            _no_arrow(left, "a matching left side")
            lines.append(f"={_text(left, fmt)} -> {_escape(right)}")
        lines.extend(f"= -> {_escape(distractor)}" for distractor in question.distractors)
    return lines


def _answer_block(question: GiftQuestion, fmt: str) -> str:
    general = f"####{_text(question.general_feedback, fmt)}" if question.general_feedback else ""
    if question.type == "essay":
        return "{" + general + "}"
    if question.type == "true_false":
        right, wrong = (
            (question.feedback_true, question.feedback_false)
            if question.answer
            else (question.feedback_false, question.feedback_true)
        )
        block = "{TRUE" if question.answer else "{FALSE"
        if wrong or right:
            block += f"#{_text(wrong, fmt)}" if wrong else "#"
        if right:
            block += f"#{_text(right, fmt)}"
        return block + general + "}"
    lines = _answer_lines(question, fmt)
    if general:
        lines.append(general)
    opening = "{#\n" if question.type == "numeric" else "{\n"
    return opening + "".join(f"\t{line}\n" for line in lines) + "}"


def _dump_question(question: GiftQuestion) -> str:
    if question.type not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {question.type!r}")
    fmt = question.stem_format or "moodle"
    if fmt not in FORMATS:
        raise ValueError(f"unknown stem format {fmt!r}")
    stem = question.stem.replace("\r\n", "\n").replace("\r", "\n")
    head = ""
    # "::::" keeps a stem starting with "//" from being read as a comment line.
    if question.title or stem.lstrip().startswith("//"):
        head = f"::{_escape(question.title)}::"
    if fmt != "moodle" or _FORMAT_LOOKALIKE_RE.match(stem):
        head += f"[{fmt}]"
    block = _answer_block(question, fmt)
    if question.blank and BLANK in stem:
        before, after = stem.split(BLANK, 1)
        return head + _escape(before) + block + _escape(after)
    return head + _escape(stem) + (" " if stem else "") + block


def dump_gift(questions: Iterable[GiftQuestion]) -> str:
    """Write canonical GIFT; raise ValueError for a question GIFT cannot express."""
    chunks: list[str] = []
    category: str | None = None
    for question in questions:
        if question.category != category:
            path = " ".join((question.category or "").split()) or "$course$/top"
            chunks.append(f"$CATEGORY: {path}")
            category = question.category
        chunks.append(_dump_question(question))
    return "\n\n".join(chunks) + ("\n" if chunks else "")


# --- names for untitled questions ----------------------------------------------------------

TITLE_LENGTH: Final = 80
DEFAULT_TITLE: Final = "Question"
_TAG_RE: Final = re.compile(r"<.*?>", re.DOTALL)


def default_title(stem: str) -> str:
    """The name Moodle gives an untitled question: ``shorten_text(text, 80)`` then
    ``clean_param(PARAM_TEXT)`` (question/format.php, create_default_question_name).

    Tags are removed; a text of at most 80 characters is the name; a longer one is cut to
    77, back to its last space or full stop (or a CJK character, which may end anywhere),
    and "..." is added. One difference: runs of whitespace become one space, since a title
    is one line. The result depends only on the text, so a re-import finds the same name.
    """
    plain = " ".join(_TAG_RE.sub("", stem).split())
    if len(plain) <= TITLE_LENGTH:
        return plain or DEFAULT_TITLE
    cut = plain[: TITLE_LENGTH - 3]
    for index in range(len(cut) - 1, 0, -1):
        char = cut[index]
        if char in ". " or len(char.encode()) > 2:
            cut = cut[: index + 1]
            break
    return (cut + "...").strip()


# --- bridge to the graders ----------------------------------------------------------------


def to_grading_data(question: GiftQuestion, *, ids: Sequence[str] | None = None) -> dict[str, Any]:
    """Grading data for assessments.graders from a parsed question.

    ``ids`` name the options (choice types) or the left items (matching), in order; by
    default they are "1", "2", ... Texts stay raw in the question's ``stem_format``:
    converting them to HTML is the caller's job.
    """
    data: dict[str, Any] = {"type": question.type, "marks": question.marks}
    count = len(question.options) if question.type in _CHOICE_TYPES else len(question.pairs)
    names = list(ids) if ids is not None else [str(n) for n in range(1, count + 1)]
    if len(names) < count:
        raise ValueError(f"need {count} ids, got {len(names)}")
    if question.type in _CHOICE_TYPES:
        data["options"] = [
            {"id": name, "text": o.text, "fraction": o.fraction, "feedback": o.feedback}
            for name, o in zip(names, question.options, strict=False)
        ]
    elif question.type == "true_false":
        data["answer"] = bool(question.answer)
        data["feedback_true"] = question.feedback_true
        data["feedback_false"] = question.feedback_false
    elif question.type == "short_answer":
        data["answers"] = [
            {"text": a.text, "fraction": a.fraction, "feedback": a.feedback}
            for a in question.answers
            if isinstance(a, GiftAnswer)
        ]
    elif question.type == "numeric":
        answers = []
        for a in question.answers:
            if not isinstance(a, GiftNumericAnswer):
                continue
            bounds = (
                {"min": a.min, "max": a.max}
                if a.is_range
                else {"value": a.value, "tolerance": a.tolerance or 0.0}
            )
            answers.append({**bounds, "fraction": a.fraction, "feedback": a.feedback})
        data["answers"] = answers
    elif question.type == "matching":
        data["pairs"] = [
            {"id": name, "left": left, "right": right}
            for name, (left, right) in zip(names, question.pairs, strict=False)
        ]
        data["distractors"] = list(question.distractors)
    else:
        data["rubric"] = []
    return data
