"""GIFT files as Moodle imports them: untitled questions, repeated texts, and every form
Moodle's importer accepts (tests/assessments/corpus/moodle_parity.gift)."""

from pathlib import Path

import pytest
from django.urls import reverse

from assessments import gift
from assessments.models import Question
from assessments.services.gift_import import (
    question_bank_import_gift,
    question_bank_import_gift_preview,
)

CORPUS = (Path(__file__).parent / "corpus" / "moodle_parity.gift").read_text(encoding="utf-8")

# What Moodle makes of the corpus, in file order, in our type names (Moodle's multichoice
# with <single> 1 is single_choice, with 0 multiple_response). Moodle also imports the
# description at line 44, which we skip with a warning.
MOODLE_TYPES = [
    "single_choice",
    "single_choice",
    "multiple_response",
    "single_choice",
    "true_false",
    "short_answer",
    "numeric",
    "numeric",
    "numeric",
    "matching",
    "essay",
    "true_false",
    "true_false",
    "single_choice",
    "single_choice",
    "true_false",
    "multiple_response",
    "short_answer",
    "numeric",
    "true_false",
]
DESCRIPTION_LINE = 44


def test_corpus_parses_to_moodles_count_and_types() -> None:
    """Every question Moodle would import is read, with the same type, and the one
    description is reported at its line instead of silently dropped."""
    warnings: list[gift.GiftProblem] = []
    questions = gift.parse_gift(CORPUS, warnings=warnings)
    assert [q.type for q in questions] == MOODLE_TYPES
    assert len(MOODLE_TYPES) + 1 == 21  # Moodle's count, the description included
    assert [(w.line, "description" in w.message) for w in warnings if "description" in w.message] == [
        (DESCRIPTION_LINE, True)
    ]
    assert [w.line for w in warnings if "unknown format [note]" in w.message] == [46]


def test_corpus_values_as_moodle_reads_them() -> None:
    """Weights, feedback, ranges, several numeric answers, escapes and format tags keep
    the values Moodle gives them."""
    by_title = {q.title: q for q in gift.parse_gift(CORPUS)}
    assert [o.fraction for o in by_title["Weights"].options] == [0.5, 0.5, -1.0]
    numeric = by_title["Numeric multiple"]
    assert [(a.value, a.tolerance, a.fraction, a.feedback) for a in numeric.answers] == [
        (1822.0, 0.0, 1.0, "Exactly."),
        (1822.0, 2.0, 0.5, "Close."),
    ]
    assert numeric.wrong_feedback == "Wrong year."
    assert (by_title["Numeric range"].answers[0].min, by_title["Numeric range"].answers[0].max) == (1.0, 5.0)
    assert by_title["Escapes"].stem == "Escaped ~ = # { } : and a line\nbreak."
    assert by_title["HTML"].stem_format == "html"
    assert by_title["Markdown"].stem_format == "markdown"
    assert by_title["Unknown tag"].stem == "[note] Keep the bracketed word."
    assert by_title["Matching"].distractors == ["Paris"]
    assert by_title["Feedback"].general_feedback == "Read chapter 2."
    assert by_title["Exported short answer"].answers[0].text == "Paris"


@pytest.mark.parametrize(
    ("stem", "title"),
    [
        ("Who's buried in Grant's tomb?", "Who's buried in Grant's tomb?"),
        ("<p>Is this <b>bold</b>?</p>", "Is this bold?"),
        # 81 characters: cut to 77, back to the last space, then "...".
        ("word " * 16 + "w", "word " * 15 + "..."),
        # 80 characters exactly: kept whole (the rule is "at most 80", not "under 80").
        ("a" * 80, "a" * 80),
        ("a" * 81, "a" * 77 + "..."),
        ("Line one\nline two", "Line one line two"),
        ("<img src=x>", "Question"),
    ],
)
def test_default_title_follows_moodles_rule(stem: str, title: str) -> None:
    """Untitled questions are named as Moodle's create_default_question_name does."""
    assert gift.default_title(stem) == title


@pytest.mark.django_db
def test_corpus_imports_with_stable_titles_and_suffixes() -> None:
    """Untitled questions get their text's start as title, repeated titles a suffix, and a
    second import of the same file updates the same questions instead of adding new ones."""
    first = question_bank_import_gift(text=CORPUS)
    assert len(first.created) == len(MOODLE_TYPES)
    assert "Who's buried in Grant's tomb?" in first.created
    assert "Who's buried in Grant's tomb? (2)" in first.created
    assert "Grant is _____ in Grant's tomb." in first.created
    assert sorted(Question.objects.values_list("qtype", flat=True)) == sorted(MOODLE_TYPES)
    second = question_bank_import_gift(text=CORPUS)
    assert (second.created, sorted(second.updated)) == ([], sorted(first.created))
    assert Question.objects.count() == len(MOODLE_TYPES)


@pytest.mark.django_db
def test_suffixes_skip_titles_already_taken_in_the_file() -> None:
    """A suffix never collides with a title written in the file; the same text in another
    bank keeps its name."""
    text = "::Q (2)::A {T}\n\n::Q::B {T}\n\n::Q::C {T}\n\n::Q::D {T}\n\n$CATEGORY: other\n\n::Q::E {T}\n"
    report = question_bank_import_gift(text=text, bank_path=None)
    titles = dict(Question.objects.values_list("stem", "title"))
    assert titles == {
        "<p>A</p>": "Q (2)",
        "<p>B</p>": "Q",
        "<p>C</p>": "Q (3)",
        "<p>D</p>": "Q (4)",
        "<p>E</p>": "Q",
    }
    assert len(report.created) == 5


@pytest.mark.django_db
def test_preview_lists_renames_and_skips_with_their_lines() -> None:
    """The preview names every question it renamed and the description it skipped."""
    preview = question_bank_import_gift_preview(text=CORPUS)
    assert len(preview.rows) == len(MOODLE_TYPES)
    lines = {line for line, _message in preview.warnings}
    assert {5, 7, DESCRIPTION_LINE} <= lines
    assert any("(2)" in message for line, message in preview.warnings if line == 7)
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_preview_shows_the_warnings(admin_client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("parity.gift", CORPUS.encode())
    response = admin_client.post(reverse("gift:import"), {"file": upload, "bank": "", "tags": ""})
    assert response.status_code == 200
    content = response.content.decode()
    assert "description" in content
    assert "Import 20 questions" in content
