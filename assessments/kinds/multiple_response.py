from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import graders
from assessments.kinds._choices import ChoiceKind
from assessments.kinds.base import KindExample
from assessments.kinds.registry import register


@register
class MultipleResponse(ChoiceKind):
    code = graders.MULTIPLE_RESPONSE
    label = gettext_lazy("Multiple response")

    def authoring_errors(self, data):
        errors = self.option_errors(data)
        if not graders.weights_sum_to_one(Decimal(o["fraction"] or 0) for o in data["options"]):
            errors.append(_("The positive fractions of a multiple-response question must add up to 1."))
        return errors

    def grade(self, data, response):
        return graders.grade_multiple_response(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def parse_answer(self, data, post, name):
        return post.getlist(name) or None

    def example(self):
        third = "0.33333"
        return KindExample(
            source={
                "marks": 3,
                "options": [
                    {"key": "a", "text": "Phone", "fraction": third, "feedback": ""},
                    {"key": "b", "text": "Email", "fraction": third, "feedback": ""},
                    {"key": "c", "text": "Visit", "fraction": third, "feedback": ""},
                    {"key": "d", "text": "Ignore", "fraction": -1, "feedback": "Never."},
                ],
            },
            post={"": ["a", "b"]},
            expected_fraction=Decimal("0.66666"),
            answer_text="Phone; Email",
        )
