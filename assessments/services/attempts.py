"""Rules for quiz attempts: start, save, submit, finalise, grade by hand.

The server owns the clock, the answer key and the grade. Every function takes ``now`` so
tests control the clock; views pass ``timezone.now()``.
"""

import contextlib
import random
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Revision

from assessments import graders
from assessments.kinds import kind_of
from assessments.models import (
    Attempt,
    AttemptState,
    Question,
    QuizAccommodation,
    QuizPage,
    Response,
)
from assessments.models.questions import grading_data_from_content
from assessments.selectors import draw_candidates, quiz_aggregate_percent, quiz_course
from courses.models import Enrollment
from courses.models.records import ActivityStatus
from courses.selectors import enrollment_current
from courses.services import activity_result_record

FIELD_PREFIX = "q"
CENT = Decimal("0.01")


class AttemptClosed(Exception):
    """The attempt no longer takes answers (submitted, or past its deadline)."""


class StaleSequence(Exception):
    """The save was based on an older state of the attempt (another tab or a replay)."""


class NotEnrolled(Exception):
    """The learner is not enrolled in the quiz's course."""


def _deadline(*, quiz: QuizPage, learner, started_at: datetime) -> datetime | None:
    candidates = []
    if quiz.time_limit_minutes:
        extra = (
            QuizAccommodation.objects.filter(learner=learner, quiz=quiz)
            .values_list("extra_minutes", flat=True)
            .first()
            or 0
        )
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes + extra))
    if quiz.close_at:
        candidates.append(quiz.close_at)
    return min(candidates) if candidates else None


def _draw(quiz: QuizPage, rng: random.Random) -> list[tuple[int, int, Decimal | None]]:
    """(question id, live revision id, marks override) for every question of a new attempt."""
    slots = list(quiz.slots.all())
    fixed_ids = [slot.question_id for slot in slots if slot.question_id]
    fixed = dict(Question.objects.filter(pk__in=fixed_ids, live=True).values_list("pk", "live_revision_id"))
    used = set(fixed_ids)
    drawn = []
    for slot in slots:
        if slot.question_id:
            if slot.question_id not in fixed:
                raise ValidationError(_("This quiz is being updated. Please try again later."))
            drawn.append((slot.question_id, fixed[slot.question_id], slot.marks))
            continue
        candidates = list(
            draw_candidates(bank_id=slot.bank_id, tag=slot.tag, exclude=used).values_list(
                "pk", "live_revision_id"
            )
        )
        if len(candidates) < slot.draw_count:
            raise ValidationError(_("This quiz is being updated. Please try again later."))
        for pk, revision_id in rng.sample(sorted(candidates), slot.draw_count):
            used.add(pk)
            drawn.append((pk, revision_id, slot.marks))
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def quiz_start(*, learner, quiz: QuizPage, now: datetime | None = None) -> Attempt:
    """Start an attempt, or return the learner's attempt already in progress.

    Raises NotEnrolled, or ValidationError with a message for the learner (closed quiz,
    no attempts left).
    """
    now = now or timezone.now()
    if enrollment_current(learner=learner, course=quiz_course(quiz)) is None:
        raise NotEnrolled
    existing = Attempt.objects.filter(learner=learner, quiz=quiz, state=AttemptState.IN_PROGRESS).first()
    if existing is not None:
        if existing.deadline is None or now < existing.deadline:
            return existing
        attempt_submit(attempt_id=existing.pk, learner=learner, now=now)
    if quiz.open_at and now < quiz.open_at:
        raise ValidationError(
            _("This quiz opens on %(date)s.")
            % {"date": date_format(timezone.localtime(quiz.open_at), "DATETIME_FORMAT")}
        )
    if quiz.close_at and now >= quiz.close_at:
        raise ValidationError(
            _("This quiz closed on %(date)s.")
            % {"date": date_format(timezone.localtime(quiz.close_at), "DATETIME_FORMAT")}
        )
    previous = Attempt.objects.filter(learner=learner, quiz=quiz).exclude(state=AttemptState.ABANDONED)
    if quiz.max_attempts and previous.count() >= quiz.max_attempts:
        raise ValidationError(
            ngettext(
                "You have used your %(n)d attempt at this quiz.",
                "You have used all %(n)d attempts at this quiz.",
                quiz.max_attempts,
            )
            % {"n": quiz.max_attempts},
            code="no_attempts_left",
        )
    rng = random.Random(secrets.randbits(64))  # noqa: S311 (draw order, not a secret)
    drawn = _draw(quiz, rng)
    contents = dict(
        Revision.objects.filter(pk__in=[rev for _q, rev, _m in drawn]).values_list("pk", "content")
    )
    number = (Attempt.objects.filter(learner=learner, quiz=quiz).aggregate(n=Max("number"))["n"] or 0) + 1
    responses = []
    for position, (question_id, revision_id, marks) in enumerate(drawn, start=1):
        content = contents[revision_id]
        data = grading_data_from_content(content)
        if marks is not None:
            data["marks"] = str(Decimal(marks).normalize())
        responses.append(
            Response(
                position=position,
                question_id=question_id,
                revision_id=revision_id,
                stem=content["stem"],
                general_feedback=content.get("general_feedback") or "",
                grading_data=data,
                option_seed=secrets.token_hex(8) if quiz.shuffle_options else "",
            )
        )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                learner=learner,
                quiz=quiz,
                number=number,
                started_at=now,
                deadline=_deadline(quiz=quiz, learner=learner, started_at=now),
                pass_mark=quiz.pass_mark,
                review_level=quiz.review_level,
                review_after=quiz.close_at if quiz.review_after_close else None,
                max_score=sum((Decimal(r.grading_data["marks"]) for r in responses), Decimal("0")),
            )
            for response in responses:
                response.attempt = attempt
            Response.objects.bulk_create(responses)
    except IntegrityError:
        # A parallel request started an attempt first: the unique constraints held.
        attempt = Attempt.objects.filter(learner=learner, quiz=quiz, state=AttemptState.IN_PROGRESS).first()
        if attempt is None:
            raise
    return attempt


def field_name(response: Response) -> str:
    return f"{FIELD_PREFIX}{response.position}"


def parse_answers(responses: list[Response], data: QueryDict) -> dict[int, object]:
    """Turn posted form fields into responses by position, validated against the copy of
    each question in this attempt. Unknown question fields are tampering: ValidationError.
    Fields that are not question fields (a forged timer, say) are ignored."""
    by_name = {field_name(r): r for r in responses}
    expected: set[str] = set()
    for name, response in by_name.items():
        expected |= kind_of(response.grading_data).field_names(response.grading_data, name)
    for key in data:
        if key.startswith(FIELD_PREFIX) and key[1:2].isdigit() and key not in expected:
            raise ValidationError(_("The form contained a question that is not in this attempt."))
    answers: dict[int, object] = {}
    for name, response in by_name.items():
        kind = kind_of(response.grading_data)
        value = kind.parse_answer(response.grading_data, data, name)
        if value is not None:
            # Grading is pure and cheap: grading validates, so there is one rule for what a
            # valid response is.
            kind.grade(response.grading_data, value)
        answers[response.position] = value
    return answers


def _writer_key(attempt_id: int) -> str:
    return f"attempt-writer:{attempt_id}"


def _is_current(attempt: Attempt, *, sequence: int | None, writer: str | None) -> bool:
    """A save or submit is current when it carries the attempt's sequence, or when it comes
    from the page that made the last save: each post from a page carries that page's whole
    form, so it is newer than the page's own earlier saves even if it left before their
    replies came back. A page that lost track (no token, the record evicted, another page
    saved since) falls back to the strict sequence, which refuses rather than overwrites."""
    if sequence == attempt.sequence:
        return True
    if not writer or sequence is None or sequence > attempt.sequence:
        return False
    return cache.get(_writer_key(attempt.pk)) == f"{writer}:{attempt.sequence}"


def attempt_save(
    *,
    attempt_id: int,
    learner,
    data: QueryDict,
    sequence: int,
    writer: str | None = None,
    now: datetime | None = None,
) -> Attempt:
    """Store the learner's answers so far. Raises StaleSequence (409), AttemptClosed, or
    ValidationError (400) for answers that do not fit the attempt; nothing is stored then.
    ``writer`` is the token of the page that sent them (see ``_is_current``)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
        if attempt.state != AttemptState.IN_PROGRESS:
            raise AttemptClosed
        if attempt.deadline and now >= attempt.deadline:
            raise AttemptClosed
        if not _is_current(attempt, sequence=sequence, writer=writer):
            raise StaleSequence
        responses = list(attempt.responses.all())
        _store(responses, parse_answers(responses, data), now)
        attempt.sequence += 1
        attempt.save(update_fields=["sequence"])
        # Written while the row is locked, so a submit waiting on the lock reads it.
        cache.set(_writer_key(attempt.pk), f"{writer}:{attempt.sequence}" if writer else None, 86_400)
    return attempt


def _store(responses: list[Response], answers: dict[int, object], now: datetime) -> None:
    changed = []
    for response in responses:
        answer = answers.get(response.position)
        if answer != response.answer:
            response.answer = answer
            response.saved_at = now
            changed.append(response)
    if changed:
        Response.objects.bulk_update(changed, ["answer", "saved_at"])


def attempt_submit(
    *,
    attempt_id: int,
    learner,
    data: QueryDict | None = None,
    sequence: int | None = None,
    writer: str | None = None,
    now: datetime | None = None,
) -> Attempt:
    """Submit and grade in one transaction. A second submit returns the graded attempt.

    Answers sent with a submit after the deadline are ignored; what was saved in time is
    graded. Raises StaleSequence or ValidationError before anything is stored.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt_id, learner=learner)
        )
        if attempt.state != AttemptState.IN_PROGRESS:
            return attempt
        responses = list(attempt.responses.all())
        in_time = attempt.deadline is None or now < attempt.deadline
        if data is not None and in_time:
            if sequence is not None and not _is_current(attempt, sequence=sequence, writer=writer):
                raise StaleSequence
            _store(responses, parse_answers(responses, data), now)
        for response in responses:
            _grade_response(response)
        Response.objects.bulk_update(responses, ["score", "parts", "feedback", "needs_manual"])
        attempt.submitted_at = now if in_time else attempt.deadline
        _finish(attempt, responses, now)
    return attempt


def _grade_response(response: Response) -> None:
    data = response.grading_data
    if response.answer is None:
        response.score, response.parts, response.feedback, response.needs_manual = Decimal("0"), {}, [], False
        return
    result = kind_of(data).grade(data, response.answer)
    response.needs_manual = result.needs_manual
    response.score = result.score
    response.parts = result.parts
    response.feedback = result.feedback


def _finish(attempt: Attempt, responses: list[Response], now: datetime) -> None:
    pending = any(r.needs_manual and r.graded_at is None for r in responses)
    attempt.score = sum((r.score or Decimal("0") for r in responses), Decimal("0"))
    if pending:
        attempt.state = AttemptState.NEEDS_GRADING
        attempt.percent = None
    else:
        attempt.state = AttemptState.GRADED
        attempt.graded_at = now
        attempt.percent = (
            (attempt.score * 100 / attempt.max_score).quantize(CENT, rounding=ROUND_HALF_UP)
            if attempt.max_score
            else Decimal("0")
        )
    attempt.save(update_fields=["state", "submitted_at", "graded_at", "score", "percent", "sequence"])
    _report(attempt)


def _report(attempt: Attempt) -> None:
    """Tell courses the learner's quiz result under the quiz's grading method."""
    quiz = attempt.quiz
    attempts = list(Attempt.objects.filter(learner_id=attempt.learner_id, quiz=quiz))
    percent = quiz_aggregate_percent(attempts=attempts, method=quiz.grading_method)
    if percent is not None and percent >= quiz.pass_mark:
        status = ActivityStatus.PASSED
    elif any(a.state == AttemptState.NEEDS_GRADING for a in attempts):
        status = ActivityStatus.PENDING
    else:
        status = ActivityStatus.FAILED
    # A learner who withdrew keeps the attempt; there is no enrollment to report to.
    with contextlib.suppress(Enrollment.DoesNotExist):
        activity_result_record(
            learner=attempt.learner,
            activity=quiz,
            status=status,
            score_percent=percent,
            occurrence=f"attempt:{attempt.pk}",
        )


def attempt_finalise_if_expired(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade an in-progress attempt whose deadline has passed, with the answers saved in time."""
    now = now or timezone.now()
    if attempt.state == AttemptState.IN_PROGRESS and attempt.deadline and now >= attempt.deadline:
        return attempt_submit(attempt_id=attempt.pk, learner=attempt.learner, now=now)
    return attempt


def attempts_finalise_expired_for(*, learner, quiz: QuizPage, now: datetime | None = None) -> None:
    """Finalise the learner's expired attempts at one quiz (done when the quiz is opened)."""
    for attempt in Attempt.objects.filter(learner=learner, quiz=quiz, state=AttemptState.IN_PROGRESS):
        attempt_finalise_if_expired(attempt=attempt, now=now)


def attempts_finalise_expired(*, now: datetime | None = None) -> int:
    """Finalise every expired attempt (the periodic task). Returns how many."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(state=AttemptState.IN_PROGRESS, deadline__lte=now).select_related(
        "learner"
    )
    count = 0
    for attempt in expired:
        attempt_submit(attempt_id=attempt.pk, learner=attempt.learner, now=now)
        count += 1
    return count


def response_grade_manual(
    *, response_id: int, selections: dict[str, object], grader, comment: str = "", now: datetime | None = None
) -> Attempt:
    """A coordinator scores an open response against its rubric; the attempt is graded when
    nothing is left to grade."""
    now = now or timezone.now()
    with transaction.atomic():
        response = Response.objects.select_related("attempt").get(pk=response_id, needs_manual=True)
        attempt = (
            Attempt.objects.select_for_update().select_related("quiz", "learner").get(pk=response.attempt_id)
        )
        data = response.grading_data
        points = graders.grade_rubric(data, selections)
        rubric_total = sum((Decimal(str(c["points"])) for c in data["rubric"]), Decimal("0"))
        response.score = (points * response.marks / rubric_total).quantize(CENT, rounding=ROUND_HALF_UP)
        response.rubric_scores = {key: str(value) for key, value in selections.items()}
        response.grader = grader
        response.grader_comment = comment
        response.graded_at = now
        response.save(update_fields=["score", "rubric_scores", "grader", "grader_comment", "graded_at"])
        if attempt.state in (AttemptState.NEEDS_GRADING, AttemptState.GRADED):
            _finish(attempt, list(attempt.responses.all()), now)
    return attempt
