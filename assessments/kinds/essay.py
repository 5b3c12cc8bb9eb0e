from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import InlinePanel

from assessments import graders
from assessments.kinds.base import GiftMapping, KindExample, QuestionKind, number
from assessments.kinds.registry import register


@register
class Essay(QuestionKind):
    """An open response, graded by a coordinator against a rubric."""

    code = graders.ESSAY
    label = gettext_lazy("Open response (essay)")
    edit_fields = ()
    edit_relations = ("rubric_criteria",)
    # Rubrics are not part of GIFT: an imported essay stays a draft until one is added.
    gift_complete = False

    def panels(self):
        return [
            InlinePanel(
                "rubric_criteria",
                heading=gettext_lazy("Rubric (open response)"),
                label=gettext_lazy("Criterion"),
            )
        ]

    def grading_data(self, source):
        return {
            "rubric": [
                {
                    "id": c["key"],
                    "criterion": c["criterion"],
                    "points": number(c["points"]),
                    "levels": c.get("levels") or [],
                }
                for c in source.get("rubric") or []
            ]
        }

    def authoring_errors(self, data):
        if not data["rubric"]:
            return [_("Add at least one rubric criterion.")]
        total = sum(Decimal(c["points"] or 0) for c in data["rubric"])
        if total != Decimal(data["marks"]):
            return [
                _("The rubric's points add up to %(total)s but the question is worth %(marks)s marks.")
                % {"total": total.normalize(), "marks": Decimal(data["marks"]).normalize()}
            ]
        return []

    def grade(self, data, response):
        return graders.grade_essay(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def learner_view(self, data, *, rng, shuffle):
        return {"max_chars": int(data.get("response_max_chars") or graders.ESSAY_MAX_CHARS_DEFAULT)}

    def field_names(self, data, name):
        return {name}

    def parse_answer(self, data, post, name):
        return self.single_value(post, name)

    def answer_text(self, data, answer):
        return "" if answer is None else str(answer)

    def from_gift(self, q, *, plain):
        return GiftMapping(fields={})

    def to_gift(self, q, *, question, data):
        return None

    def gift_losses(self, question):
        return [_("its rubric")] if question.rubric_criteria.all() else []

    def example(self):
        return KindExample(
            source={
                "marks": 4,
                "rubric": [
                    {"key": "c1", "criterion": "Names the need", "points": 2, "levels": []},
                    {
                        "key": "c2",
                        "criterion": "Plans a next step",
                        "points": 2,
                        "levels": [{"points": 0, "descriptor": "None"}, {"points": 2, "descriptor": "Clear"}],
                    },
                ],
            },
            post={"": ["We meet the family first and agree a plan."]},
            expected_fraction=None,
            answer_text="We meet the family first and agree a plan.",
        )
