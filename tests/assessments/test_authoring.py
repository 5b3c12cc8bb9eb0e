"""Coordinators' authoring: the editor shows the chosen type's panels; messages pluralize."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from assessments.kinds import get_kind
from assessments.kinds.base import plural_count
from assessments.models import Question
from assessments.models.questions import build_grading_data, kind_panels
from assessments.services.gift_import import question_bank_import_gift
from tests.factories import UserFactory


def test_each_type_specific_panel_names_its_kinds():
    """Shared rows (options) name every kind that uses them; the others one kind each."""
    owners = {panel.attrs["data-question-kinds"] for panel in kind_panels()}
    assert "single_choice multiple_response short_answer" in owners
    assert {"true_false", "numeric", "matching", "essay"} <= owners


@pytest.mark.django_db
def test_question_editor_marks_panels_by_kind_and_loads_the_toggle(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Training coordinators"))
    client.force_login(user)
    question_bank_import_gift(text="::TF::The sky is blue.{T}", bank_path="b")
    question = Question.objects.get()
    html = client.get(
        reverse("wagtailsnippets_assessments_question:edit", args=[question.pk])
    ).content.decode()
    assert 'data-question-kinds="true_false"' in html
    assert 'data-question-kinds="single_choice multiple_response short_answer"' in html
    assert 'data-question-kinds="essay"' in html
    assert "assessments/question_editor.js" in html


@pytest.mark.parametrize(
    ("marks", "expected"), [("1", "worth 1 mark."), ("2", "worth 2 marks."), ("1.5", "worth 1.5 marks.")]
)
def test_rubric_message_pluralizes_marks(marks, expected):
    essay = get_kind("essay")
    data = build_grading_data(
        qtype="essay",
        source={"marks": marks, "rubric": [{"key": "c", "criterion": "C", "points": 3, "levels": []}]},
    )
    (message,) = essay.authoring_errors(data)
    assert message.endswith(expected)


def test_plural_count():
    assert [plural_count(Decimal(v)) for v in ("1", "1.00", "2", "0.5")] == [1, 1, 2, 2]


@pytest.mark.django_db
def test_rubric_levels_are_edited_as_rows_not_json(client):
    """A coordinator types levels into rows; they are stored as the list graders read, and the
    editor shows them as rows again (no JSON textarea)."""
    from assessments.models import QuestionBank
    from tests.assessments.test_admin import question_post

    user = UserFactory()
    user.groups.add(Group.objects.get(name="Training coordinators"))
    client.force_login(user)
    bank = QuestionBank.objects.ensure_path("essays")
    criterion = {
        "criterion": "Names the concern",
        "points": "2",
        "levels-points-0": "0",
        "levels-descriptor-0": "Missing",
        "levels-points-1": "2",
        "levels-descriptor-1": "Clear",
        "levels-points-2": "",
        "levels-descriptor-2": "",
    }
    data = question_post(bank.pk, qtype="essay", marks="2", title="Scenario", rubric_criteria=[criterion])
    response = client.post(reverse("wagtailsnippets_assessments_question:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(title="Scenario")
    assert question.rubric_criteria.get().levels == [
        {"points": 0, "descriptor": "Missing"},
        {"points": 2, "descriptor": "Clear"},
    ]
    html = client.get(
        reverse("wagtailsnippets_assessments_question:edit", args=[question.pk])
    ).content.decode()
    assert 'name="rubric_criteria-0-levels-descriptor-1" value="Clear"' in html
    assert "&quot;descriptor&quot;" not in html and '"descriptor":' not in html


@pytest.mark.django_db
def test_rubric_level_that_is_not_a_number_is_reported(client):
    from assessments.models import QuestionBank
    from tests.assessments.test_admin import question_post

    user = UserFactory()
    user.groups.add(Group.objects.get(name="Training coordinators"))
    client.force_login(user)
    bank = QuestionBank.objects.ensure_path("essays")
    criterion = {"criterion": "C", "points": "2", "levels-points-0": "two", "levels-descriptor-0": "x"}
    data = question_post(bank.pk, qtype="essay", marks="2", title="Bad", rubric_criteria=[criterion])
    response = client.post(reverse("wagtailsnippets_assessments_question:add"), data)
    assert response.status_code == 200
    assert "must be a number" in response.content.decode()
    assert not Question.objects.filter(title="Bad").exists()


@pytest.mark.django_db
def test_question_chooser_searches_and_filters_by_bank_type_and_tag(client):
    """The quiz's question chooser finds by text and narrows by bank, type and tag, and lists
    those as columns."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Training coordinators"))
    client.force_login(user)
    question_bank_import_gift(text="::Sky::The sky is blue.{T}\n\n::Grass::Grass is red.{F}", bank_path="a")
    question_bank_import_gift(text="::Pick::Pick one (quickly).{=Yes ~No}", bank_path="b", tags=["listening"])
    url = reverse("wagtailsnippetchoosers_assessments_question:choose_results")

    def titles(**params):
        html = client.get(url, params).content.decode()
        assert client.get(url, params).status_code == 200
        return {t for t in ("Sky", "Grass", "Pick") if re.search(rf">\s*{t}\s*<", html)}, html

    found, html = titles()
    assert found == {"Sky", "Grass", "Pick"}
    assert "True / false" in html and "Single choice" in html and "listening" in html
    assert titles(q="sky")[0] == {"Sky"}
    assert titles(q='"(quickly)')[0] == set()  # odd characters are text, not a syntax error
    assert titles(q="(quickly)")[0] == {"Pick"}
    bank_b = Question.objects.get(title="Pick").bank_id
    assert titles(bank=bank_b)[0] == {"Pick"}
    assert titles(qtype="true_false")[0] == {"Sky", "Grass"}
    assert titles(tag="Listening")[0] == {"Pick"}
    chooser = client.get(reverse("wagtailsnippetchoosers_assessments_question:choose")).json()["html"]
    assert 'name="bank"' in chooser and 'name="qtype"' in chooser and 'name="tag"' in chooser
