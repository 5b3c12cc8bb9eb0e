from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from assessments import graders
from assessments.kinds.base import GiftMapping, KindExample, QuestionKind
from assessments.kinds.registry import register


@register
class TrueFalse(QuestionKind):
    code = graders.TRUE_FALSE
    label = gettext_lazy("True / false")
    edit_fields = ("tf_answer", "feedback_true", "feedback_false")
    edit_relations = ()
    gift_complete = True

    def panels(self):
        return [
            MultiFieldPanel(
                [FieldPanel("tf_answer"), FieldPanel("feedback_true"), FieldPanel("feedback_false")],
                heading=gettext_lazy("True / false"),
            )
        ]

    def grading_data(self, source):
        return {
            "answer": bool(source.get("tf_answer")),
            "feedback_true": source.get("feedback_true") or "",
            "feedback_false": source.get("feedback_false") or "",
        }

    def authoring_errors(self, data):
        return []

    def grade(self, data, response):
        return graders.grade_true_false(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def learner_view(self, data, *, rng, shuffle):
        return {}

    def field_names(self, data, name):
        return {name}

    def parse_answer(self, data, post, name):
        value = self.single_value(post, name)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise ValidationError(_("A true/false answer must be true or false."))
        return value == "true"

    def answer_text(self, data, answer):
        if answer is None or answer == "":
            return ""
        return _("True") if answer else _("False")

    def answer_parts(self, data, answer):
        return self.whole_answer_parts(data, answer)

    def from_gift(self, q, *, plain):
        return GiftMapping(
            fields={
                "tf_answer": q.answer,
                "feedback_true": plain(q.feedback_true),
                "feedback_false": plain(q.feedback_false),
            }
        )

    def to_gift(self, q, *, question, data):
        q.answer = bool(question.tf_answer)
        q.feedback_true, q.feedback_false = question.feedback_true, question.feedback_false

    def gift_losses(self, question):
        return []

    def example(self):
        return KindExample(
            source={"marks": 1, "tf_answer": False, "feedback_true": "No.", "feedback_false": "Right."},
            post={"": ["false"]},
            expected_fraction=Decimal(1),
            answer_text="False",
        )
