from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import graders
from assessments.kinds._choices import ChoiceKind
from assessments.kinds.base import KindExample
from assessments.kinds.registry import register


@register
class SingleChoice(ChoiceKind):
    code = graders.SINGLE_CHOICE
    label = gettext_lazy("Single choice")

    def authoring_errors(self, data):
        errors = self.option_errors(data)
        if not any(Decimal(o["fraction"] or 0) == 1 for o in data["options"]):
            errors.append(_("Give one option a fraction of 1 (fully correct)."))
        return errors

    def grade(self, data, response):
        return graders.grade_single_choice(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def parse_answer(self, data, post, name):
        return self.single_value(post, name)

    def example(self):
        return KindExample(
            source={
                "marks": 2,
                "options": [
                    {"key": "a", "text": "Listen first", "fraction": 1, "feedback": "Yes."},
                    {"key": "b", "text": "Argue", "fraction": 0, "feedback": "No."},
                ],
            },
            post={"": ["a"]},
            expected_fraction=Decimal(1),
            answer_text="Listen first",
        )
