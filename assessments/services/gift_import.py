"""Writes and rules for question banks: GIFT import and export.

Quiz and attempt rules live in assessments/services/attempts.py; what is type-specific in
the GIFT mapping belongs to each question kind (assessments/kinds/).
"""

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import markdown
from django.db import transaction
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from assessments import gift
from assessments.kinds import all_kinds, get_kind
from assessments.models import Question, QuestionBank
from assessments.models.questions import STEM_FEATURES, grading_data_errors

DEFAULT_BANK = "imported"
GIFT_MAX_QUESTIONS = 1000


class GiftImportError(Exception):
    """The file cannot be imported; ``problems`` are (line, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("\n".join(f"line {line}: {message}" for line, message in problems))


@dataclass
class GiftImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def clean_rich_text(value: str) -> str:
    """HTML cleaned to the question stem's rich-text rules (no scripts, handlers, bad URLs)."""
    return EditorHTMLConverter(features=STEM_FEATURES).to_database_format(value)


def text_to_rich_text(text: str, text_format: str) -> str:
    # Stripped: the cleaner can leave whitespace where it removed markup, and the GIFT
    # reader strips every text, so a stored trailing space would not survive a round trip.
    if text_format == "html":
        return clean_rich_text(text).strip()
    if text_format == "markdown":
        return clean_rich_text(markdown.markdown(text)).strip()
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [""]
    return "".join(f"<p>{html.escape(p.strip()).replace(chr(10), '<br/>')}</p>" for p in paragraphs)


def _plain(text: str, text_format: str) -> str:
    return strip_tags(text) if text_format == "html" else text


def question_fields_from_gift(q: gift.GiftQuestion) -> dict:
    """The scalar Question fields of a parsed question. The other kinds' own fields go back
    to their defaults, so a question whose type changed on re-import keeps nothing stale."""
    kind = get_kind(q.type)
    fields = {
        "qtype": q.type,
        "marks": Decimal(str(q.marks)),
        "stem": text_to_rich_text(q.stem, q.stem_format),
        "general_feedback": text_to_rich_text(q.general_feedback, q.general_feedback_format or q.stem_format)
        if q.general_feedback
        else "",
        "missing_word": q.blank,
    }
    for other in all_kinds():
        for name in other.edit_fields:
            fields[name] = Question._meta.get_field(name).get_default()
    fields.update(
        kind.from_gift(q, plain=lambda text: _plain(text, q.feedback_format or q.stem_format)).fields
    )
    return fields


def _children_from_gift(q: gift.GiftQuestion, fmt: str) -> dict:
    """Child rows per relation: the kind's own from the file, the other kinds' emptied.
    A relation GIFT does not hold for this kind (an essay's rubric) is left as it is."""
    kind = get_kind(q.type)
    mapping = kind.from_gift(q, plain=lambda text: _plain(text, fmt))
    children = {
        relation: []
        for other in all_kinds()
        for relation in other.edit_relations
        if relation not in kind.edit_relations
    }
    for relation, rows in mapping.children.items():
        model = Question._meta.get_field(relation).related_model
        children[relation] = [model(**row) for row in rows]
    return children


@transaction.atomic
def question_bank_import_gift(
    *,
    text: str,
    bank_path: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
    user=None,
    progress: Callable[[int, int], None] | None = None,
) -> GiftImportReport:
    """Import every question of a GIFT file, or none: the whole import is one transaction.

    Questions are matched on (bank, title): an existing question gets a new published
    revision; a new one is created. ``bank_path`` overrides the file's $CATEGORY lines.
    ``progress(done, total)`` is called once the file is parsed and after each question;
    it runs inside the transaction, so it must not write what others should see to the
    database (the import job keeps its running count in the cache).
    """
    parsed = _gift_parse_checked(text, bank_path=bank_path)
    return questions_import(parsed, bank_path=bank_path, tags=tags, user=user, progress=progress)


def questions_import(
    parsed: list[gift.GiftQuestion],
    *,
    bank_path: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
    user=None,
    progress: Callable[[int, int], None] | None = None,
    prepare: Callable[[gift.GiftQuestion], None] | None = None,
) -> GiftImportReport:
    """Write checked questions (see questions_checked); the caller holds the transaction.

    ``prepare(q)`` runs before each question is written (Moodle XML stores its images)."""
    report = GiftImportReport()
    banks: dict[str, QuestionBank] = {}
    if progress:
        progress(0, len(parsed))
    for done, q in enumerate(parsed, start=1):
        if prepare:
            prepare(q)
        path = bank_path or q.category or DEFAULT_BANK
        bank = banks.get(path) or QuestionBank.objects.ensure_path(path)
        banks[path] = bank
        question = Question.objects.filter(bank=bank, title=q.title).first()
        created = question is None
        if created:
            question = Question(bank=bank, title=q.title)
        for name, value in question_fields_from_gift(q).items():
            setattr(question, name, value)
        children = _children_from_gift(q, q.feedback_format or q.stem_format)
        for relation, objects in children.items():
            getattr(question, relation).set(objects)
        if tags:
            question.tags.add(*tags)
        question.save()
        errors = grading_data_errors(question.grading_data())
        complete = get_kind(q.type).gift_complete
        if errors and complete:
            raise GiftImportError([(q.line, f"“{q.title}”: {e}") for e in errors])
        revision = question.save_revision(user=user)
        # What GIFT cannot hold (an essay's rubric) keeps the question a draft until added.
        if complete or not errors:
            revision.publish(user=user)
        (report.created if created else report.updated).append(q.title)
        report.questions.append(question)
        if progress:
            progress(done, len(parsed))
    return report


BANK_NAME_MAX_LENGTH = QuestionBank._meta.get_field("name").max_length
BANK_PATH_MAX_LENGTH = QuestionBank._meta.get_field("path").max_length
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length


def bank_path_errors(path: str) -> list[str]:
    """Why ``path`` cannot name a bank (empty when it can): each part becomes a bank whose
    name is the part, and the whole path is stored, each within its column."""
    errors = []
    if any(len(part) > BANK_NAME_MAX_LENGTH for part in path.split("/")):
        errors.append(
            _("Each part of a bank path is at most %(max)d characters.") % {"max": BANK_NAME_MAX_LENGTH}
        )
    if len(_bank_path_normalised(path)) > BANK_PATH_MAX_LENGTH:
        errors.append(_("A bank path is at most %(max)d characters.") % {"max": BANK_PATH_MAX_LENGTH})
    return errors


def tag_errors(tags) -> list[str]:
    """Why ``tags`` cannot be stored (empty when they can): each is a row of taggit's tag
    table, within its name column."""
    if any(len(tag) > TAG_MAX_LENGTH for tag in tags):
        return [_("A tag is at most %(max)d characters.") % {"max": TAG_MAX_LENGTH}]
    return []


def _gift_parse_checked(
    text: str, *, bank_path: str | None, warnings: list[tuple[int, str]] | None = None
) -> list[gift.GiftQuestion]:
    """The file's questions, or GiftImportError with every problem found before any write.

    ``bank_path`` itself is checked by the callers' forms (bank_path_errors). What the
    parser accepted but did not take as written goes to ``warnings`` (line, message)."""
    found: list[gift.GiftProblem] = []
    try:
        parsed = gift.parse_gift(text, warnings=found)
    except gift.GiftError as error:
        raise GiftImportError([(p.line, p.message) for p in error.errors]) from error
    if warnings is not None:
        warnings.extend((p.line, p.message) for p in found)
    return questions_checked(parsed, bank_path=bank_path, warnings=warnings)


def questions_name(parsed: list[gift.GiftQuestion], *, bank_path: str | None) -> list[tuple[int, str]]:
    """Give every question its import title, in place, and say what was renamed.

    An untitled question is named from its text as Moodle names it (gift.default_title).
    When two questions of one file would have the same title in the same bank, the later
    ones get " (2)", " (3)", ... in file order: the same file gives the same titles every
    time, so a re-import matches the same questions."""
    notes: list[tuple[int, str]] = []
    seen: set[tuple[str, str]] = set()
    max_length = Question._meta.get_field("title").max_length
    for q in parsed:
        if not q.title:
            q.title = gift.default_title(q.stem)[:max_length]
            notes.append((q.line, _("Untitled: named “%(t)s” from its text.") % {"t": q.title}))
        path = _bank_path_normalised(bank_path or q.category or DEFAULT_BANK)
        if (path, q.title) in seen:
            number = 2
            while (path, f"{q.title} ({number})") in seen:
                number += 1
            renamed = f"{q.title} ({number})"
            notes.append(
                (
                    q.line,
                    _("Another question in this file is titled “%(t)s”; this one is imported as “%(new)s”.")
                    % {"t": q.title, "new": renamed},
                )
            )
            q.title = renamed
        seen.add((path, q.title))
    return notes


def questions_checked(
    parsed: list[gift.GiftQuestion], *, bank_path: str | None, warnings: list[tuple[int, str]] | None = None
) -> list[gift.GiftQuestion]:
    """The questions with their import titles, or GiftImportError listing every problem.

    Shared by every format that reads into gift.GiftQuestion (GIFT, Moodle XML)."""
    if len(parsed) > GIFT_MAX_QUESTIONS:
        # A bound on the work one request does (and on how long one import transaction
        # holds SQLite's write lock): larger banks are imported in several files.
        raise GiftImportError(
            [
                (
                    parsed[GIFT_MAX_QUESTIONS].line,
                    _("The file has %(n)s questions; import at most %(max)s questions at a time.")
                    % {
                        "n": number_format(len(parsed), force_grouping=True),
                        "max": number_format(GIFT_MAX_QUESTIONS, force_grouping=True),
                    },
                )
            ]
        )
    notes = questions_name(parsed, bank_path=bank_path)
    if warnings is not None:
        warnings.extend(notes)
        warnings.sort(key=lambda warning: warning[0])
    problems = []
    for q in parsed:
        if q.category and not bank_path:
            problems += [(q.line, error) for error in bank_path_errors(q.category)]
        if len(q.title) > Question._meta.get_field("title").max_length:
            problems.append(
                (
                    q.line,
                    _("A title is at most %(max)d characters.")
                    % {"max": Question._meta.get_field("title").max_length},
                )
            )
        # The cleaner drops scripts, handlers and unsafe links; a stem made only of those
        # is left empty, and a question needs text.
        try:
            cleaned_stem = text_to_rich_text(q.stem, q.stem_format)
        except RecursionError:
            # The HTML cleaner recurses per nested element: thousands of open tags exhaust it.
            problems.append((q.line, _("The question text nests its HTML too deeply.")))
            continue
        if not strip_tags(cleaned_stem).strip():
            problems.append(
                (
                    q.line,
                    _(
                        "The question text is empty once what is not allowed (scripts, event "
                        "handlers, unsafe links) is removed."
                    ),
                )
            )
    if problems:
        raise GiftImportError(sorted(problems, key=lambda p: p[0]))
    return parsed


def _bank_path_normalised(path: str) -> str:
    # The path QuestionBank.objects.ensure_path gives the bank it finds or creates.
    return "/".join(slugify(part) or "bank" for part in path.strip("/").split("/") if part)


@dataclass
class ImportPreview:
    """What an import would do: one row per question, and what was accepted but changed
    or skipped (line or question number, message)."""

    rows: list[dict]
    warnings: list[tuple[int, str]] = field(default_factory=list)


def question_bank_import_gift_preview(*, text: str, bank_path: str | None = None) -> ImportPreview:
    """What importing the file would do, computed without writing anything.

    Raises GiftImportError for exactly the problems the import itself would report
    (parse errors, empty stems, ungradeable questions).
    Reads one query, so the preview never holds a write lock.
    """
    warnings: list[tuple[int, str]] = []
    parsed = _gift_parse_checked(text, bank_path=bank_path, warnings=warnings)
    return ImportPreview(rows=questions_preview(parsed, bank_path=bank_path), warnings=warnings)


def questions_preview(parsed: list[gift.GiftQuestion], *, bank_path: str | None) -> list[dict]:
    """Preview rows for checked questions; GiftImportError if one cannot be graded."""
    paths = [_bank_path_normalised(bank_path or q.category or DEFAULT_BANK) for q in parsed]
    existing = set(
        Question.objects.filter(bank__path__in=set(paths), title__in={q.title for q in parsed}).values_list(
            "bank__path", "title"
        )
    )
    rows, problems = [], []
    for q, path in zip(parsed, paths, strict=True):
        question = Question(title=q.title)
        for name, value in question_fields_from_gift(q).items():
            setattr(question, name, value)
        for relation, objects in _children_from_gift(q, q.feedback_format or q.stem_format).items():
            getattr(question, relation).set(objects)
        if get_kind(q.type).gift_complete:
            problems += [(q.line, f"“{q.title}”: {e}") for e in grading_data_errors(question.grading_data())]
        rows.append(
            {
                "title": q.title,
                "type": question.get_qtype_display(),
                "bank": path,
                "created": (path, q.title) not in existing,
            }
        )
    if problems:
        raise GiftImportError(problems)
    return rows


@dataclass
class GiftExport:
    text: str
    warnings: list[str]


def _gift_from_question(question: Question) -> gift.GiftQuestion:
    q = gift.GiftQuestion(
        type=question.qtype,
        title=question.title,
        stem=question.stem,
        stem_format="html",
        general_feedback=question.general_feedback,
        category=question.bank.path,
        marks=float(question.marks),
        blank=question.missing_word,
    )
    get_kind(question.qtype).to_gift(q, question=question, data=question.grading_data())
    return q


def question_bank_export_gift(
    *, bank_path: str | None = None, tags: list[str] | tuple[str, ...] = ()
) -> GiftExport:
    """GIFT text for the live questions of a bank (and its sub-banks), optionally by tag.

    What GIFT cannot hold (rubrics, tags, marks) is listed in the warnings.
    """
    questions = (
        Question.objects.filter(live=True)
        .select_related("bank")
        .prefetch_related("options", "numeric_answers", "pairs", "rubric_criteria", "tags")
        .order_by("bank__path", "title")
    )
    if bank_path:
        path = bank_path.strip("/")
        questions = questions.filter(Q(bank__path=path) | Q(bank__path__startswith=f"{path}/"))
    for tag in tags:
        questions = questions.filter(tags__name__iexact=tag)
    questions = list(questions.distinct())
    warnings = []
    for question in questions:
        lost = list(get_kind(question.qtype).gift_losses(question))
        if question.tags.all():
            lost.append(_("its tags"))
        if question.marks != 1:
            lost.append(_("its marks (%(m)s)") % {"m": question.marks.normalize()})
        if lost:
            warnings.append(
                _("“%(title)s” (%(bank)s): GIFT cannot hold %(what)s.")
                % {"title": question.title, "bank": question.bank.path, "what": ", ".join(lost)}
            )
    return GiftExport(text=gift.dump_gift([_gift_from_question(q) for q in questions]), warnings=warnings)
