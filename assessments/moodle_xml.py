r"""Read and write Moodle XML question files (question/format/xml in Moodle).

Why: coordinators bring whole question banks from Moodle, and Moodle XML is the one
export that keeps every question type, category and embedded image. Like
``assessments.gift`` this module is pure (no database, settings or models): it reads into
the same ``gift.GiftQuestion`` objects, so the import service, the question kinds and the
graders are shared by both formats, and it reports every problem of a file at once.

``parse_moodle_xml(data)`` returns a MoodleXmlParse (questions with their files, and
warnings) or raises MoodleXmlError; ``dump_moodle_xml(questions)`` writes canonical XML
that parses back to the same questions, and writing those again gives the identical bytes.

Decisions (each is tested):

* Parsed with ``defusedxml`` and ``forbid_dtd=True``: a Moodle export never has a DOCTYPE,
  so any DTD is refused before anything is read. That refuses external entities (XXE),
  entity expansion ("billion laughs") and external DTDs in one rule; the file imports
  nothing and the error says why.
* Where a problem is: ElementTree does not keep line numbers, so a problem is located by
  element, as ``question 7 (<question type="numerical">), <answer> 2: ...``, counting every
  ``<question>`` element of the file from 1 (categories included, as in the file).
* Types: multichoice (``<single>`` true -> single_choice, false -> multiple_response),
  truefalse, shortanswer, numerical (value and ``<tolerance>``; an answer ``*`` is the
  feedback for any other number), matching (a ``<subquestion>`` with empty text is a
  distractor, as Moodle writes one), essay. ``category`` sets the bank of the questions
  after it (its ``$course$/`` context and ``top`` are dropped, as in GIFT). A
  ``description`` or any other type is skipped with a warning, never silently.
* Texts: ``html``, ``moodle_auto_format``, ``plain_text`` and ``markdown`` map to GIFT's
  html, moodle, plain and markdown. The question text and general feedback keep their
  format (the import service converts them and cleans HTML with Wagtail's whitelister,
  exactly as for GIFT). Answer, matching and feedback texts are stored as plain text by
  our kinds, so an HTML one is turned into text here (tags removed, entities decoded).
* Kept because our kinds hold them: the name, ``<defaultgrade>`` (marks), per-answer
  feedback, general feedback and true/false feedback. Ignored with a warning naming the
  elements (only when they say something): ``<penalty>``, the combined feedbacks
  (correct/partially correct/incorrect), ``<hint>``, ``<usecase>`` 1 (our short answers
  ignore case), units, an essay's ``<graderinfo>`` and ``<responsetemplate>``, and
  ``<file>`` elements outside the question text. A short-answer or numerical answer worth
  0% is feedback for one wrong response, which our graders cannot hold: skipped with a
  warning.
* Images: ``<file encoding="base64">`` elements of the question text are decoded here; a
  file that is not valid base64 is an error at its element. Whether it is an image is the
  import service's check (it needs Pillow and Wagtail's image model).
* A missing-word question has no element of its own in Moodle XML: a choice, true/false,
  short-answer or numerical stem containing ``_____`` is read as one.
* Dump is canonical: UTF-8, two-space indentation, one category element whenever the bank
  changes, texts escaped (never CDATA, which cannot hold ``]]>``; a carriage return is
  written ``&#13;`` so it survives XML's line-end normalisation), numbers without float
  noise, question text and general feedback as ``html``, every other text as
  ``plain_text``. A numeric range min..max is written as its midpoint and half-width, the
  only form Moodle has, so it reads back as value and tolerance.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from assessments import gift

__all__ = [
    "MoodleFile",
    "MoodleQuestion",
    "MoodleXmlError",
    "MoodleXmlParse",
    "XmlProblem",
    "dump_moodle_xml",
    "parse_moodle_xml",
]

TEXT_FORMATS: Final = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "markdown": "markdown",
}
_FORMAT_NAMES: Final = {ours: theirs for theirs, ours in TEXT_FORMATS.items()}
_SUPPORTED: Final = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay")
_HUNDRED: Final = Decimal(100)
_TAG_RE: Final = re.compile(r"<[^>]*>")
_XML_INVALID_RE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_COMBINED_FEEDBACK: Final = ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")


@dataclass(frozen=True)
class XmlProblem:
    """One thing wrong with (or left out of) a Moodle XML file, at an element."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class MoodleXmlError(ValueError):
    """Every problem found in a Moodle XML file."""

    def __init__(self, errors: list[XmlProblem]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(problem) for problem in self.errors))


@dataclass(frozen=True)
class MoodleFile:
    """A file embedded in a question text; ``where`` names its element for error messages."""

    name: str
    data: bytes
    where: str


@dataclass
class MoodleQuestion:
    """A parsed question, its position among the file's ``<question>`` elements and its files."""

    question: gift.GiftQuestion
    number: int
    where: str
    files: list[MoodleFile] = field(default_factory=list)


@dataclass
class MoodleXmlParse:
    questions: list[MoodleQuestion]
    warnings: list[XmlProblem]


class _Problems(list[XmlProblem]):
    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[XmlProblem] = []

    def add(self, where: str, message: str) -> None:
        self.append(XmlProblem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(XmlProblem(where, message))


# --- reading ------------------------------------------------------------------------------


def parse_moodle_xml(data: bytes | str) -> MoodleXmlParse:
    """Parse a whole Moodle XML file; raise MoodleXmlError with every problem found."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden as error:
        raise MoodleXmlError(
            [XmlProblem("", "the file declares a DTD or entities, which Moodle XML never has; refused")]
        ) from error
    except defusedxml.DefusedXmlException as error:
        raise MoodleXmlError([XmlProblem("", f"refused: {error}")]) from error
    except ParseError as error:
        line, column = error.position
        where = f"line {line}, column {column + 1}"
        raise MoodleXmlError([XmlProblem(where, "the file is not well-formed XML")]) from error
    if root.tag != "quiz":
        raise MoodleXmlError([XmlProblem(f"<{root.tag}>", "a Moodle XML file starts with <quiz>")])
    problems = _Problems()
    questions: list[MoodleQuestion] = []
    category: str | None = None
    for number, element in enumerate(root, start=1):
        if element.tag != "question":
            problems.warn(f"<{element.tag}>", "not a <question>; skipped")
            continue
        qtype = element.get("type", "")
        where = f'question {number} (<question type="{qtype}">)'
        if qtype == "category":
            category = gift._clean_category(_text_of(element.find("category")))
            continue
        if qtype not in _SUPPORTED:
            problems.warn(where, f"Moodle's {qtype or 'untyped'} questions have no kind here; skipped")
            continue
        errors_before = len(problems)
        parsed = _read_question(element, qtype, where, number, category, problems)
        if parsed is not None and len(problems) == errors_before:
            questions.append(parsed)
    if problems:
        raise MoodleXmlError(list(problems))
    return MoodleXmlParse(questions=questions, warnings=problems.warnings)


def _text_of(element: Element | None) -> str:
    """The ``<text>`` child of an element (or the element's own text), "" when absent."""
    if element is None:
        return ""
    text = element.find("text")
    return (text.text if text is not None else element.text) or ""


def _formatted(element: Element | None, where: str, problems: _Problems) -> tuple[str, str]:
    """(text, GIFT format name) of a text element with a ``format`` attribute."""
    if element is None:
        return "", "html"
    name = element.get("format", "html")
    fmt = TEXT_FORMATS.get(name)
    if fmt is None:
        problems.add(where, f"unknown text format {name!r} (known: {', '.join(TEXT_FORMATS)})")
        return "", "html"
    return _text_of(element), fmt


def _plain(text: str, fmt: str) -> str:
    """A text our kinds store as plain text: HTML becomes its text."""
    if fmt == "html":
        return html.unescape(_TAG_RE.sub("", text)).strip()
    return text.strip()


def _plain_of(element: Element | None, where: str, problems: _Problems) -> str:
    text, fmt = _formatted(element, where, problems)
    return _plain(text, fmt)


def _decimal(raw: str | None, what: str, where: str, problems: _Problems) -> Decimal | None:
    try:
        number = Decimal((raw or "").strip())
    except InvalidOperation:
        problems.add(where, f"{what} {raw!r} is not a number")
        return None
    if not number.is_finite():
        problems.add(where, f"{what} {raw!r} is not a number")
        return None
    return number


def _fraction(answer: Element, where: str, problems: _Problems) -> float | None:
    percent = _decimal(answer.get("fraction", "0"), "fraction", where, problems)
    if percent is None:
        return None
    if not -_HUNDRED <= percent <= _HUNDRED:
        problems.add(where, f"fraction {answer.get('fraction')} is outside -100..100")
        return None
    return float(percent / _HUNDRED)


def _ignored(element: Element, qtype: str) -> list[str]:
    """The elements this question sets that we do not keep (only those that say something)."""
    ignored = []
    penalty = element.findtext("penalty")
    if penalty and penalty.strip() and Decimal(_safe_number(penalty)) != 0:
        ignored.append("<penalty>")
    ignored += [f"<{name}>" for name in _COMBINED_FEEDBACK if _text_of(element.find(name)).strip()]
    if element.find("hint") is not None:
        ignored.append("<hint>")
    if qtype == "shortanswer" and (element.findtext("usecase") or "0").strip() not in ("", "0"):
        ignored.append("<usecase>")
    if qtype == "numerical" and element.find("units/unit") is not None:
        ignored.append("<units>")
    if qtype == "essay":
        ignored += [
            f"<{name}>" for name in ("graderinfo", "responsetemplate") if _text_of(element.find(name)).strip()
        ]
    for parent in element.iter():
        if parent.tag != "questiontext" and parent.find("file") is not None:
            ignored.append(f"<file> in <{parent.tag}>")
    return sorted(set(ignored), key=ignored.index)


def _safe_number(raw: str) -> str:
    try:
        return str(Decimal(raw.strip()))
    except InvalidOperation:
        return "1"


def _files(element: Element | None, where: str, problems: _Problems) -> list[MoodleFile]:
    files = []
    if element is None:
        return files
    for index, file in enumerate(element.findall("file"), start=1):
        name = file.get("name", "")
        file_where = f'{where}, <questiontext> <file name="{name}"> {index}'
        if file.get("encoding", "base64") != "base64":
            problems.add(file_where, "only base64 files can be read")
            continue
        try:
            data = base64.b64decode((file.text or "").strip(), validate=True)
        except (binascii.Error, ValueError):
            problems.add(file_where, "the file is not valid base64")
            continue
        files.append(MoodleFile(name=name, data=data, where=file_where))
    return files


def _read_question(
    element: Element, qtype: str, where: str, number: int, category: str | None, problems: _Problems
) -> MoodleQuestion | None:
    stem, stem_format = _formatted(element.find("questiontext"), f"{where}, <questiontext>", problems)
    general, general_format = _formatted(
        element.find("generalfeedback"), f"{where}, <generalfeedback>", problems
    )
    marks = _decimal(element.findtext("defaultgrade") or "1", "<defaultgrade>", where, problems)
    if marks is not None and marks <= 0:
        problems.add(where, f"<defaultgrade> {marks} must be above 0")
    question = gift.GiftQuestion(
        type="essay",
        title=" ".join(_text_of(element.find("name")).split()),
        stem=stem.strip(),
        stem_format=stem_format,
        general_feedback=general.strip(),
        general_feedback_format=general_format,
        feedback_format="plain",
        category=category,
        marks=float(marks) if marks is not None and marks > 0 else 1,
        line=number,
    )
    reader = _READERS[qtype]
    reader(question, element, where, problems)
    if gift.BLANK in question.stem and question.type not in ("matching", "essay"):
        question.blank = True
    ignored = _ignored(element, qtype)
    if ignored:
        problems.warn(where, f"ignored (no place for it here): {', '.join(ignored)}")
    files = _files(element.find("questiontext"), where, problems)
    return MoodleQuestion(question=question, number=number, where=where, files=files)


def _answers(element: Element, where: str):
    for index, answer in enumerate(element.findall("answer"), start=1):
        yield answer, f"{where}, <answer> {index}"


def _read_multichoice(question: gift.GiftQuestion, element: Element, where: str, problems: _Problems) -> None:
    single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
    question.type = "single_choice" if single else "multiple_response"
    for answer, answer_where in _answers(element, where):
        fraction = _fraction(answer, answer_where, problems)
        text = _plain_of(answer, answer_where, problems)
        if not text:
            problems.add(answer_where, "empty answer")
        elif fraction is not None:
            feedback = _plain_of(answer.find("feedback"), f"{answer_where}, <feedback>", problems)
            question.options.append(gift.GiftOption(text, fraction, feedback))
    if len(element.findall("answer")) < 2:
        problems.add(where, "a multiple-choice question needs at least 2 answers")


def _read_truefalse(question: gift.GiftQuestion, element: Element, where: str, problems: _Problems) -> None:
    question.type = "true_false"
    seen: dict[str, float] = {}
    for answer, answer_where in _answers(element, where):
        word = _plain_of(answer, answer_where, problems).lower()
        if word not in ("true", "false"):
            problems.add(answer_where, f"a true/false answer is 'true' or 'false', not {word!r}")
            continue
        fraction = _fraction(answer, answer_where, problems)
        seen[word] = fraction or 0.0
        feedback = _plain_of(answer.find("feedback"), f"{answer_where}, <feedback>", problems)
        if word == "true":
            question.feedback_true = feedback
        else:
            question.feedback_false = feedback
    if set(seen) != {"true", "false"} or sorted(seen.values()) != [0.0, 1.0]:
        problems.add(where, "a true/false question needs a 'true' and a 'false' answer, one worth 100%")
        return
    question.answer = seen["true"] == 1.0


def _read_shortanswer(question: gift.GiftQuestion, element: Element, where: str, problems: _Problems) -> None:
    question.type = "short_answer"
    for answer, answer_where in _answers(element, where):
        fraction = _fraction(answer, answer_where, problems)
        text = _plain_of(answer, answer_where, problems)
        if fraction is None:
            continue
        if fraction <= 0:
            problems.warn(
                answer_where, "an answer worth 0% or less (feedback for one wrong response) is skipped"
            )
            continue
        if not text:
            problems.add(answer_where, "empty answer")
            continue
        feedback = _plain_of(answer.find("feedback"), f"{answer_where}, <feedback>", problems)
        question.answers.append(gift.GiftAnswer(text, fraction, feedback))
    if not any(a.fraction == 1 for a in question.answers):
        problems.add(where, "no answer is worth 100%, so no response gets full marks")


def _read_numerical(question: gift.GiftQuestion, element: Element, where: str, problems: _Problems) -> None:
    question.type = "numeric"
    for answer, answer_where in _answers(element, where):
        fraction = _fraction(answer, answer_where, problems)
        raw = _plain_of(answer, answer_where, problems)
        feedback = _plain_of(answer.find("feedback"), f"{answer_where}, <feedback>", problems)
        if fraction is None:
            continue
        if raw == "*":
            if fraction:
                problems.warn(
                    answer_where, "an answer '*' worth more than 0% is kept as wrong-answer feedback only"
                )
            question.wrong_feedback = feedback
            continue
        if fraction <= 0:
            problems.warn(
                answer_where, "an answer worth 0% or less (feedback for one wrong number) is skipped"
            )
            continue
        value = _decimal(raw, "answer", answer_where, problems)
        tolerance = _decimal(answer.findtext("tolerance") or "0", "<tolerance>", answer_where, problems)
        if value is None or tolerance is None:
            continue
        if tolerance < 0:
            problems.add(answer_where, f"negative <tolerance> {tolerance}")
            continue
        question.answers.append(
            gift.GiftNumericAnswer(
                value=float(value), tolerance=float(tolerance), fraction=fraction, feedback=feedback
            )
        )
    if not any(a.fraction == 1 for a in question.answers):
        problems.add(where, "no answer is worth 100%, so no response gets full marks")


def _read_matching(question: gift.GiftQuestion, element: Element, where: str, problems: _Problems) -> None:
    question.type = "matching"
    for index, sub in enumerate(element.findall("subquestion"), start=1):
        sub_where = f"{where}, <subquestion> {index}"
        left = _plain_of(sub, sub_where, problems)
        right = _plain(_text_of(sub.find("answer")), "plain")
        if not right:
            problems.add(sub_where, "a matching pair needs an <answer>")
        elif left:
            question.pairs.append((left, right))
        else:
            question.distractors.append(right)
    if len(question.pairs) < 2:
        problems.add(where, f"a matching question needs at least 2 pairs (found {len(question.pairs)})")


def _read_essay(question: gift.GiftQuestion, element: Element, where: str, problems: _Problems) -> None:
    question.type = "essay"


_READERS: Final = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "numerical": _read_numerical,
    "matching": _read_matching,
    "essay": _read_essay,
}


# --- writing ------------------------------------------------------------------------------


def _escape(text: str, *, attribute: bool = False) -> str:
    text = text.replace("\r\n", "\n")
    if _XML_INVALID_RE.search(text):
        raise ValueError(f"XML 1.0 cannot hold the control characters in {text!r}")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _number(value: float | Decimal) -> str:
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return gift._decimal_text(number)


def _text_element(tag: str, text: str, fmt: str | None, indent: str) -> list[str]:
    attribute = f' format="{_FORMAT_NAMES[fmt]}"' if fmt else ""
    return [f"{indent}<{tag}{attribute}>", f"{indent}  <text>{_escape(text)}</text>", f"{indent}</{tag}>"]


def _answer(fraction: float, text: str, feedback: str, indent: str, extra: Iterable[str] = ()) -> list[str]:
    lines = [f'{indent}<answer fraction="{gift._percent(fraction)}" format="plain_text">']
    lines.append(f"{indent}  <text>{_escape(text)}</text>")
    lines += [f"{indent}  {line}" for line in extra]
    lines += _text_element("feedback", feedback, "plain", indent + "  ")
    lines.append(f"{indent}</answer>")
    return lines


def _question_lines(q: gift.GiftQuestion) -> list[str]:
    moodle_type = {
        "single_choice": "multichoice",
        "multiple_response": "multichoice",
        "true_false": "truefalse",
        "short_answer": "shortanswer",
        "numeric": "numerical",
        "matching": "matching",
        "essay": "essay",
    }.get(q.type)
    if moodle_type is None:
        raise ValueError(f"unknown question type {q.type!r}")
    i = "    "
    lines = [f'  <question type="{moodle_type}">']
    lines += _text_element("name", q.title, None, i)
    lines += _text_element("questiontext", q.stem, q.stem_format or "html", i)
    lines += _text_element(
        "generalfeedback", q.general_feedback, q.general_feedback_format or q.stem_format, i
    )
    lines.append(f"{i}<defaultgrade>{_number(q.marks)}</defaultgrade>")
    if q.type in ("single_choice", "multiple_response"):
        lines.append(f"{i}<single>{'true' if q.type == 'single_choice' else 'false'}</single>")
        for option in q.options:
            lines += _answer(option.fraction, option.text, option.feedback, i)
    elif q.type == "true_false":
        lines += _answer(1.0 if q.answer else 0.0, "true", q.feedback_true, i)
        lines += _answer(0.0 if q.answer else 1.0, "false", q.feedback_false, i)
    elif q.type == "short_answer":
        for answer in q.answers:
            lines += _answer(answer.fraction, answer.text, answer.feedback, i)
    elif q.type == "numeric":
        for answer in q.answers:
            if not isinstance(answer, gift.GiftNumericAnswer):
                raise ValueError("numeric questions take GiftNumericAnswer answers")
            if answer.is_range:
                low, high = Decimal(repr(float(answer.min))), Decimal(repr(float(answer.max)))
                value, tolerance = (low + high) / 2, (high - low) / 2
            else:
                value, tolerance = (
                    Decimal(repr(float(answer.value))),
                    Decimal(repr(float(answer.tolerance or 0))),
                )
            tolerance_line = f"<tolerance>{_number(tolerance)}</tolerance>"
            lines += _answer(answer.fraction, _number(value), answer.feedback, i, [tolerance_line])
        if q.wrong_feedback:
            lines += _answer(0.0, "*", q.wrong_feedback, i, ["<tolerance>0</tolerance>"])
    elif q.type == "matching":
        for left, right in [*q.pairs, *(("", d) for d in q.distractors)]:
            lines.append(f'{i}<subquestion format="plain_text">')
            lines.append(f"{i}  <text>{_escape(left)}</text>")
            lines.append(f"{i}  <answer>")
            lines.append(f"{i}    <text>{_escape(right)}</text>")
            lines.append(f"{i}  </answer>")
            lines.append(f"{i}</subquestion>")
    lines.append("  </question>")
    return lines


def dump_moodle_xml(questions: Iterable[gift.GiftQuestion]) -> str:
    """Write canonical Moodle XML; raise ValueError for what XML 1.0 cannot hold."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    category: object = object()
    for question in questions:
        if question.category != category:
            path = "$course$/top" + (f"/{question.category}" if question.category else "")
            lines += ['  <question type="category">', "    <category>"]
            lines += [f"      <text>{_escape(path)}</text>", "    </category>", "  </question>"]
            category = question.category
        lines += _question_lines(question)
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
