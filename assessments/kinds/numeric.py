from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, InlinePanel

from assessments import gift, graders
from assessments.kinds.base import GiftMapping, KindExample, QuestionKind, number
from assessments.kinds.registry import register


def _decimal(value):
    return None if value is None else Decimal(str(value))


@register
class Numeric(QuestionKind):
    code = graders.NUMERIC
    label = gettext_lazy("Numeric")
    edit_fields = ("wrong_feedback",)
    edit_relations = ("numeric_answers",)
    gift_complete = True

    def panels(self):
        return [
            InlinePanel(
                "numeric_answers", heading=gettext_lazy("Numeric answers"), label=gettext_lazy("Answer")
            ),
            FieldPanel("wrong_feedback"),
        ]

    def grading_data(self, source):
        answers = []
        for a in source.get("numeric_answers") or []:
            entry = {"fraction": number(a["fraction"]), "feedback": a["feedback"]}
            if a.get("min") not in (None, "") and a.get("max") not in (None, ""):
                entry.update(min=number(a["min"]), max=number(a["max"]))
            else:
                entry.update(value=number(a["value"]), tolerance=number(a.get("tolerance") or 0))
            answers.append(entry)
        return {"answers": answers}

    def authoring_errors(self, data):
        if not any(Decimal(a["fraction"] or 0) == 1 for a in data["answers"]):
            return [_("Give at least one numeric answer a fraction of 1.")]
        return []

    def grade(self, data, response):
        return graders.grade_numeric(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def learner_view(self, data, *, rng, shuffle):
        return {}

    def field_names(self, data, name):
        return {name}

    def parse_answer(self, data, post, name):
        return self.single_value(post, name)

    def answer_text(self, data, answer):
        return "" if answer is None or answer == "" else str(answer)

    def answer_parts(self, data, answer):
        return self.whole_answer_parts(data, answer)

    def from_gift(self, q, *, plain):
        return GiftMapping(
            fields={"wrong_feedback": plain(q.wrong_feedback)},
            children={
                "numeric_answers": [
                    {
                        "value": _decimal(a.value),
                        "tolerance": Decimal(str(a.tolerance or 0)),
                        "min_value": _decimal(a.min),
                        "max_value": _decimal(a.max),
                        "fraction": Decimal(str(a.fraction)),
                        "feedback": plain(a.feedback),
                    }
                    for a in q.answers
                ]
            },
        )

    def to_gift(self, q, *, question, data):
        q.answers = [
            gift.GiftNumericAnswer(
                value=float(a["value"]) if "value" in a else None,
                tolerance=float(a["tolerance"]) if "value" in a else None,
                min=float(a["min"]) if "min" in a else None,
                max=float(a["max"]) if "max" in a else None,
                fraction=float(a["fraction"]),
                feedback=a["feedback"],
            )
            for a in data["answers"]
        ]
        q.wrong_feedback = question.wrong_feedback

    def gift_losses(self, question):
        return []

    def example(self):
        return KindExample(
            source={
                "marks": 2,
                "numeric_answers": [
                    {
                        "value": 10,
                        "tolerance": "0.5",
                        "min": None,
                        "max": None,
                        "fraction": 1,
                        "feedback": "",
                    },
                    {"value": None, "tolerance": 0, "min": 5, "max": 15, "fraction": "0.5", "feedback": ""},
                ],
            },
            post={"": ["12"]},
            expected_fraction=Decimal("0.5"),
            answer_text="12",
        )
