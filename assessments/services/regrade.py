"""Regrade attempts against a fixed question's newer revision: a dry run, then a job.

Decision record
---------------
- What moves. An attempt keeps its own copy of each question (records.py). A regrade
  replaces the copy of the chosen questions in the chosen attempts (graded or waiting for a
  person) with the grading data of one revision per question, the live one when the dry run
  was made, and grades the learner's stored answer against it. The marks of a slot the quiz
  overrode stay as the attempt copied them; otherwise the new revision's marks apply.
- What is not regradable. The learner answered what they saw: when an option or a matching
  prompt they were shown no longer exists, or the type changed, or the stored answer does
  not fit the new revision, the response keeps its grade and the dry run says why. "Shown"
  is what the kind's ``learner_view`` returns for the old copy, so no type is switched on
  here.
- Hand grades. A response a coordinator graded by hand keeps its score unless the
  coordinator chooses otherwise (``keep_manual=False``); then the rubric levels the grader
  chose are scored again against the new revision's rubric and marks. A choice that no
  longer fits the new rubric is not regradable.
- Grades and completion. The attempt's total, percent and state are recomputed as at
  submission; courses is told the learner's result through ``activity_result_record`` (the
  same call grading makes), with the regrade job as the occurrence, so an "activity passed"
  or "not passed" event lands in the learner's log, completion is decided by courses and
  the completion handlers issue a certificate once. A regrade never revokes: a learner who
  would no longer pass but holds a certificate is listed for the coordinator to decide.
- The dry run (``regrade_plan``) writes nothing and queues nothing; it reads a fixed number
  of queries whatever the number of attempts. ``regrade_job_create`` records the exact
  inputs of a plan the coordinator confirmed; the ``regrade_apply`` task claims the job with
  a conditional update and regrades each attempt in its own transaction under a row lock,
  recomputing the change there, so a repeat (or a resumed run) finds nothing left to change
  and the audit rows are unique per job and response.
- Layering. assessments sits below certificates (docs: ARCHITECTURE.md), so the plan reads
  certificate rows through the app registry, never by import, only to list them.
"""

import datetime
import logging
import random
import uuid
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Revision

from assessments import graders, tasks
from assessments.kinds import get_kind, kind_of
from assessments.models import (
    Attempt,
    AttemptState,
    Question,
    QuizPage,
    RegradeJob,
    RegradeRecord,
    RegradeStatus,
    Response,
)
from assessments.models.questions import grading_data_from_content
from assessments.selectors import GRADE_PERMISSION, attempt_visible_to, quiz_course
from assessments.services.attempts import _report, quiz_result
from assessments.services.statistics import quiz_statistics_mark_dirty
from courses.models import Enrollment
from courses.models.records import ActivityStatus, EnrollmentStatus
from courses.progress import progress_for_enrollments

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
REGRADABLE_STATES = (AttemptState.GRADED, AttemptState.NEEDS_GRADING)
# A job claimed this many times without finishing is failed instead of requeued for ever.
REGRADE_MAX_RUNS = 3
# Certificate statuses that are no longer the learner's certificate (certificates.models).
_ENDED_CERTIFICATE_STATUSES = ("revoked", "superseded")


class RegradeOutcome:
    DONE = "done"
    FAILED = "failed"
    BUSY = "busy"
    SKIPPED = "skipped"
    MISSING = "missing"


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseChange:
    """One response that the regrade changes (or, in ``kept``, leaves as graded by hand)."""

    response_id: int
    attempt_id: int
    position: int
    question_id: int
    question_title: str
    old_revision_id: int | None
    new_revision_id: int
    old_marks: Decimal
    new_marks: Decimal
    old_score: Decimal | None
    new_score: Decimal | None
    manual_overwritten: bool = False
    # The new copy and grade, written by the apply step.
    grading_data: dict = field(default_factory=dict, compare=False, repr=False)
    parts: dict = field(default_factory=dict, compare=False, repr=False)
    feedback: list = field(default_factory=list, compare=False, repr=False)
    needs_manual: bool = False

    @property
    def marks_changed(self) -> bool:
        return self.old_score != self.new_score or self.old_marks != self.new_marks


@dataclass(frozen=True)
class NotRegradable:
    attempt_id: int
    learner: object
    attempt_number: int
    question_id: int
    question_title: str
    reason: str


@dataclass(frozen=True)
class AttemptChange:
    """An attempt whose copy or grade changes, with its old and new grade."""

    attempt_id: int
    learner: object
    number: int
    old_score: Decimal | None
    new_score: Decimal
    old_max: Decimal
    new_max: Decimal
    old_percent: Decimal | None
    new_percent: Decimal | None
    old_state: str
    new_state: str
    pass_mark: int
    responses: tuple[ResponseChange, ...]

    @staticmethod
    def _passed(state: str, percent: Decimal | None, pass_mark: int) -> bool | None:
        if state != AttemptState.GRADED or percent is None:
            return None
        return percent >= pass_mark

    @property
    def old_passed(self) -> bool | None:
        return self._passed(self.old_state, self.old_percent, self.pass_mark)

    @property
    def new_passed(self) -> bool | None:
        return self._passed(self.new_state, self.new_percent, self.pass_mark)

    @property
    def pass_changed(self) -> bool:
        return self.old_passed != self.new_passed

    @property
    def grade_changed(self) -> bool:
        return (self.old_percent, self.old_state) != (self.new_percent, self.new_state)


@dataclass(frozen=True)
class LearnerOutcome:
    """What the regrade does to one learner's quiz result, course and certificate."""

    learner: object
    old_status: str
    new_status: str
    old_percent: Decimal | None
    new_percent: Decimal | None
    would_complete: bool = False
    would_issue_certificate: bool = False
    # Holds a certificate of the course but would no longer pass: listed, never revoked.
    certificate_mismatch: bool = False

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status

    @property
    def old_status_label(self) -> str:
        return ActivityStatus(self.old_status).label

    @property
    def new_status_label(self) -> str:
        return ActivityStatus(self.new_status).label


@dataclass(frozen=True)
class RegradePlan:
    quiz: QuizPage
    revision_ids: dict[int, int]
    attempt_ids: tuple[int, ...]
    keep_manual: bool
    changes: tuple[AttemptChange, ...]
    kept_manual: tuple[ResponseChange, ...]
    not_regradable: tuple[NotRegradable, ...]
    learners: tuple[LearnerOutcome, ...]

    @property
    def response_changes(self) -> int:
        return sum(len(change.responses) for change in self.changes)

    @property
    def completions(self) -> list[LearnerOutcome]:
        return [o for o in self.learners if o.would_complete]

    @property
    def certificates(self) -> list[LearnerOutcome]:
        return [o for o in self.learners if o.would_issue_certificate]

    @property
    def certificate_mismatches(self) -> list[LearnerOutcome]:
        return [o for o in self.learners if o.certificate_mismatch]

    @property
    def pass_changes(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.pass_changed]

    def inputs(self) -> dict:
        """The exact inputs of this plan, as the signed reference and the job store them."""
        return {
            "quiz": self.quiz.pk,
            "revisions": {str(q): r for q, r in sorted(self.revision_ids.items())},
            "attempts": list(self.attempt_ids),
            "keep_manual": self.keep_manual,
        }


@dataclass(frozen=True)
class _Target:
    question_id: int
    title: str
    revision_id: int
    data: dict


def _number(value) -> Decimal:
    return Decimal(str(value))


def _percent(score: Decimal, max_score: Decimal) -> Decimal:
    # As attempts._finish computes it at submission.
    return (score * 100 / max_score).quantize(CENT, rounding=ROUND_HALF_UP) if max_score else Decimal("0")


def _shown(data: dict) -> set:
    """What a learner was shown of a question: option and prompt ids, and choice texts, from
    the kind's own learner view (the order does not matter here)."""

    view = kind_of(data).learner_view(data, rng=random.Random(0), shuffle=False)  # noqa: S311
    shown = set()
    for key, value in view.items():
        if isinstance(value, list):
            for item in value:
                shown.add((key, item.get("id") if isinstance(item, dict) else item))
    return shown


def _shown_labels(data: dict, missing: set) -> list[str]:

    view = kind_of(data).learner_view(data, rng=random.Random(0), shuffle=False)  # noqa: S311
    labels = []
    for key, value in view.items():
        if isinstance(value, list):
            for item in value:
                ident = item.get("id") if isinstance(item, dict) else item
                if (key, ident) in missing:
                    text = (item.get("text") or item.get("left")) if isinstance(item, dict) else item
                    labels.append(str(text or ident))
    return labels


def _rubric_score(data: dict, selections: dict) -> Decimal:
    """A hand grade scored again on ``data``: as attempts.response_grade_manual scores it."""
    selections = {key: Decimal(value) for key, value in selections.items()}
    return graders.score_rubric(data, selections, marks=_number(data["marks"]))


def _response_change(
    response: Response, target: _Target, *, override: bool, keep_manual: bool
) -> tuple[ResponseChange | None, str | None, bool]:
    """(change or None, reason it is not regradable or None, kept as a hand grade)."""
    old = response.grading_data
    new = dict(target.data)
    if override:
        new["marks"] = old["marks"]
    if old.get("type") != new.get("type"):
        return (
            None,
            _("The question's type changed from “%(old)s” to “%(new)s”.")
            % {
                "old": get_kind(old["type"]).label,
                "new": get_kind(new["type"]).label,
            },
            False,
        )
    missing = _shown(old) - _shown(new)
    if missing:
        return (
            None,
            _("Shown to the learner but gone from the new revision: %(items)s.")
            % {"items": "; ".join(_shown_labels(old, missing))},
            False,
        )
    hand_graded = response.needs_manual and response.graded_at is not None
    parts, feedback, needs_manual = response.parts, response.feedback, response.needs_manual
    overwritten = False
    if hand_graded and keep_manual:
        score = response.score
    elif hand_graded:
        try:
            score = _rubric_score(new, response.rubric_scores)
        except (ValidationError, ValueError, ArithmeticError) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            reason = _("The hand grade does not fit the new rubric: %(error)s") % {"error": message}
            return None, reason, False
        overwritten = score != response.score
    elif response.answer is None:
        score, parts, feedback, needs_manual = Decimal("0"), {}, [], False
    else:
        try:
            result = graders.compile_grading(new).grade(response.answer)
        except (ValidationError, ValueError) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            return (
                None,
                _("The learner's answer does not fit the new revision: %(error)s") % {"error": message},
                False,
            )
        score, parts, feedback = result.score, result.parts, result.feedback
        needs_manual = result.needs_manual
    change = ResponseChange(
        response_id=response.pk,
        attempt_id=response.attempt_id,
        position=response.position,
        question_id=target.question_id,
        question_title=target.title,
        old_revision_id=response.revision_id,
        new_revision_id=target.revision_id,
        old_marks=_number(old["marks"]),
        new_marks=_number(new["marks"]),
        old_score=response.score,
        new_score=score,
        manual_overwritten=overwritten,
        grading_data=new,
        parts=parts,
        feedback=feedback,
        needs_manual=needs_manual,
    )
    if hand_graded and keep_manual:
        if response.revision_id == target.revision_id:
            return None, None, False
        return change, None, True
    unchanged = (
        response.revision_id == target.revision_id
        and score == response.score
        and change.old_marks == change.new_marks
        and needs_manual == response.needs_manual
    )
    return (None if unchanged else change), None, False


def _attempt_change(
    attempt: Attempt,
    responses: list[Response],
    targets: dict[int, _Target],
    overrides: set[int],
    *,
    keep_manual: bool,
) -> tuple[AttemptChange | None, list[ResponseChange], list[NotRegradable]]:
    """The change to one attempt from its responses (all of them, in position order)."""
    changed, kept, refused = [], [], []
    after: dict[int, tuple[Decimal | None, Decimal, bool]] = {}
    for response in responses:
        target = targets.get(response.question_id)
        pending = response.needs_manual and response.graded_at is None
        after[response.pk] = (response.score, _number(response.grading_data["marks"]), pending)
        if target is None:
            continue
        change, reason, is_kept = _response_change(
            response, target, override=response.pk in overrides, keep_manual=keep_manual
        )
        if reason:
            refused.append(
                NotRegradable(
                    attempt_id=attempt.pk,
                    learner=attempt.learner,
                    attempt_number=attempt.number,
                    question_id=target.question_id,
                    question_title=target.title,
                    reason=reason,
                )
            )
        elif is_kept:
            kept.append(change)
        elif change is not None:
            changed.append(change)
            still_pending = change.needs_manual and (response.graded_at is None)
            after[response.pk] = (change.new_score, change.new_marks, still_pending)
    if not changed:
        return None, kept, refused
    new_score = sum((score or Decimal("0") for score, _m, _p in after.values()), Decimal("0"))
    new_max = sum((marks for _s, marks, _p in after.values()), Decimal("0"))
    pending = any(p for _s, _m, p in after.values())
    new_state = AttemptState.NEEDS_GRADING if pending else AttemptState.GRADED
    return (
        AttemptChange(
            attempt_id=attempt.pk,
            learner=attempt.learner,
            number=attempt.number,
            old_score=attempt.score,
            new_score=new_score,
            old_max=attempt.max_score,
            new_max=new_max,
            old_percent=attempt.percent,
            new_percent=None if pending else _percent(new_score, new_max),
            old_state=attempt.state,
            new_state=new_state,
            pass_mark=attempt.pass_mark,
            responses=tuple(changed),
        ),
        kept,
        refused,
    )


def _targets(*, quiz: QuizPage, question_ids, revision_ids: dict[int, int] | None) -> dict[int, _Target]:
    """The revision each chosen question is regraded against: the live one, or (for a
    confirmed plan) the one named, which must be a revision of that question."""
    question_ids = sorted({int(pk) for pk in question_ids})
    if not question_ids:
        raise ValidationError(_("Choose at least one question to regrade."), code="no_questions")
    questions = {
        pk: (title, live_revision_id)
        for pk, title, live_revision_id in Question.objects.filter(pk__in=question_ids).values_list(
            "pk", "title", "live_revision_id"
        )
    }
    if len(questions) != len(question_ids):
        raise ValidationError(_("A chosen question does not exist."), code="unknown_question")
    wanted = {pk: (revision_ids or {}).get(pk) or questions[pk][1] for pk in question_ids}
    if any(rev is None for rev in wanted.values()):
        raise ValidationError(_("A chosen question has no published revision."), code="not_live")
    rows = Revision.objects.filter(
        pk__in=wanted.values(), base_content_type=ContentType.objects.get_for_model(Question)
    ).values_list("pk", "object_id", "content")
    found = {pk: (object_id, content) for pk, object_id, content in rows}
    targets = {}
    for question_id, revision_id in wanted.items():
        object_id, content = found.get(revision_id, (None, None))
        if object_id != str(question_id):
            raise ValidationError(
                _("A chosen revision does not belong to its question."), code="bad_revision"
            )
        targets[question_id] = _Target(
            question_id=question_id,
            title=questions[question_id][0],
            revision_id=revision_id,
            data=grading_data_from_content(content),
        )
    return targets


def regrade_attempts_in_scope(*, quiz: QuizPage, actor):
    """The attempts at ``quiz`` that ``actor`` may regrade: submitted ones of learners in
    their cohort scope (attempt_visible_to as a grader)."""
    return attempt_visible_to(user=actor, as_grader=True).filter(quiz=quiz, state__in=REGRADABLE_STATES)


def _overrides(responses: list[Response]) -> set[int]:
    """Responses whose marks the quiz overrode: the copy's marks differ from its revision's."""
    revision_ids = {r.revision_id for r in responses if r.revision_id}
    marks = {
        pk: content.get("marks")
        for pk, content in Revision.objects.filter(pk__in=revision_ids).values_list("pk", "content")
    }
    overridden = set()
    for response in responses:
        original = marks.get(response.revision_id)
        if original is not None and _number(original) != _number(response.grading_data["marks"]):
            overridden.add(response.pk)
    return overridden


def _certified_enrollments(enrollment_ids: list[int]) -> set[int]:
    if not apps.is_installed("certificates") or not enrollment_ids:
        return set()
    certificate = apps.get_model("certificates", "Certificate")
    return set(
        certificate.objects.filter(enrollment_id__in=enrollment_ids)
        .exclude(status__in=_ENDED_CERTIFICATE_STATUSES)
        .values_list("enrollment_id", flat=True)
    )


def _issues_certificates() -> bool:
    return any(path.startswith("certificates.") for path in settings.COURSE_COMPLETION_HANDLERS)


def _learner_outcomes(quiz: QuizPage, changes: list[AttemptChange]) -> list[LearnerOutcome]:
    """The quiz result, completion and certificate of every learner with a changed attempt."""
    if not changes:
        return []
    new_by_attempt = {c.attempt_id: c for c in changes}
    learners = {c.learner.pk: c.learner for c in changes}
    all_attempts: dict[int, list[Attempt]] = {pk: [] for pk in learners}
    for attempt in Attempt.objects.filter(quiz=quiz, learner_id__in=learners).only(
        "pk", "learner_id", "number", "state", "percent"
    ):
        all_attempts[attempt.learner_id].append(attempt)
    course = quiz_course(quiz)
    enrollments = {
        e.learner_id: e
        for e in Enrollment.objects.filter(course=course, learner_id__in=learners)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("course")
    }
    progress = progress_for_enrollments(list(enrollments.values()))
    certified = _certified_enrollments([e.pk for e in enrollments.values()])
    outcomes = []
    for learner_id, learner in learners.items():
        old = all_attempts[learner_id]
        new = [replace_attempt(a, new_by_attempt[a.pk]) if a.pk in new_by_attempt else a for a in old]
        old_status, old_percent = quiz_result(quiz=quiz, attempts=old)
        new_status, new_percent = quiz_result(quiz=quiz, attempts=new)
        enrollment = enrollments.get(learner_id)
        would_complete = mismatch = False
        if enrollment is not None:
            has_certificate = enrollment.pk in certified
            state = progress[enrollment.pk]
            if new_status == ActivityStatus.PASSED and not state.is_completed:
                required = any(step.page_id == quiz.pk for step in state.required_activities)
                newly = required and state.activity_status(quiz.pk) != ActivityStatus.PASSED
                would_complete = replace(
                    state, activities_passed=state.activities_passed + int(newly)
                ).eligible_for_completion
            lost_pass = old_status == ActivityStatus.PASSED and new_status != ActivityStatus.PASSED
            mismatch = has_certificate and lost_pass
        else:
            has_certificate = False
        outcomes.append(
            LearnerOutcome(
                learner=learner,
                old_status=old_status,
                new_status=new_status,
                old_percent=old_percent,
                new_percent=new_percent,
                would_complete=would_complete,
                would_issue_certificate=would_complete and not has_certificate and _issues_certificates(),
                certificate_mismatch=mismatch,
            )
        )
    outcomes.sort(key=lambda o: (str(o.learner).casefold(), o.learner.pk))
    return outcomes


def replace_attempt(attempt: Attempt, change: AttemptChange) -> Attempt:
    """An unsaved copy of ``attempt`` with the grade the change gives it."""
    return Attempt(
        pk=attempt.pk,
        learner_id=attempt.learner_id,
        number=attempt.number,
        state=change.new_state,
        percent=change.new_percent,
    )


def regrade_plan(
    *,
    quiz: QuizPage,
    question_ids,
    attempt_ids=None,
    keep_manual: bool = True,
    actor,
    revision_ids: dict[int, int] | None = None,
) -> RegradePlan:
    """What regrading ``question_ids`` in ``attempt_ids`` (None: every attempt in the actor's
    scope) would change. Writes nothing. Raises ValidationError for unusable inputs and
    Attempt.DoesNotExist when a named attempt is not one the actor may regrade."""
    targets = _targets(quiz=quiz, question_ids=question_ids, revision_ids=revision_ids)
    attempts_qs = regrade_attempts_in_scope(quiz=quiz, actor=actor).select_related("learner")
    if attempt_ids is not None:
        wanted = {int(pk) for pk in attempt_ids}
        attempts = list(attempts_qs.filter(pk__in=wanted).order_by("pk"))
        if len(attempts) != len(wanted):
            raise Attempt.DoesNotExist
    else:
        attempts = list(attempts_qs.order_by("pk"))
    by_attempt: dict[int, list[Response]] = {a.pk: [] for a in attempts}
    responses = list(Response.objects.filter(attempt_id__in=by_attempt).order_by("attempt_id", "position"))
    for response in responses:
        by_attempt[response.attempt_id].append(response)
    overrides = _overrides([r for r in responses if r.question_id in targets])
    changes, kept, refused = [], [], []
    for attempt in attempts:
        change, kept_here, refused_here = _attempt_change(
            attempt, by_attempt[attempt.pk], targets, overrides, keep_manual=keep_manual
        )
        if change is not None:
            changes.append(change)
        kept += kept_here
        refused += refused_here
    return RegradePlan(
        quiz=quiz,
        revision_ids={pk: t.revision_id for pk, t in targets.items()},
        attempt_ids=tuple(a.pk for a in attempts),
        keep_manual=keep_manual,
        changes=tuple(changes),
        kept_manual=tuple(kept),
        not_regradable=tuple(refused),
        learners=tuple(_learner_outcomes(quiz, changes)),
    )


# --- the job ----------------------------------------------------------------------------------


def regrade_job_create(*, plan: RegradePlan, actor) -> RegradeJob:
    """Record the confirmed plan's inputs and queue the regrade after commit."""
    job = RegradeJob.objects.create(
        created_by=actor,
        quiz=plan.quiz,
        revision_ids={str(q): r for q, r in plan.revision_ids.items()},
        attempt_ids=list(plan.attempt_ids),
        keep_manual=plan.keep_manual,
        total=len(plan.attempt_ids),
    )
    tasks.regrade_apply.delay_on_commit(job.pk)
    return job


def regrade_stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REGRADE_STALE_AFTER)


def _regrade_attempt(*, job: RegradeJob, attempt_id: int, targets: dict[int, _Target], now) -> int:
    """Regrade one attempt in its own transaction under a row lock; the change is computed
    again there, so what another run or a grader did meanwhile is seen. Returns the number
    of responses changed."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("quiz", "learner")
            .filter(pk=attempt_id, state__in=REGRADABLE_STATES)
            .first()
        )
        if attempt is None:
            return 0
        responses = list(attempt.responses.order_by("position"))
        overrides = _overrides([r for r in responses if r.question_id in targets])
        change, _kept, _refused = _attempt_change(
            attempt, responses, targets, overrides, keep_manual=job.keep_manual
        )
        if change is None:
            return 0
        by_pk = {r.pk: r for r in responses}
        for item in change.responses:
            response = by_pk[item.response_id]
            response.revision_id = item.new_revision_id
            response.grading_data = item.grading_data
            response.score = item.new_score
            response.parts = item.parts
            response.feedback = item.feedback
            response.needs_manual = item.needs_manual
        Response.objects.bulk_update(
            [by_pk[item.response_id] for item in change.responses],
            ["revision", "grading_data", "score", "parts", "feedback", "needs_manual"],
        )
        attempt.score = change.new_score
        attempt.max_score = change.new_max
        attempt.percent = change.new_percent
        if change.new_state == AttemptState.GRADED and attempt.state != AttemptState.GRADED:
            attempt.graded_at = now
        attempt.state = change.new_state
        attempt.save(update_fields=["score", "max_score", "percent", "state", "graded_at"])
        RegradeRecord.objects.bulk_create(
            RegradeRecord(
                job=job,
                attempt=attempt,
                response_id=item.response_id,
                question_id=item.question_id,
                actor=job.created_by,
                created_at=now,
                old_revision_id=item.old_revision_id,
                new_revision_id=item.new_revision_id,
                old_marks=item.old_marks,
                new_marks=item.new_marks,
                old_score=item.old_score,
                new_score=item.new_score,
                old_attempt_percent=change.old_percent,
                new_attempt_percent=change.new_percent,
                old_attempt_state=change.old_state,
                new_attempt_state=change.new_state,
                manual_overwritten=item.manual_overwritten,
            )
            for item in change.responses
        )
        if change.grade_changed:
            # Courses decides completion and the handlers issue the certificate, in this
            # transaction; the event's occurrence is this job, so a repeat records none.
            _report(attempt, occurrence=f"regrade:{job.pk}:attempt:{attempt.pk}")
        return len(change.responses)


def _fail(*, job_id: int, claim: str, error: str) -> bool:
    return bool(
        RegradeJob.objects.filter(pk=job_id, status=RegradeStatus.RUNNING, claim=claim).update(
            status=RegradeStatus.FAILED, error=error[:2000], finished_at=timezone.now()
        )
    )


def regrade_apply(*, job_id: int, claim: str | None = None) -> str:
    """Run a confirmed regrade once, however many times it is asked for.

    Claims the job with a conditional update (pending → running; a repeat with the same
    claim resumes; a claim older than REGRADE_STALE_AFTER is taken over). Each attempt is
    its own transaction, so a run that stops part way keeps what it did and a resumed run
    finds those attempts unchanged. Returns a RegradeOutcome value.
    """
    claim = claim or uuid.uuid4().hex
    now = timezone.now()
    claimable = (
        Q(status=RegradeStatus.PENDING)
        | Q(status=RegradeStatus.RUNNING, claim=claim)
        | Q(status=RegradeStatus.RUNNING, claimed_at__lt=now - regrade_stale_after())
    )
    claimed = RegradeJob.objects.filter(claimable, pk=job_id).update(
        status=RegradeStatus.RUNNING, claim=claim, claimed_at=now, runs=F("runs") + 1
    )
    if not claimed:
        status = RegradeJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status is None:
            return RegradeOutcome.MISSING
        return RegradeOutcome.BUSY if status == RegradeStatus.RUNNING else RegradeOutcome.SKIPPED
    job = RegradeJob.objects.select_related("created_by", "quiz").get(pk=job_id)
    if job.runs > REGRADE_MAX_RUNS:
        _fail(
            job_id=job_id,
            claim=claim,
            error=_(
                "The regrade was interrupted %(n)d times; the attempts regraded so far keep their new grade."
            )
            % {"n": job.runs - 1},
        )
        return RegradeOutcome.FAILED
    try:
        quiz = job.quiz
        targets = _targets(
            quiz=quiz,
            question_ids=[int(q) for q in job.revision_ids],
            revision_ids={int(q): r for q, r in job.revision_ids.items()},
        )
        changed = 0
        for done, attempt_id in enumerate(job.attempt_ids, start=1):
            changed += _regrade_attempt(job=job, attempt_id=attempt_id, targets=targets, now=timezone.now())
            RegradeJob.objects.filter(pk=job_id, claim=claim).update(processed=done)
        with transaction.atomic():
            total_changed = RegradeRecord.objects.filter(job=job).count()
            finished = RegradeJob.objects.filter(pk=job_id, status=RegradeStatus.RUNNING, claim=claim).update(
                status=RegradeStatus.DONE,
                processed=len(job.attempt_ids),
                changed_responses=total_changed,
                error="",
                finished_at=timezone.now(),
            )
            if finished and total_changed:
                # Marks changed without a learner event when no pass did: tell the item
                # analysis itself (debounced like every other change).
                quiz_statistics_mark_dirty(quiz_id=quiz.pk)
            if finished:
                log(
                    instance=quiz,
                    action="assessments.regrade",
                    user=job.created_by,
                    data={
                        "job": job.pk,
                        "revisions": job.revision_ids,
                        "attempts": len(job.attempt_ids),
                        "changed_responses": total_changed,
                        "keep_manual": job.keep_manual,
                    },
                )
    except Exception as error:
        logger.exception("Regrade job %s failed", job_id)
        _fail(
            job_id=job_id,
            claim=claim,
            error=_("The regrade stopped with an unexpected error (%(error)s).")
            % {"error": f"{type(error).__name__}: {error}"[:500]},
        )
        return RegradeOutcome.FAILED
    return RegradeOutcome.DONE if finished else RegradeOutcome.SKIPPED


def regrade_job_for(*, user, job_id: int) -> RegradeJob | None:
    """The job if ``user`` may regrade every one of its attempts (None otherwise, a 404):
    a coordinator sees the jobs of their cohorts, not another cohort's."""
    if not user.is_authenticated or not user.has_perm(GRADE_PERMISSION):
        return None
    job = RegradeJob.objects.select_related("quiz", "created_by").filter(pk=job_id).first()
    if job is None:
        return None
    ids = set(job.attempt_ids)
    visible = attempt_visible_to(user=user, as_grader=True).filter(pk__in=ids).count() if ids else 0
    return job if visible == len(ids) else None


def attempt_regraded_at(*, attempt: Attempt) -> datetime.datetime | None:
    """When the attempt was last regraded (for the learner's note: when, not who)."""
    return (
        RegradeRecord.objects.filter(attempt=attempt)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


# --- what the admin screens list ----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRow:
    question_id: int
    title: str
    live_revision_id: int | None
    # Some attempts in scope used an older revision than the live one: worth regrading.
    outdated: bool


def regrade_quizzes(*, actor) -> list[QuizPage]:
    """Quizzes with attempts ``actor`` may regrade, with ``regradable`` (their count)."""
    counts: dict[int, int] = {}
    for quiz_id in (
        attempt_visible_to(user=actor, as_grader=True)
        .filter(state__in=REGRADABLE_STATES)
        .values_list("quiz_id", flat=True)
    ):
        counts[quiz_id] = counts.get(quiz_id, 0) + 1
    quizzes = list(QuizPage.objects.filter(pk__in=counts).order_by("title", "pk"))
    for quiz in quizzes:
        quiz.regradable = counts[quiz.pk]
    return quizzes


def regrade_quiz_for(*, actor, quiz_id: int) -> QuizPage | None:
    """The quiz if ``actor`` may see any attempt at it (None: a 404 for another cohort's)."""
    if not attempt_visible_to(user=actor, as_grader=True).filter(quiz_id=quiz_id).exists():
        return None
    return QuizPage.objects.filter(pk=quiz_id).first()


def regrade_questions(*, quiz: QuizPage, actor) -> list[QuestionRow]:
    """The questions the actor's regradable attempts at ``quiz`` copied, in one query."""
    rows = (
        Response.objects.filter(attempt__in=regrade_attempts_in_scope(quiz=quiz, actor=actor))
        .exclude(question=None)
        .values_list("question_id", "question__title", "question__live_revision_id", "revision_id")
        .distinct()
    )
    found: dict[int, QuestionRow] = {}
    for question_id, title, live_revision_id, revision_id in rows:
        previous = found.get(question_id)
        outdated = live_revision_id is not None and revision_id != live_revision_id
        found[question_id] = QuestionRow(
            question_id=question_id,
            title=title,
            live_revision_id=live_revision_id,
            outdated=outdated or bool(previous and previous.outdated),
        )
    return sorted(found.values(), key=lambda row: (row.title.casefold(), row.question_id))
