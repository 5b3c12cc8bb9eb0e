"""GIFT import and export against the database: atomic, idempotent, round-trippable."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Question, QuestionBank, RubricCriterion
from assessments.services.gift_import import (
    GiftImportError,
    question_bank_export_gift,
    question_bank_import_gift,
)

pytestmark = pytest.mark.django_db

SAMPLE = r"""
$CATEGORY: $course$/top/conflict-resolution/module-1

// Every type GIFT can express.
::Listening::Which response shows reflective listening?{
  =You sound frustrated that nobody called you back.#It names the feeling and the fact.
  ~Calm down, please.#That dismisses the feeling.
  ~That's not our policy.#That closes the conversation.
}

::Choose two::Which help de-escalate? {
  ~%50%Lowering your voice#Yes.
  ~%50%Sitting at the same level#Yes.
  ~%-100%Crossing your arms#No.
}

::Interpreters::Children should interpret sensitive meetings.{F#They should not.#Right.}

::Term::The practice of examining your own assumptions is called cultural {=humility =%50%awareness#Close.}.

::Hours::How many hours is the course?{#6:0.5}

::Range::Pick a number from one to five.{#1..5}

::Roles::Match each role to its task.{
  =Counselor -> Student wellbeing
  =Principal -> School decisions
  =Liaison -> Family connection
}

::Scenario\: the voicemail::[markdown]A parent leaves an **angry** voicemail. What do you do?{}
"""


def test_import_creates_every_type_in_the_category_bank():
    report = question_bank_import_gift(text=SAMPLE)
    assert len(report.created) == 8
    bank = QuestionBank.objects.get(path="conflict-resolution/module-1")
    assert bank.parent.path == "conflict-resolution"
    types = dict(Question.objects.values_list("title", "qtype"))
    assert types == {
        "Listening": "single_choice",
        "Choose two": "multiple_response",
        "Interpreters": "true_false",
        "Term": "short_answer",
        "Hours": "numeric",
        "Range": "numeric",
        "Roles": "matching",
        "Scenario: the voicemail": "essay",
    }
    essay = Question.objects.get(qtype="essay")
    assert "<b>angry</b>" in essay.stem or "<strong>angry</strong>" in essay.stem
    term = Question.objects.get(title="Term")
    assert term.missing_word and "_____" in term.stem


def test_imported_questions_are_live_and_gradable_except_essay_without_rubric():
    """Objective questions are published; an essay waits as a draft until it has a rubric."""
    question_bank_import_gift(text=SAMPLE)
    for question in Question.objects.exclude(qtype="essay"):
        assert question.live, question.title
        assert question.grading_errors() == [], question.title
    essay = Question.objects.get(qtype="essay")
    assert essay.grading_errors() == ["Add at least one rubric criterion."]


def test_importing_twice_does_not_duplicate():
    question_bank_import_gift(text=SAMPLE)
    report = question_bank_import_gift(text=SAMPLE)
    assert report.created == [] and len(report.updated) == 8
    assert Question.objects.count() == 8


def test_bank_and_tag_options_override_category():
    question_bank_import_gift(text=SAMPLE, bank_path="district/pd-day", tags=["listening"])
    assert set(Question.objects.values_list("bank__path", flat=True)) == {"district/pd-day"}
    assert Question.objects.filter(tags__name="listening").count() == 8


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("::A::Fine{=a ~b}\n\n::B::Broken{=a ~b\n", 3, "{"),
        ("::A::Fine{=a ~b}\n\n::B::No right answer{~a ~b}\n", 3, "correct"),
    ],
)
def test_bad_file_imports_nothing_and_names_the_line(text, line, phrase):
    with pytest.raises(GiftImportError) as error:
        question_bank_import_gift(text=text)
    assert any(
        problem_line == line and phrase in message for problem_line, message in error.value.problems
    ), error.value.problems
    assert not Question.objects.exists()
    assert not QuestionBank.objects.exists()


def test_import_command_fails_with_line_numbers_and_changes_nothing(tmp_path):
    path = tmp_path / "bad.gift"
    path.write_text("::Good::{=a ~b}\n\n::Bad::{~a ~b}\n")
    with pytest.raises(CommandError, match=r"line 3"):
        call_command("import_gift", str(path))
    assert not Question.objects.exists()


def test_import_command_refuses_a_tag_longer_than_its_column_and_changes_nothing(tmp_path):
    """import_gift --tag is checked as the admin's upload form checks it: a clear error
    naming the limit, nothing imported (PostgreSQL would refuse the value mid-import)."""
    path = tmp_path / "sample.gift"
    path.write_text(SAMPLE)
    with pytest.raises(CommandError, match=r"at most 100 characters"):
        call_command("import_gift", str(path), "--tag", "t" * 101)
    assert not Question.objects.exists()
    assert not QuestionBank.objects.exists()


def test_import_and_export_commands(tmp_path):
    path = tmp_path / "sample.gift"
    path.write_text(SAMPLE)
    out = io.StringIO()
    call_command("import_gift", str(path), "--tag", "conflict", stdout=out)
    assert "Imported 8 new" in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    call_command("export_gift", "--bank", "conflict-resolution", stdout=out, stderr=err)
    assert "::Listening::" in out.getvalue()
    assert "GIFT cannot hold its tags" in err.getvalue()


def _snapshot():
    rows = []
    for q in Question.objects.order_by("title").prefetch_related("options", "numeric_answers", "pairs"):
        data = q.grading_data()
        for key in ("options", "pairs"):
            for item in data.get(key, []):
                item.pop("id", None)
        rows.append((q.title, q.qtype, q.stem, q.missing_word, q.general_feedback, data))
    return rows


def test_round_trip_export_import_is_equal_and_second_export_identical():
    """Export, import into an empty database, export again: same questions, same text."""
    question_bank_import_gift(text=SAMPLE)
    first = question_bank_export_gift()
    before = _snapshot()
    Question.objects.all().delete()
    question_bank_import_gift(text=first.text)
    assert _snapshot() == before
    assert question_bank_export_gift().text == first.text


def test_export_warns_about_rubrics():
    """What GIFT cannot hold is listed, not silently dropped."""
    question_bank_import_gift(text=SAMPLE)
    essay = Question.objects.get(qtype="essay")
    essay.marks = 2
    RubricCriterion.objects.create(question=essay, criterion="Acknowledges feelings", points=2)
    essay.save_revision().publish()
    export = question_bank_export_gift()
    assert any("Scenario: the voicemail" in w and "rubric" in w for w in export.warnings)


def test_html_stems_are_cleaned_to_rich_text_rules():
    text = (
        '::X::[html]<p onclick="steal()">Hi <script>alert(1)</script>'
        '<a href="javascript:x()">l</a></p>{=a ~b}'
    )
    question_bank_import_gift(text=text)
    stem = Question.objects.get().stem
    assert "onclick" not in stem and "<script" not in stem and "javascript:" not in stem


def test_a_stem_left_with_a_trailing_space_by_the_cleaner_round_trips():
    """The cleaner can leave whitespace where it removed markup ("Match <input ...>" keeps
    "Match "); export -> import -> export must still give the same text."""
    question_bank_import_gift(
        text="::T::[html]Match <input autofocus onfocus=alert(1)>{=a ~b}", bank_path="b"
    )
    first = question_bank_export_gift(bank_path="b").text
    question_bank_import_gift(text=first)
    assert question_bank_export_gift(bank_path="b").text == first
