"""Moodle XML import and export of question banks.

The file is read by assessments.moodle_xml into the same question objects as GIFT, and the
GIFT import's steps (titles, checks, preview, writing through the kinds) are reused, so
both formats match questions on (bank, title), clean rich text with the same Wagtail
whitelister and write in one transaction. What is Moodle XML's own: problems are named by
element instead of line, and images embedded in a question text are stored as Wagtail
images.
"""

import io
from dataclasses import dataclass

from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.images import get_image_model

from assessments import gift, moodle_xml
from assessments.kinds import get_kind
from assessments.models import Question
from assessments.services.gift_import import (
    GiftImportError,
    GiftImportReport,
    ImportPreview,
    _gift_from_question,
    questions_checked,
    questions_import,
    questions_preview,
)

# Pillow formats a browser shows; anything else (or a file Pillow cannot read) is refused.
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
IMAGE_MAX_PIXELS = 40_000_000


class MoodleXmlImportError(Exception):
    """The file cannot be imported; ``problems`` are messages, each naming its element."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class MoodleXmlExport:
    text: str
    warnings: list[str]


def _image_errors(file: moodle_xml.MoodleFile) -> list[str]:
    """Why an embedded file cannot be stored as an image (empty when it can)."""
    try:
        with PILImage.open(io.BytesIO(file.data)) as image:
            if image.format not in IMAGE_FORMATS:
                return [_("%(where)s: not an image (PNG, JPEG, GIF or WebP).") % {"where": file.where}]
            if image.width * image.height > IMAGE_MAX_PIXELS:
                return [_("%(where)s: the image is too large.") % {"where": file.where}]
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, PILImage.DecompressionBombError):
        return [_("%(where)s: not an image (PNG, JPEG, GIF or WebP).") % {"where": file.where}]
    return []


def _checked(
    data: bytes | str, *, bank_path: str | None
) -> tuple[list[moodle_xml.MoodleQuestion], list[str], list[dict]]:
    """The file's questions (titled and checked), warnings and preview rows, or
    MoodleXmlImportError with every problem, each naming its element."""
    try:
        parsed = moodle_xml.parse_moodle_xml(data)
    except moodle_xml.MoodleXmlError as error:
        raise MoodleXmlImportError([str(problem) for problem in error.errors]) from error
    where = {item.number: item.where for item in parsed.questions}
    questions = [item.question for item in parsed.questions]
    notes: list[tuple[int, str]] = []
    try:
        questions_checked(questions, bank_path=bank_path, warnings=notes)
        rows = questions_preview(questions, bank_path=bank_path)
    except GiftImportError as error:
        raise MoodleXmlImportError(
            [f"{where.get(n, n)}: {message}" for n, message in error.problems]
        ) from error
    image_problems = [
        message for item in parsed.questions for file in item.files for message in _image_errors(file)
    ]
    if image_problems:
        raise MoodleXmlImportError(image_problems)
    warnings = [str(problem) for problem in parsed.warnings]
    warnings += [f"{where[n]}: {message}" for n, message in notes]
    warnings += [
        _(
            "%(where)s: %(n)d embedded image(s) will be stored in the image library; the "
            "question text itself cannot show images."
        )
        % {"where": item.where, "n": len(item.files)}
        for item in parsed.questions
        if item.files
    ]
    return parsed.questions, warnings, rows


def question_bank_import_moodle_xml_preview(
    *, data: bytes | str, bank_path: str | None = None
) -> ImportPreview:
    """What importing the file would do, without writing anything; raises
    MoodleXmlImportError for exactly the problems the import would report."""
    items, warnings, rows = _checked(data, bank_path=bank_path)
    for row, item in zip(rows, items, strict=True):
        row["images"] = len(item.files)
    return ImportPreview(rows=rows, warnings=warnings)


@transaction.atomic
def question_bank_import_moodle_xml(
    *, data: bytes | str, bank_path: str | None = None, tags: list[str] | tuple[str, ...] = (), user=None
) -> GiftImportReport:
    """Import every question of a Moodle XML file, or none (one transaction).

    Questions are matched on (bank, title) as in the GIFT import; ``bank_path`` overrides
    the file's categories. Images embedded in a question text become Wagtail images
    (collection: the root), titled with their file name; the question text cannot show
    images (its rich-text features have none), which the preview warns about."""
    items, _warnings, _rows = _checked(data, bank_path=bank_path)
    image_model = get_image_model()
    for item in items:
        for file in item.files:
            image = image_model(title=file.name[:255] or _("Imported image"), uploaded_by_user=user)
            image.file = ImageFile(io.BytesIO(file.data), name=file.name or "image")
            image.save()
    return questions_import([item.question for item in items], bank_path=bank_path, tags=tags, user=user)


def question_bank_export_moodle_xml(
    *, bank_path: str | None = None, tags: list[str] | tuple[str, ...] = ()
) -> MoodleXmlExport:
    """Moodle XML for the live questions of a bank (and its sub-banks), optionally by tag.

    What Moodle XML cannot hold here (rubrics, tags) is listed in the warnings."""
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
    exported: list[gift.GiftQuestion] = []
    for question in questions:
        lost = list(get_kind(question.qtype).gift_losses(question))
        if question.tags.all():
            lost.append(_("its tags"))
        if lost:
            warnings.append(
                _("“%(title)s” (%(bank)s): Moodle XML export does not hold %(what)s.")
                % {"title": question.title, "bank": question.bank.path, "what": ", ".join(lost)}
            )
        q = _gift_from_question(question)
        q.feedback_format = "plain"
        q.general_feedback_format = "html"
        exported.append(q)
    return MoodleXmlExport(text=moodle_xml.dump_moodle_xml(exported), warnings=warnings)
