"""Graded attempts written directly (bulk_create) for the item analysis tests: the
statistics read only the graded rows, so the fixture need not replay every submission."""

import json
from datetime import timedelta
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assessments.models import Attempt, AttemptState, Response
from courses.models import CohortMembership
from training_site.accounts.models import User

MATRIX = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 1, 0],
    [0, 1, 0, 0],
    [1, 0, 0, 0],
]


def _data(question) -> dict:
    return json.loads(json.dumps(question.grading_data(), cls=DjangoJSONEncoder))


def _answer(data: dict, right: bool, index: int, typed=None):
    kind = data["type"]
    if kind == "single_choice":
        options = data["options"]
        return options[0]["id"] if right else options[1]["id"]
    if kind == "multiple_response":
        good = [o["id"] for o in data["options"] if Decimal(str(o["fraction"])) > 0]
        return good if right else [data["options"][-1]["id"]]
    if kind == "true_false":
        return data["answer"] if right else not data["answer"]
    if kind == "short_answer" and typed:
        return typed[index % len(typed)]
    if kind == "short_answer":
        return "humility" if right else ["pride", '=HYPERLINK("http://x")', "<script>x</script>"][index % 3]
    return None


def graded_attempts(quiz, questions, matrix, *, learners=None, cohort=None, number=1, prefix="m", typed=None):
    """One graded attempt per row of ``matrix`` (1 = full marks on that question, 0 = none),
    by new learners (or ``learners``, row by row), optionally all in ``cohort``; ``typed``
    answers (cycled) replace the short answers."""
    now = timezone.now()
    if learners is None:
        learners = User.objects.bulk_create(
            [
                User(email=f"{prefix}{number}-{i}@example.org", display_name=f"L{i}")
                for i in range(len(matrix))
            ]
        )
        if cohort is not None:
            CohortMembership.objects.bulk_create(CohortMembership(cohort=cohort, learner=u) for u in learners)
    datas = [_data(q) for q in questions]
    attempts = []
    for learner, row in zip(learners, matrix, strict=True):
        score = sum(Decimal(str(d["marks"])) * m for d, m in zip(datas, row, strict=True))
        top = sum(Decimal(str(d["marks"])) for d in datas)
        attempts.append(
            Attempt(
                learner=learner,
                quiz=quiz,
                number=number,
                state=AttemptState.GRADED,
                started_at=now - timedelta(minutes=30),
                submitted_at=now,
                graded_at=now,
                pass_mark=quiz.pass_mark,
                review_level=quiz.review_level,
                score=score,
                max_score=top,
                percent=(score * 100 / top).quantize(Decimal("0.01")),
            )
        )
    attempts = Attempt.objects.bulk_create(attempts)
    Response.objects.bulk_create(
        Response(
            attempt=attempt,
            position=position,
            question=question,
            stem=question.stem,
            grading_data=data,
            answer=_answer(data, bool(mark), index, typed),
            score=Decimal(str(data["marks"])) * mark,
        )
        for index, (attempt, row) in enumerate(zip(attempts, matrix, strict=True))
        for position, (question, data, mark) in enumerate(zip(questions, datas, row, strict=True), 1)
    )
    return learners
