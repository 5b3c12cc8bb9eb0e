from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import InlinePanel

from assessments import gift, graders
from assessments.kinds.base import GiftMapping, KindExample, QuestionKind, fraction_of, number
from assessments.kinds.registry import register


@register
class ShortAnswer(QuestionKind):
    code = graders.SHORT_ANSWER
    label = gettext_lazy("Short answer")
    edit_fields = ()
    # Accepted answers are stored as options (text, fraction, feedback).
    edit_relations = ("options",)
    gift_complete = True

    def panels(self):
        # Shares the options rows with the choice kinds; the editor shows one options panel.
        return [
            InlinePanel("options", heading=gettext_lazy("Accepted answers"), label=gettext_lazy("Answer"))
        ]

    def grading_data(self, source):
        return {
            "answers": [
                {"text": o["text"], "fraction": number(o["fraction"]), "feedback": o["feedback"]}
                for o in source.get("options") or []
            ]
        }

    def authoring_errors(self, data):
        if not any(Decimal(a["fraction"] or 0) == 1 for a in data["answers"]):
            return [_("Give at least one accepted answer a fraction of 1.")]
        return []

    def grade(self, data, response):
        return graders.grade_short_answer(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def learner_view(self, data, *, rng, shuffle):
        return {"max_chars": graders.SHORT_ANSWER_MAX_CHARS}

    def field_names(self, data, name):
        return {name}

    def parse_answer(self, data, post, name):
        return self.single_value(post, name)

    def answer_text(self, data, answer):
        return "" if answer is None else str(answer)

    def answer_parts(self, data, answer):
        return self.whole_answer_parts(data, answer)

    def from_gift(self, q, *, plain):
        return GiftMapping(
            fields={},
            children={
                "options": [
                    {"text": a.text, "fraction": fraction_of(str(a.fraction)), "feedback": plain(a.feedback)}
                    for a in q.answers
                ]
            },
        )

    def to_gift(self, q, *, question, data):
        q.answers = [
            gift.GiftAnswer(text=a["text"], fraction=float(a["fraction"]), feedback=a["feedback"])
            for a in data["answers"]
        ]

    def gift_losses(self, question):
        return []

    def example(self):
        return KindExample(
            source={
                "marks": 1,
                "options": [
                    {"key": "x", "text": "active listening", "fraction": 1, "feedback": ""},
                    {"key": "y", "text": "listening", "fraction": "0.5", "feedback": "Which kind?"},
                ],
            },
            post={"": ["Listening"]},
            expected_fraction=Decimal("0.5"),
            answer_text="Listening",
        )
