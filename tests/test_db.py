"""training_site.db.rows_update: many rows, different values, one statement."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Response
from assessments.services import attempts as services
from courses.models import ModulePage
from courses.services import enrollment_create
from tests.factories import UserFactory, build_course, build_quiz, make_questions, site_tree
from training_site.db import rows_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def responses():
    _home, index = site_tree()
    course = build_course(index)
    quiz = build_quiz(ModulePage.objects.child_of(course).first(), questions=make_questions(3))
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    return list(services.quiz_start(learner=learner, quiz=quiz).responses.order_by("position"))


def test_rows_update_sets_each_named_row_to_its_own_values_in_one_statement(responses):
    """JSON (including null and nested values), decimals, datetimes and booleans are stored as
    save() stores them, each row gets its own values, and rows not named are untouched."""
    first, second, untouched = responses
    now = timezone.now()
    rows = [
        (first.pk, {"a": "x", "b": [1, 2]}, now, Decimal("1.25"), {"1": True}, ["Well done"], False),
        (second.pk, None, None, Decimal("0"), {}, [], True),
    ]
    fields = ["answer", "saved_at", "score", "parts", "feedback", "needs_manual"]
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(Response, fields, rows) == 2
    assert len(queries) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.answer, first.saved_at, first.score, first.parts, first.feedback, first.needs_manual) == (
        {"a": "x", "b": [1, 2]},
        now,
        Decimal("1.25"),
        {"1": True},
        ["Well done"],
        False,
    )
    assert (second.answer, second.saved_at, second.score, second.needs_manual) == (
        None,
        None,
        Decimal("0"),
        True,
    )
    before = untouched.__dict__.copy()
    untouched.refresh_from_db()
    assert (untouched.answer, untouched.score, untouched.needs_manual) == (
        before["answer"],
        before["score"],
        before["needs_manual"],
    )


def test_rows_update_refuses_a_row_of_the_wrong_width_and_does_nothing_without_rows(responses):
    with pytest.raises(ValueError, match="primary key"):
        rows_update(Response, ["answer", "score"], [(responses[0].pk, "x")])
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(Response, ["answer"], []) == 0
    assert len(queries) == 0
