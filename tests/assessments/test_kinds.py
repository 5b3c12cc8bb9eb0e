"""Every registered question kind, end to end on its own sample question."""

import json
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.template.loader import render_to_string

from assessments import kinds
from assessments.display import learner_view
from assessments.kinds.base import QuestionKind
from assessments.models.questions import QuestionType, build_grading_data
from assessments.services.review import answer_text

KINDS = kinds.all_kinds()


def _leaked_values(data: dict) -> set[str]:
    """Fractions and feedback of the grading data, which a learner must never see."""
    secrets = set()

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in ("fraction", "feedback", "feedback_true", "feedback_false", "answer") and value not in (
            None,
            "",
        ):
            secrets.add(str(value))

    walk(data)
    return secrets


def test_every_question_type_has_a_registered_kind():
    """The type menu and the registry are the same list, in the same order."""
    assert [k.code for k in KINDS] == list(QuestionType.values)
    assert len(KINDS) == 7


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_kind_authoring_to_review(kind):
    """Author -> grading data -> learner view -> parse a posted answer -> grade -> review text."""
    example = kind.example()
    data = build_grading_data(qtype=kind.code, source=example.source)
    # Grading data survives the JSON round trip an attempt's copy makes.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    assert data["type"] == kind.code
    assert kind.errors(data) == []

    view = learner_view(grading_data=data, stem="<p>Stem</p>", seed="abc", shuffle=True)
    assert view["type"] == kind.code and view["template"] == kind.template
    flat = json.dumps(view, cls=DjangoJSONEncoder)
    for key in ("fraction", "feedback", "rubric", "answers", "pairs"):
        assert f'"{key}"' not in flat
    for secret in _leaked_values(data):
        if secret not in ("0", "1", "True", "False"):
            assert secret not in flat, secret
    html = render_to_string(
        "assessments/includes/question_fields.html", {"item": view, "name": "q1", "response": None}
    )
    assert 'name="q1' in html

    post = QueryDict(mutable=True)
    for suffix, values in example.post.items():
        post.setlist(f"q1{suffix}", values)
    answer = kind.parse_answer(data, post, "q1")
    assert answer is not None
    assert set(post) <= kind.field_names(data, "q1")

    result = kind.grade(data, answer)
    if example.expected_fraction is None:
        assert result.needs_manual and result.score is None
    else:
        assert result.fraction == example.expected_fraction
        assert result.score == (Decimal(data["marks"]) * example.expected_fraction).quantize(Decimal("0.01"))

    assert answer_text(data, answer) == example.answer_text
    assert kind.answer_text(data, None) == ""
    # The review's list of pieces says the same as the answer in words, piece by piece.
    pieces = kind.answer_parts(data, answer)
    assert "; ".join(f"{p.prompt} → {p.text}" if p.prompt else p.text for p in pieces) == example.answer_text
    assert result.needs_manual or set(result.parts) >= {p.key for p in pieces}
    assert kind.answer_parts(data, None) == []
    key = render_to_string(kind.template, {"data": data, "part": "key"})
    assert key.strip()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_kind_answers_nothing_when_nothing_is_posted(kind):
    """An empty form is an unanswered question, not an error."""
    data = build_grading_data(qtype=kind.code, source=kind.example().source)
    assert kind.parse_answer(data, QueryDict(), "q1") is None


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_kind_correct_response_earns_full_marks(kind):
    """The answer key grades as full marks (or waits for a person)."""
    data = build_grading_data(qtype=kind.code, source=kind.example().source)
    result = kind.grade(data, kind.correct_response(data))
    assert result.needs_manual or result.score == Decimal(data["marks"])


def test_a_kind_missing_a_hook_cannot_be_created():
    """The base class is abstract: no silent defaults."""

    class Half(QuestionKind):
        code = "half"

    with pytest.raises(TypeError):
        Half()


def test_a_kind_missing_an_attribute_cannot_register():
    """register refuses a kind that implements every hook but names no code, label, fields."""
    full = type(KINDS[0])
    hooks = {name: getattr(full, name) for name in QuestionKind.__abstractmethods__}
    incomplete = type("Incomplete", (QuestionKind,), hooks)
    with pytest.raises(TypeError, match="must define code, label, edit_fields"):
        kinds.register(incomplete)
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register(full)


def test_unknown_type_is_an_authoring_error():
    with pytest.raises(ValueError, match="unknown question type"):
        kinds.get_kind("ordering")


def test_multiple_response_weight_rule_is_one_tolerance():
    """The editor and the GIFT importer apply the same 0.01% rule to positive weights."""
    from assessments import gift, graders

    assert graders.weights_sum_to_one([Decimal("0.3333")] * 3)  # 99.99%: within 0.01%
    assert not graders.weights_sum_to_one([Decimal("0.3333"), Decimal("0.3333"), Decimal("0.3332")])
    assert gift.parse_gift("S {~%33.33%a ~%33.33%b ~%33.34%c ~%-100%d}")[0].type == "multiple_response"
    assert gift.parse_gift("S {~%33.33%a ~%33.33%b ~%33.33%c ~%-100%d}")[0].type == "multiple_response"
    with pytest.raises(gift.GiftError):
        gift.parse_gift("S {~%33.33%a ~%33.33%b ~%33.32%c ~%-100%d}")
    mr = kinds.get_kind(graders.MULTIPLE_RESPONSE)
    data = build_grading_data(
        qtype=mr.code,
        source={
            "marks": 1,
            "options": [
                {"key": str(i), "text": str(i), "fraction": "0.3333", "feedback": ""} for i in range(3)
            ],
        },
    )
    assert mr.errors(data) == []
    data["options"][2]["fraction"] = "0.3332"
    assert mr.errors(data) != []


def test_true_false_rejects_other_values():
    kind = kinds.get_kind("true_false")
    data = build_grading_data(qtype="true_false", source=kind.example().source)
    with pytest.raises(ValidationError):
        kind.parse_answer(data, QueryDict("q1=maybe"), "q1")


def test_shuffled_views_are_stable_per_seed():
    kind = kinds.get_kind("matching")
    data = build_grading_data(qtype="matching", source=kind.example().source)
    first = kind.learner_view(data, rng=random.Random("s"), shuffle=True)
    assert first == kind.learner_view(data, rng=random.Random("s"), shuffle=True)
