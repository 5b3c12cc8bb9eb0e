"""The contract every question kind fulfils.

A kind owns everything that depends on the question type: the admin panels of the fields
it uses, authoring validation, building grading data, grading (by delegating to the pure
functions in ``assessments.graders``), the learner's view, reading the posted answer, the
answer in words for the review, the GIFT mapping and its template. Code outside this
package asks the registry for the kind and never switches on the type itself.

Every hook is abstract on purpose: a new kind that forgets one fails at import (Python
refuses to instantiate it), instead of silently inheriting another type's behaviour.
"""

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from assessments import graders


def number(value) -> str | None:
    """A decimal as the canonical string grading data stores (None for blank)."""
    return None if value in (None, "") else str(Decimal(str(value)).normalize())


def plural_count(value) -> int:
    """A count for ngettext from a number of marks: whole numbers as they are; any other
    number takes the plural, as in "1.5 marks"."""
    number = Decimal(str(value or 0))
    return int(number) if number == number.to_integral_value() else 2


def fraction_of(value) -> Decimal:
    return Decimal(value or 0)


@dataclass(frozen=True)
class GiftMapping:
    """What a parsed GIFT question sets on a Question: scalar ``fields`` and child rows per
    relation (``children``: relation name -> list of field dicts)."""

    fields: dict[str, Any]
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerPart:
    """One piece of an answer for the review: a chosen option, a matching pair, or the whole
    answer of a one-value type.

    ``key`` is the piece's name in a graded response's ``parts`` (an option or pair id, or
    "answer"), so the review can say whether this piece earned credit. ``prompt`` is set for
    a matching pair ("prompt → text"). ``feedback`` is the author's feedback for this piece
    when the type has feedback per option; the review decides whether it may be shown.
    """

    key: str
    text: str
    prompt: str = ""
    feedback: str = ""


@dataclass(frozen=True)
class KindExample:
    """A small authored question of the kind and a posted answer to it, used by the test that
    runs every registered kind end to end (and handy in a shell)."""

    source: dict[str, Any]
    post: dict[str, list[str]]
    expected_fraction: Decimal | None
    answer_text: str


class QuestionKind(ABC):
    code: ClassVar[str]
    label: ClassVar[Promise]
    # Scalar Question fields and child relations this kind edits. The editor shows them for
    # this kind only, and a GIFT import resets the ones of the other kinds.
    edit_fields: ClassVar[tuple[str, ...]]
    edit_relations: ClassVar[tuple[str, ...]]
    # Whether GIFT holds everything this kind needs to be graded (an essay's rubric is not).
    gift_complete: ClassVar[bool]
    # The class attributes above have no defaults; registry.register refuses a kind without them.
    REQUIRED_ATTRIBUTES: ClassVar[tuple[str, ...]] = (
        "code",
        "label",
        "edit_fields",
        "edit_relations",
        "gift_complete",
    )

    @property
    def template(self) -> str:
        """The kind's one template: the learner's field, and with ``part="key"`` the answer key."""
        return f"assessments/kinds/{self.code}.html"

    # --- authoring --------------------------------------------------------------------------

    @abstractmethod
    def panels(self) -> list:
        """Wagtail panels for ``edit_fields`` and ``edit_relations``."""

    @abstractmethod
    def grading_data(self, source: Mapping[str, Any]) -> dict[str, Any]:
        """The type-specific part of the grading data.

        ``source`` is the question in a neutral shape, the same whether it comes from a model,
        a revision's stored JSON or the admin form: marks, options, tf_answer,
        feedback_true/false, numeric_answers, pairs, distractors, rubric.
        """

    @abstractmethod
    def authoring_errors(self, data: Mapping[str, Any]) -> list[str]:
        """What makes the question ungradable, in words a coordinator can act on."""

    # --- grading ------------------------------------------------------------------------------

    @abstractmethod
    def grade(self, data: Mapping[str, Any], response: object) -> graders.GradeResult:
        """Grade a response; malformed responses raise ValidationError."""

    @abstractmethod
    def correct_response(self, data: Mapping[str, Any]) -> object:
        """A full-marks response ("" where a person grades)."""

    # --- the learner -------------------------------------------------------------------------

    @abstractmethod
    def learner_view(self, data: Mapping[str, Any], *, rng: random.Random, shuffle: bool) -> dict[str, Any]:
        """The type-specific, learner-safe part of the view: never fractions, keys or feedback."""

    @abstractmethod
    def field_names(self, data: Mapping[str, Any], name: str) -> set[str]:
        """Every form field name this question may post under ``name``."""

    @abstractmethod
    def parse_answer(self, data: Mapping[str, Any], post: QueryDict, name: str) -> object:
        """The posted answer as the grader takes it, or None when unanswered.
        Raise ValidationError for a shape no honest form sends."""

    @abstractmethod
    def answer_text(self, data: Mapping[str, Any], answer: object) -> str:
        """An answer (the learner's or the correct one) in words, for the review."""

    @abstractmethod
    def answer_parts(self, data: Mapping[str, Any], answer: object) -> list[AnswerPart]:
        """An answer (the learner's or the correct one) as a list of pieces, for the review:
        each chosen option, each matching pair, or the whole answer; [] when unanswered."""

    # --- GIFT ---------------------------------------------------------------------------------

    @abstractmethod
    def from_gift(self, q, *, plain) -> GiftMapping:
        """Fields and child rows from a parsed ``gift.GiftQuestion``; ``plain(text)`` turns a
        GIFT text into the plain text stored in feedback fields."""

    @abstractmethod
    def to_gift(self, q, *, question, data: Mapping[str, Any]) -> None:
        """Fill the type-specific attributes of ``q`` (a gift.GiftQuestion) from a Question."""

    @abstractmethod
    def gift_losses(self, question) -> list[str]:
        """What of this question GIFT cannot hold (beyond tags and marks)."""

    @abstractmethod
    def example(self) -> KindExample:
        """A sample question and answer (see KindExample)."""

    # --- shared steps, the same for every kind -------------------------------------------------

    def build(self, source: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": self.code, "marks": number(source.get("marks")), **self.grading_data(source)}

    def errors(self, data: Mapping[str, Any]) -> list[str]:
        errors = list(self.authoring_errors(data))
        if not errors:
            # Whatever the checks above miss, a full-marks response must grade cleanly.
            try:
                self.grade(data, self.correct_response(data))
            except (ValueError, ValidationError) as error:
                errors.append(str(error))
        return errors

    def whole_answer_parts(self, data: Mapping[str, Any], answer: object) -> list[AnswerPart]:
        """``answer_parts`` of a type with one value: one piece, named "answer" as in ``parts``."""
        text = self.answer_text(data, answer)
        return [AnswerPart(key="answer", text=text)] if text else []

    def single_value(self, post: QueryDict, name: str) -> str | None:
        if len(post.getlist(name)) > 1:
            raise ValidationError(_("A question received more than one answer."))
        return post.get(name) or None
