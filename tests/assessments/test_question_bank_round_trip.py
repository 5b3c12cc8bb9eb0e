"""Export -> import -> export gives identical bytes, for GIFT and for Moodle XML, over a bank
with one question of every kind whose texts carry the hostile-input corpus."""

import pytest

from assessments.kinds import all_kinds
from assessments.models import Question, RubricCriterion
from assessments.services.gift_import import question_bank_export_gift, question_bank_import_gift
from assessments.services.moodle_xml_import import (
    question_bank_export_moodle_xml,
    question_bank_import_moodle_xml,
)
from tests.security.hostile import CATEGORIES, STRINGS
from training_site.input_cleaning import has_control_characters

pytestmark = pytest.mark.django_db

# Every corpus string a question may hold: control characters are refused at the door,
# and HTML nested a thousand deep is refused by the import (too deep for the cleaner).
HOSTILE = [value for value in STRINGS if not has_control_characters(value) and "<b>" * 100 not in value]
BANK = "round-trip"


def _gift_text(value: str) -> str:
    """GIFT escapes for a hostile value put into a GIFT text."""
    specials = {char: "\\" + char for char in "\\~=#{}:"}
    return "".join(specials.get(char, char) for char in value.replace("\n", " "))


def build_bank(hostile: list[str]) -> None:
    """One question of each kind, hostile values in stems, wrong choices, feedback and
    matching right-hand sides (where GIFT cannot write '->' it is not put)."""
    h = [_gift_text(value) for value in hostile]

    def at(index: int) -> str:
        return h[index % len(h)]

    text = "\n\n".join(
        [
            f"::Single {at(0)[:40]}::[html]<p>Pick {at(1)}</p>{{=right#{at(2)} ~{at(3)}#fine ~other}}",
            f"::Multi::[html]Pick two {at(4)}{{~%50%a#{at(5)} ~%50%b ~%-100%{at(6)}}}",
            f"::True false::[html]{at(7)} is true.{{TRUE#{at(8)}#{at(9)}}}",
            f"::Short::[html]Name it {at(10)}{{=humility#{at(11)} =%50%awareness}}",
            f"::Numeric::[html]How many {at(12)}?{{#6:0.5#{at(13)} =%50%1..3 ~#{at(14)}}}",
            f"::Matching::[html]Match {at(15)}{{=Left one -> {at(16)} =Left two -> Right two = -> {at(17)}}}",
            f"::Essay::[html]Write about {at(18)}{{####{at(19)}}}",
        ]
    )
    question_bank_import_gift(text=text, bank_path=BANK)
    essay = Question.objects.get(qtype="essay")
    RubricCriterion.objects.create(question=essay, criterion="Acknowledges feelings", points=1)
    essay.save_revision().publish()
    assert sorted(Question.objects.filter(live=True).values_list("qtype", flat=True)) == sorted(
        kind.code for kind in all_kinds()
    )


def hostile_slices() -> list[list[str]]:
    """The corpus in slices of 20 (each slice fills one bank), so every string is used."""
    return [HOSTILE[start : start + 20] for start in range(0, len(HOSTILE), 20)]


@pytest.mark.parametrize("hostile", hostile_slices(), ids=lambda s: f"{HOSTILE.index(s[0])}")
def test_gift_export_import_export_is_identical(hostile: list[str]) -> None:
    build_bank(hostile)
    first = question_bank_export_gift(bank_path=BANK).text
    question_bank_import_gift(text=first)
    second = question_bank_export_gift(bank_path=BANK).text
    assert second == first
    assert Question.objects.count() == 7


@pytest.mark.parametrize("hostile", hostile_slices(), ids=lambda s: f"{HOSTILE.index(s[0])}")
def test_moodle_xml_export_import_export_is_identical(hostile: list[str]) -> None:
    build_bank(hostile)
    first = question_bank_export_moodle_xml(bank_path=BANK).text
    report = question_bank_import_moodle_xml(data=first)
    assert len(report.updated) == 7 and report.created == []
    second = question_bank_export_moodle_xml(bank_path=BANK).text
    assert second.encode() == first.encode()


def test_the_corpus_reaches_the_round_trips() -> None:
    """Every category of the corpus but control characters is in the banks above."""
    used = {name for name, values in CATEGORIES.items() if set(values) & set(HOSTILE)}
    assert set(CATEGORIES) - {"control"} <= used
    assert len(HOSTILE) >= len(STRINGS) - len(CATEGORIES["control"]) - 1
