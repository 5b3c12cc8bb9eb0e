"""Rules for quiz attempts: start, save, submit, finalise, grade by hand.

The server owns the clock, the answer key and the grade. Every function takes ``now`` so
tests control the clock; views pass ``timezone.now()``.
"""

import contextlib
import functools
import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, TextField
from django.db.models.functions import Cast
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
from assessments.selectors import (
    draw_candidates,
    quiz_aggregate_percent,
    quiz_attempt_limit,
    quiz_course,
    quiz_final_guard,
    quiz_start_time,
)
from courses.events import learner_event_record
from courses.models import Enrollment, LearnerEventKind
from courses.models.records import ActivityStatus
from courses.selectors import enrollment_current
from courses.services import activity_result_record
from training_site.db import rows_update

FIELD_PREFIX = "q"
CENT = Decimal("0.01")


class AttemptClosed(Exception):
    """The attempt no longer takes answers (submitted, or past its deadline)."""


class StaleSequence(Exception):
    """The save was based on an older state of the attempt (another tab or a replay)."""


class NotEnrolled(Exception):
    """The learner is not enrolled in the quiz's course."""


class GradeConflict(Exception):
    """Someone graded the response after the grader opened it: nothing was saved."""

    def __init__(self, *, grader, graded_at: datetime):
        super().__init__(f"graded by {grader} at {graded_at.isoformat()}")
        self.grader = grader
        self.graded_at = graded_at


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
    no attempts left, a final that opens only once every lesson is complete).
    """
    now = now or timezone.now()
    course = quiz_course(quiz)
    enrollment = enrollment_current(learner=learner, course=course)
    if enrollment is None:
        raise NotEnrolled
    existing = Attempt.objects.filter(learner=learner, quiz=quiz, state=AttemptState.IN_PROGRESS).first()
    if existing is not None:
        if existing.deadline is None or now < existing.deadline:
            return existing
        attempt_submit(attempt_id=existing.pk, learner=learner, now=now)
    guard = quiz_final_guard(quiz=quiz, course=course, enrollment=enrollment)
    if guard is not None and guard.locked:
        raise ValidationError(guard.locked_message, code="final_locked")
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
    begins_at = quiz_start_time(learner=learner, quiz=quiz)
    if begins_at and now < begins_at:
        raise ValidationError(
            _("Starts are spread out for this quiz: you may begin at %(time)s.")
            % {"time": date_format(timezone.localtime(begins_at), "DATETIME_FORMAT")},
            code="not_yet",
        )
    previous = Attempt.objects.filter(learner=learner, quiz=quiz).exclude(state=AttemptState.ABANDONED)
    limit = quiz_attempt_limit(learner=learner, quiz=quiz)
    if limit is not None and previous.count() >= limit:
        raise ValidationError(
            ngettext(
                "You have used your %(n)d attempt at this quiz.",
                "You have used all %(n)d attempts at this quiz.",
                limit,
            )
            % {"n": limit},
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


@functools.lru_cache(maxsize=4096)
def _compiled(grading_data_json: str) -> graders.CompiledQuestion:
    """Grading data compiled once per process for each distinct question copy.

    Keyed by the stored JSON text, not by an id: the learners of one quiz share the copies
    of the same question revisions, so an exam-day burst compiles each question once per
    worker instead of on every save and submit, and a key made of the content itself can
    never serve another question's rules.
    """
    return graders.compile_grading(json.loads(grading_data_json))


@dataclass
class _Slot:
    """The write path's view of one response row: its compiled question and saved answer."""

    pk: int
    position: int
    question: graders.CompiledQuestion
    answer: object

    @property
    def name(self) -> str:
        return f"{FIELD_PREFIX}{self.position}"


def _slots(attempt_id: int) -> list[_Slot]:
    # Values, not model instances: saving and grading need four columns of each response.
    rows = (
        Response.objects.filter(attempt_id=attempt_id)
        .order_by("position")
        .values_list("pk", "position", Cast("grading_data", TextField()), "answer")
    )
    return [_Slot(pk, position, _compiled(data), answer) for pk, position, data, answer in rows]


def _parse(slots: list[_Slot], data: QueryDict) -> dict[int, object]:
    """Turn posted form fields into answers by position, validated against the copy of each
    question in this attempt. Unknown question fields are tampering: ValidationError. Fields
    that are not question fields (a forged timer, say) are ignored."""
    expected: set[str] = set()
    for slot in slots:
        data_of = slot.question.data
        expected |= kind_of(data_of).field_names(data_of, slot.name)
    for key in data:
        if key.startswith(FIELD_PREFIX) and key[1:2].isdigit() and key not in expected:
            raise ValidationError(_("The form contained a question that is not in this attempt."))
    answers: dict[int, object] = {}
    for slot in slots:
        data_of = slot.question.data
        value = kind_of(data_of).parse_answer(data_of, data, slot.name)
        # Grading is pure and cheap: grading validates, so there is one rule for what a
        # valid response is. An answer equal to the stored one was validated when stored
        # against the same immutable copy of the question.
        if value is not None and value != slot.answer:
            slot.question.grade(value)
        answers[slot.position] = value
    return answers


def parse_answers(responses: list[Response], data: QueryDict) -> dict[int, object]:
    """``_parse`` for response model instances (as a view or test holds them)."""
    slots = [
        _Slot(r.pk, r.position, graders.compile_grading(r.grading_data), None if r.pk is None else r.answer)
        for r in responses
    ]
    return _parse(slots, data)


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
        slots = _slots(attempt.pk)
        _store(slots, _parse(slots, data), now)
        attempt.sequence += 1
        attempt.save(update_fields=["sequence"])
        # Written while the row is locked, so a submit waiting on the lock reads it.
        cache.set(_writer_key(attempt.pk), f"{writer}:{attempt.sequence}" if writer else None, 86_400)
    return attempt


def _store(slots: list[_Slot], answers: dict[int, object], now: datetime) -> None:
    """Write the answers that changed since the last save, and only those rows."""
    changed = []
    for slot in slots:
        answer = answers.get(slot.position)
        if answer != slot.answer:
            slot.answer = answer
            changed.append((slot.pk, answer, now))
    rows_update(Response, ["answer", "saved_at"], changed)


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
        attempt.learner = learner  # the row was read by this learner: no second read to report
        slots = _slots(attempt.pk)
        in_time = attempt.deadline is None or now < attempt.deadline
        answered: dict[int, object] = {}
        posted = data is not None and in_time
        if posted:
            if sequence is not None and not _is_current(attempt, sequence=sequence, writer=writer):
                raise StaleSequence
            answered = _parse(slots, data)
        # One statement writes every response's grade, and the answers that changed since
        # the last save with it (a late submit's answers are not taken: see above).
        rows = []
        for slot in slots:
            answer = answered[slot.position] if posted else slot.answer
            changed = answer != slot.answer
            slot.answer = answer
            outcome = _grade(slot)
            rows.append((slot.pk, answer, now if changed else None, *outcome))
        saved_rows = [row for row in rows if row[2] is not None]
        rows_update(
            Response, ["answer", "saved_at", "score", "parts", "feedback", "needs_manual"], saved_rows
        )
        rows_update(
            Response,
            ["score", "parts", "feedback", "needs_manual"],
            [(row[0], *row[3:]) for row in rows if row[2] is None],
        )
        attempt.submitted_at = now if in_time else attempt.deadline
        # Nothing is graded by hand before submission, so every essay is still pending.
        _finish(attempt, [(row[3], row[6]) for row in rows], now)
        if attempt.state == AttemptState.NEEDS_GRADING:
            _attempt_event(attempt, LearnerEventKind.ATTEMPT_AWAITING_GRADING)
    return attempt


def _grade(slot: _Slot) -> tuple[Decimal, dict, list, bool]:
    """(score, parts, feedback, needs_manual) of one response at submission."""
    if slot.answer is None:
        return Decimal("0"), {}, [], False
    result = slot.question.grade(slot.answer)
    return result.score, result.parts, result.feedback, result.needs_manual


def _attempt_event(attempt: Attempt, kind: str) -> None:
    """Record that an attempt waits for hand grading, or that its grade is released: the
    notification table tells the graders and the learner (training_site/notifications.py)."""
    quiz = attempt.quiz
    course = quiz_course(quiz)
    learner_event_record(
        learner=attempt.learner,
        kind=kind,
        key=f"{kind}:{attempt.pk}",
        subject_type="attempt",
        subject_id=attempt.pk,
        course=course,
        payload={
            "activity_title": quiz.title,
            "course_title": course.title,
            "quiz_id": quiz.pk,
            "attempt_number": attempt.number,
            "score_percent": None if attempt.percent is None else str(attempt.percent),
        },
    )


def _finish(attempt: Attempt, outcomes: list[tuple[Decimal | None, bool]], now: datetime) -> None:
    """Total and state from (score, waiting for a person) of each response."""
    pending = any(waiting for _score, waiting in outcomes)
    attempt.score = sum((score or Decimal("0") for score, _waiting in outcomes), Decimal("0"))
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


def quiz_result(*, quiz: QuizPage, attempts: list[Attempt]) -> tuple[str, Decimal | None]:
    """(activity status, percent) of a learner's attempts at ``quiz`` under its grading method:
    the result courses is told. The regrade's dry run asks it of attempts not yet saved."""
    percent = quiz_aggregate_percent(attempts=attempts, method=quiz.grading_method)
    if percent is not None and percent >= quiz.pass_mark:
        return ActivityStatus.PASSED, percent
    if any(a.state == AttemptState.NEEDS_GRADING for a in attempts):
        return ActivityStatus.PENDING, percent
    return ActivityStatus.FAILED, percent


def _report(attempt: Attempt, *, occurrence: str | None = None) -> None:
    """Tell courses the learner's quiz result under the quiz's grading method. ``occurrence``
    names what produced it for the learner's event log (by default the attempt)."""
    quiz = attempt.quiz
    attempts = list(
        Attempt.objects.filter(learner_id=attempt.learner_id, quiz=quiz).only("number", "state", "percent")
    )
    status, percent = quiz_result(quiz=quiz, attempts=attempts)
    # A learner who withdrew keeps the attempt; there is no enrollment to report to.
    with contextlib.suppress(Enrollment.DoesNotExist):
        activity_result_record(
            learner=attempt.learner,
            activity=quiz,
            status=status,
            score_percent=percent,
            occurrence=occurrence or f"attempt:{attempt.pk}",
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
    *,
    response_id: int,
    selections: dict[str, object],
    grader,
    comment: str = "",
    seen_graded_at: datetime | None = None,
    now: datetime | None = None,
) -> Attempt:
    """A coordinator scores an open response against its rubric; the attempt is graded when
    nothing is left to grade.

    ``seen_graded_at`` is the response's ``graded_at`` when the grader opened it (None: it
    was not graded yet). If it has changed since, another grader saved first: GradeConflict
    is raised and nothing is written, so a grade is never silently overwritten.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt_id = (
            Response.objects.filter(pk=response_id, needs_manual=True)
            .values_list("attempt_id", flat=True)
            .first()
        )
        if attempt_id is None:
            raise Response.DoesNotExist
        # The attempt is locked before the response is read, so two graders of one attempt
        # take turns and the second reads the first one's grade.
        attempt = Attempt.objects.select_for_update().select_related("quiz", "learner").get(pk=attempt_id)
        response = Response.objects.select_related("grader").get(pk=response_id, needs_manual=True)
        if response.graded_at != seen_graded_at:
            raise GradeConflict(grader=response.grader, graded_at=response.graded_at)
        data = response.grading_data
        response.score = graders.score_rubric(data, selections, marks=response.marks)
        response.rubric_scores = {key: str(value) for key, value in selections.items()}
        response.grader = grader
        response.grader_comment = comment
        response.graded_at = now
        response.save(update_fields=["score", "rubric_scores", "grader", "grader_comment", "graded_at"])
        was_waiting = attempt.state == AttemptState.NEEDS_GRADING
        if attempt.state in (AttemptState.NEEDS_GRADING, AttemptState.GRADED):
            outcomes = [(r.score, r.needs_manual and r.graded_at is None) for r in attempt.responses.all()]
            _finish(attempt, outcomes, now)
        if was_waiting and attempt.state == AttemptState.GRADED:
            # Released once: a later regrade of a graded attempt is not a new release.
            _attempt_event(attempt, LearnerEventKind.ATTEMPT_GRADED)
    return attempt
