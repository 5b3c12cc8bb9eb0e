"""What single choice and multiple response share: options with fractions."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import InlinePanel

from assessments import gift
from assessments.kinds.base import AnswerPart, GiftMapping, QuestionKind, fraction_of, number


class ChoiceKind(QuestionKind):
    edit_fields = ()
    edit_relations = ("options",)
    gift_complete = True

    def panels(self) -> list:
        # Short answer stores its accepted answers in the same rows, so the heading names both.
        return [
            InlinePanel(
                "options",
                heading=gettext_lazy(
                    "Options (single choice, multiple response) or accepted answers (short answer)"
                ),
                label=gettext_lazy("Option"),
            )
        ]

    def grading_data(self, source):
        return {
            "options": [
                {
                    "id": o["key"],
                    "text": o["text"],
                    "fraction": number(o["fraction"]),
                    "feedback": o["feedback"],
                }
                for o in source.get("options") or []
            ]
        }

    def option_errors(self, data) -> list[str]:
        if len(data["options"]) < 2:
            return [_("Add at least two options.")]
        return []

    def learner_view(self, data, *, rng, shuffle):
        options = [{"id": o["id"], "text": o["text"]} for o in data["options"]]
        if shuffle:
            rng.shuffle(options)
        return {"options": options}

    def field_names(self, data, name):
        return {name}

    def answer_text(self, data, answer):
        if answer is None or answer == "" or answer == []:
            return ""
        texts = {o["id"]: o["text"] for o in data["options"]}
        chosen = [answer] if isinstance(answer, str) else answer
        return "; ".join(texts.get(option_id, "") for option_id in chosen)

    def answer_parts(self, data, answer):
        if answer is None or answer == "" or answer == []:
            return []
        chosen = {answer} if isinstance(answer, str) else set(answer)
        # The grading data's order, as the grader reports feedback, so a permuted answer reads the same.
        return [
            AnswerPart(key=o["id"], text=o["text"], feedback=o.get("feedback") or "")
            for o in data["options"]
            if o["id"] in chosen
        ]

    def from_gift(self, q, *, plain):
        return GiftMapping(
            fields={},
            children={
                "options": [
                    {"text": o.text, "fraction": fraction_of(str(o.fraction)), "feedback": plain(o.feedback)}
                    for o in q.options
                ]
            },
        )

    def to_gift(self, q, *, question, data):
        q.options = [
            gift.GiftOption(text=o["text"], fraction=float(o["fraction"]), feedback=o["feedback"])
            for o in data["options"]
        ]

    def gift_losses(self, question):
        return []
