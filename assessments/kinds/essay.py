import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel

from assessments import graders
from assessments.kinds.base import GiftMapping, KindExample, QuestionKind, number, plural_count
from assessments.kinds.registry import register


def _level_points(raw: str):
    """A typed number as JSON keeps it (2, 1.5); anything else is kept as typed, so the
    authoring check names the problem instead of the value vanishing."""
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    if not number.is_finite():
        return raw
    return int(number) if number == number.to_integral_value() else float(number)


class RubricLevelsWidget(forms.Widget):
    """A criterion's performance levels as rows of points and descriptor, never raw JSON.

    Rows with no points are dropped; there are always a few empty rows to add levels (save
    to get more)."""

    EMPTY_ROWS = 3

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value or "[]")
            except ValueError:
                value = []
        return value if isinstance(value, list) else []

    def render(self, name, value, attrs=None, renderer=None):
        levels = [lvl for lvl in self.format_value(value) if isinstance(lvl, dict)]
        rows = [(lvl.get("points", ""), lvl.get("descriptor", "")) for lvl in levels]
        rows += [("", "")] * self.EMPTY_ROWS
        body = format_html_join(
            "",
            '<tr><td><input type="text" inputmode="decimal" name="{0}-points-{1}" value="{2}" '
            'aria-label="{4} {5}"></td><td><input type="text" name="{0}-descriptor-{1}" value="{3}" '
            'aria-label="{6} {5}"></td></tr>',
            (
                (name, index, points, descriptor, _("Points of level"), index + 1, _("Descriptor of level"))
                for index, (points, descriptor) in enumerate(rows)
            ),
        )
        return format_html(
            '<table class="rubric-levels" id="{}"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            (attrs or {}).get("id", name),
            _("Points"),
            _("Descriptor"),
            body,
        )

    def value_from_datadict(self, data, files, name):
        levels = []
        index = 0
        while f"{name}-points-{index}" in data or f"{name}-descriptor-{index}" in data:
            points = (data.get(f"{name}-points-{index}") or "").strip()
            descriptor = (data.get(f"{name}-descriptor-{index}") or "").strip()
            if points:
                levels.append({"points": _level_points(points), "descriptor": descriptor})
            index += 1
        if index == 0 and name in data:
            return data[name]  # a plain JSON value (scripts, tests): the form field parses it
        return json.dumps(levels)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}-points-0" not in data


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
                panels=[
                    FieldRowPanel([FieldPanel("criterion"), FieldPanel("points")]),
                    FieldPanel(
                        "levels",
                        widget=RubricLevelsWidget(),
                        help_text=gettext_lazy(
                            "One row per level: its points and what earns them. "
                            "Rows without points are ignored."
                        ),
                    ),
                ],
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
        marks = Decimal(data["marks"])
        if total != marks:
            return [
                ngettext(
                    "The rubric's points add up to %(total)s but the question is worth %(marks)s mark.",
                    "The rubric's points add up to %(total)s but the question is worth %(marks)s marks.",
                    plural_count(marks),
                )
                % {"total": total.normalize(), "marks": marks.normalize()}
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

    def answer_parts(self, data, answer):
        return self.whole_answer_parts(data, answer)

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
