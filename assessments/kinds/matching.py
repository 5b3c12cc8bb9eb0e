from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, InlinePanel

from assessments import graders
from assessments.kinds.base import AnswerPart, GiftMapping, KindExample, QuestionKind
from assessments.kinds.registry import register


def _field(name: str, pair_id: str) -> str:
    return f"{name}:{pair_id}"


@register
class Matching(QuestionKind):
    code = graders.MATCHING
    label = gettext_lazy("Matching")
    edit_fields = ("distractors",)
    edit_relations = ("pairs",)
    gift_complete = True

    def panels(self):
        return [
            InlinePanel("pairs", heading=gettext_lazy("Matching pairs"), label=gettext_lazy("Pair")),
            FieldPanel("distractors"),
        ]

    def grading_data(self, source):
        return {
            "pairs": [
                {"id": p["key"], "left": p["left"], "right": p["right"]} for p in source.get("pairs") or []
            ],
            "distractors": [
                line.strip() for line in (source.get("distractors") or "").splitlines() if line.strip()
            ],
        }

    def authoring_errors(self, data):
        if len(data["pairs"]) < 2:
            return [_("Add at least two matching pairs.")]
        return []

    def grade(self, data, response):
        return graders.grade_matching(data, response)

    def correct_response(self, data):
        return graders.correct_response(data)

    def learner_view(self, data, *, rng, shuffle):
        lefts = [{"id": p["id"], "left": p["left"]} for p in data["pairs"]]
        choices = sorted({p["right"] for p in data["pairs"]} | set(data.get("distractors", [])))
        if shuffle:
            rng.shuffle(lefts)
            rng.shuffle(choices)
        return {"lefts": lefts, "choices": choices}

    def field_names(self, data, name):
        return {name} | {_field(name, p["id"]) for p in data["pairs"]}

    def parse_answer(self, data, post, name):
        return {
            p["id"]: post.get(_field(name, p["id"])) for p in data["pairs"] if post.get(_field(name, p["id"]))
        } or None

    def answer_text(self, data, answer):
        if not answer:
            return ""
        lefts = {p["id"]: p["left"] for p in data["pairs"]}
        return "; ".join(f"{lefts.get(key, '')} → {value}" for key, value in answer.items())

    def answer_parts(self, data, answer):
        if not answer:
            return []
        # Every prompt, in the question's order; a prompt left unmatched has empty text.
        return [
            AnswerPart(key=p["id"], prompt=p["left"], text=answer.get(p["id"]) or "") for p in data["pairs"]
        ]

    def from_gift(self, q, *, plain):
        return GiftMapping(
            fields={"distractors": "\n".join(q.distractors)},
            children={"pairs": [{"left": left, "right": right} for left, right in q.pairs]},
        )

    def to_gift(self, q, *, question, data):
        q.pairs = [(p["left"], p["right"]) for p in data["pairs"]]
        q.distractors = data["distractors"]

    def gift_losses(self, question):
        return []

    def example(self):
        return KindExample(
            source={
                "marks": 2,
                "pairs": [
                    {"key": "p1", "left": "Interpreter", "right": "Language"},
                    {"key": "p2", "left": "Counsellor", "right": "Wellbeing"},
                ],
                "distractors": "Transport\n",
            },
            post={":p1": ["Language"], ":p2": ["Transport"]},
            expected_fraction=Decimal("0.5"),
            answer_text="Interpreter → Language; Counsellor → Transport",
        )
