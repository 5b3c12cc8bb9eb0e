"""Question banks and questions: editorial content, managed as Wagtail snippets.

A question has drafts and revisions. An attempt copies the grading data of the live
revision it shows (``grading_data_from_content``), so editing a question never changes a
grade already given.
"""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, Orderable, PreviewableMixin, RevisionMixin
from wagtail.search import index

from assessments.kinds import all_kinds, get_kind

STEM_FEATURES = ["bold", "italic", "link", "ol", "ul"]


# The type menu comes from the registered kinds, in registration order.
QuestionType = models.TextChoices(
    "QuestionType", [(kind.code.upper(), (kind.code, kind.label)) for kind in all_kinds()]
)


def kind_panels() -> list:
    """Every kind's panels, each field or relation once (short answer shares the options rows
    with the choice kinds). Each panel names the kinds it belongs to in a data attribute, so
    the editor shows only the chosen type's fields (assessments/question_editor.js)."""
    panels, by_key = [], {}
    for kind in all_kinds():
        for panel in kind.panels():
            key = _panel_key(panel)
            if key not in by_key:
                by_key[key] = panel
                panels.append(panel)
            owner = by_key[key]
            codes = owner.attrs.get("data-question-kinds", "").split()
            owner.attrs["data-question-kinds"] = " ".join([*codes, kind.code])
    return panels


def _panel_key(panel):
    if getattr(panel, "children", None):
        return tuple(_panel_key(child) for child in panel.children)
    return getattr(panel, "relation_name", None) or getattr(panel, "field_name", None)


class QuestionBankQuerySet(models.QuerySet):
    def ensure_path(self, path: str) -> "QuestionBank":
        """Return the bank at ``path`` (e.g. ``conflict-resolution/module-2``), creating
        any missing banks along the way."""
        parent = None
        bank = None
        for part in [p for p in path.strip("/").split("/") if p]:
            slug = slugify(part) or "bank"
            full = f"{parent.path}/{slug}" if parent else slug
            bank, _created = self.get_or_create(
                path=full, defaults={"name": part.replace("-", " ").capitalize(), "parent": parent}
            )
            parent = bank
        if bank is None:
            raise ValidationError(_("A bank path cannot be empty."))
        return bank


class QuestionBank(models.Model):
    """A named, nestable folder of questions, addressed by its path."""

    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(
        max_length=400,
        unique=True,
        help_text=_("Lower-case path, e.g. conflict-resolution/module-2. Must start with the parent's path."),
    )
    description = models.TextField(blank=True)

    objects = QuestionBankQuerySet.as_manager()

    panels = [FieldPanel("name"), FieldPanel("parent"), FieldPanel("path"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("path")]

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(path=""), name="assessments_bank_path_not_empty"),
        ]

    def __str__(self) -> str:
        return self.path

    def clean(self):
        if self.parent and not self.path.startswith(f"{self.parent.path}/"):
            raise ValidationError({"path": _("The path must start with the parent's path and a slash.")})


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "assessments.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class Question(PreviewableMixin, DraftStateMixin, RevisionMixin, ClusterableModel):
    """One question of any of the seven types; its answer data lives in the inline lists."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(
        max_length=200, help_text=_("Unique within the bank; used to match questions on re-import.")
    )
    qtype = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    marks = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    stem = RichTextField(features=STEM_FEATURES, help_text=_("The question as the learner sees it."))
    general_feedback = RichTextField(features=STEM_FEATURES, blank=True)
    tf_answer = models.BooleanField(_("true/false: the statement is true"), null=True, blank=True)
    feedback_true = models.TextField(_("true/false: feedback for answering True"), blank=True)
    feedback_false = models.TextField(_("true/false: feedback for answering False"), blank=True)
    distractors = models.TextField(
        _("matching: extra wrong answers"), blank=True, help_text=_("One per line.")
    )
    wrong_feedback = models.TextField(_("numeric: feedback for any wrong number"), blank=True)
    missing_word = models.BooleanField(
        default=False,
        help_text=_("The stem contains _____ where the answer goes (GIFT's missing-word form)."),
    )
    tags = ClusterTaggableManager(through=QuestionTag, blank=True, verbose_name=_("competency tags"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("bank"), FieldPanel("qtype"), FieldPanel("marks")]),
        FieldPanel("title"),
        FieldPanel("stem"),
        FieldPanel("missing_word"),
        FieldPanel("tags"),
        *kind_panels(),
        FieldPanel("general_feedback"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.SearchField("stem"),
        index.AutocompleteField("title"),
        index.FilterField("qtype"),
        index.FilterField("bank"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]

    class Meta:
        ordering = ["bank__path", "title"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "title"], name="assessments_question_title_per_bank"),
            models.CheckConstraint(condition=Q(marks__gt=0), name="assessments_question_marks_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_preview_template(self, request, mode_name):
        return "assessments/question_preview.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        from assessments.display import learner_view

        data = self.grading_data()
        errors = grading_data_errors(data)
        context.update(
            {
                "question": self,
                "preview_item": learner_view(grading_data=data, stem=self.stem),
                "grading_data": data,
                "kind_template": get_kind(self.qtype).template,
                "grading_errors": errors,
            }
        )
        return context

    @property
    def stem_text(self) -> str:
        return strip_tags(self.stem)

    def grading_data(self) -> dict:
        """Grading data from the in-memory question and its (possibly unsaved) children."""
        return build_grading_data(
            qtype=self.qtype,
            source={
                "marks": self.marks,
                "options": [_option_dict(o) for o in self.options.all()],
                "tf_answer": self.tf_answer,
                "feedback_true": self.feedback_true,
                "feedback_false": self.feedback_false,
                "numeric_answers": [_numeric_dict(a) for a in self.numeric_answers.all()],
                "pairs": [_pair_dict(p) for p in self.pairs.all()],
                "distractors": self.distractors,
                "rubric": [_criterion_dict(c) for c in self.rubric_criteria.all()],
            },
        )

    def grading_errors(self) -> list[str]:
        return grading_data_errors(self.grading_data())


def _option_dict(option) -> dict:
    return {
        "key": str(option.key),
        "text": option.text,
        "fraction": option.fraction,
        "feedback": option.feedback,
    }


def _numeric_dict(answer) -> dict:
    return {
        "value": answer.value,
        "tolerance": answer.tolerance,
        "min": answer.min_value,
        "max": answer.max_value,
        "fraction": answer.fraction,
        "feedback": answer.feedback,
    }


def _pair_dict(pair) -> dict:
    return {"key": str(pair.key), "left": pair.left, "right": pair.right}


def _criterion_dict(criterion) -> dict:
    return {
        "key": str(criterion.key),
        "criterion": criterion.criterion,
        "points": criterion.points,
        "levels": criterion.levels,
    }


def build_grading_data(*, qtype: str, source: dict) -> dict:
    """The plain dict the graders take, built by the question's kind from ``source``: the
    question in the neutral shape of QuestionKind.grading_data, from model objects,
    revision JSON or the admin form alike."""
    return get_kind(qtype).build(source)


def _ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: row.get("sort_order") or 0)


def grading_data_from_content(content: dict) -> dict:
    """Grading data from a revision's stored JSON, without rebuilding model objects."""
    return build_grading_data(
        qtype=content["qtype"],
        source={
            "marks": content["marks"],
            "options": _ordered(content.get("options", [])),
            "tf_answer": content.get("tf_answer"),
            "feedback_true": content.get("feedback_true", ""),
            "feedback_false": content.get("feedback_false", ""),
            "numeric_answers": [
                {**a, "min": a.get("min_value"), "max": a.get("max_value")}
                for a in _ordered(content.get("numeric_answers", []))
            ],
            "pairs": _ordered(content.get("pairs", [])),
            "distractors": content.get("distractors", ""),
            "rubric": _ordered(content.get("rubric_criteria", [])),
        },
    )


def grading_data_errors(data: dict) -> list[str]:
    """What makes the question ungradable, in words a coordinator can act on."""
    return get_kind(data["type"]).errors(data)


class QuestionOption(Orderable):
    """A choice (single/multiple) or an accepted answer (short answer)."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    text = models.TextField()
    fraction = models.DecimalField(
        max_digits=7,
        decimal_places=5,
        default=Decimal("0"),
        help_text=_("Credit from -1 to 1: 1 is fully correct, 0 is wrong, negative subtracts."),
    )
    feedback = models.TextField(blank=True)

    panels = [FieldRowPanel([FieldPanel("text"), FieldPanel("fraction")]), FieldPanel("feedback")]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(fraction__gte=-1, fraction__lte=1), name="assessments_option_fraction_range"
            ),
        ]


class NumericAnswer(Orderable):
    """A numeric answer: a value with a tolerance, or a range."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="numeric_answers")
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    tolerance = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("0"))
    min_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    fraction = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal("1"))
    feedback = models.TextField(blank=True)

    panels = [
        FieldRowPanel([FieldPanel("value"), FieldPanel("tolerance")]),
        FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
        FieldRowPanel([FieldPanel("fraction"), FieldPanel("feedback")]),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="assessments_numeric_tolerance"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="assessments_numeric_range_order",
            ),
            models.CheckConstraint(
                condition=Q(fraction__gt=0, fraction__lte=1), name="assessments_numeric_fraction_range"
            ),
        ]


class MatchingPair(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="pairs")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    left = models.CharField(max_length=500)
    right = models.CharField(max_length=500)

    panels = [FieldRowPanel([FieldPanel("left"), FieldPanel("right")])]


class RubricCriterion(Orderable):
    """One rubric criterion of an open-response question, with its performance levels."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="rubric_criteria")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    criterion = models.CharField(max_length=300)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    levels = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Levels as a list, e.g. [{"points": 0, "descriptor": "Missing"}, {"points": 2, ...}]'),
    )

    panels = [FieldRowPanel([FieldPanel("criterion"), FieldPanel("points")]), FieldPanel("levels")]

    class Meta(Orderable.Meta):
        verbose_name_plural = _("rubric criteria")
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="assessments_rubric_points_positive"),
        ]
