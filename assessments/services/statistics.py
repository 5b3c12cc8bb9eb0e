"""Item analysis: load the attempts, compute (assessments/statistics.py), cache, refresh.

- **Which attempts.** Graded attempts only (an attempt waiting for hand grading has no
  final marks). ``first``: each learner's graded attempt with the lowest number (the
  default); ``last``: the highest; ``all``: every one. A coordinator's statistics cover the
  learners of their cohort scope (``courses.selectors.cohort_scope_ids``); a site
  administrator's every learner. Who may open a quiz's statistics is
  ``quizzes_with_statistics_visible_to``: quizzes with an attempt the user may see as a
  grader (``attempt_visible_to``), so another cohort's quiz is a 404.
- **Positions.** A response is placed in the quiz slot it came from: a fixed question's
  slot, or else a random-draw slot of the question's bank (and tag) with a draw left in
  that attempt; the k-th question drawn by slot 3 (in the attempt's order) is place "3.k",
  as Moodle has one random slot per drawn question. A response that fits no slot (the quiz
  was edited after the attempt) gets a place of its own question.
- **Cache and debounce.** ``quiz_statistics_mark_dirty`` turns the quiz's refresh row from
  clean to dirty with a conditional update and, only when it did, queues the refresh task
  with a countdown (``QUIZ_STATISTICS_DEBOUNCE_SECONDS``): marks made while it is dirty
  queue nothing, so an exam-day burst of 200 submissions queues one task. The task claims
  the row back to clean with another conditional update (a repeated delivery finds nothing
  to claim) and recomputes every cached view of the quiz; a change committed after the
  claim marks it dirty again and queues the next run, so the cache is never left stale.
  With eager tasks (the embedded default, no broker) nothing is queued: a page that finds
  its cache older than the dirty mark recomputes on read, as other periodic work here is
  "done when read".
- **Trigger.** The learner event log (courses/events.py): ``quiz_statistics_on_event`` is
  a subscriber for "activity passed / not passed" (recorded for every graded attempt with
  an enrollment) and "grade released" (hand grading). A regrade that writes marks without
  an event calls ``quiz_statistics_mark_dirty`` itself.
"""

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessments import statistics
from assessments.models import (
    Attempt,
    AttemptSet,
    AttemptState,
    Question,
    QuizPage,
    QuizSlot,
    QuizStatistics,
    QuizStatisticsRefresh,
    Response,
)
from assessments.models.questions import QuestionTag
from assessments.selectors import attempt_visible_to
from courses.models import CohortMembership, LearnerEventKind
from courses.selectors import cohort_scope_ids

ALL_SCOPE = "all"


# --- who sees what --------------------------------------------------------------------------


def quizzes_with_statistics_visible_to(*, user) -> QuerySet[QuizPage]:
    """The quizzes whose statistics ``user`` may open: those with an attempt they may see
    as a grader (coordinators: their cohorts' learners; administrators: everyone)."""
    return QuizPage.objects.filter(pk__in=attempt_visible_to(user=user, as_grader=True).values("quiz_id"))


def statistics_scope(*, user) -> tuple[str, list[int] | None]:
    """(scope key, cohort ids) of ``user``'s statistics: every learner for administrators."""
    scope = cohort_scope_ids(user=user)
    if scope is None:
        return ALL_SCOPE, None
    ids = sorted(scope)
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest(), ids


# --- loading ---------------------------------------------------------------------------------


def _chosen_attempts(rows: list[tuple[int, int, int]], attempt_set: str) -> set[int]:
    """Attempt ids from (id, learner id, number) rows under the attempt-set rule."""
    if attempt_set == AttemptSet.ALL:
        return {pk for pk, _learner, _number in rows}
    best: dict[int, tuple[int, int]] = {}
    for pk, learner_id, number in rows:
        current = best.get(learner_id)
        if (
            current is None
            or (attempt_set == AttemptSet.FIRST and number < current[1])
            or (attempt_set == AttemptSet.LAST and number > current[1])
        ):
            best[learner_id] = (pk, number)
    return {pk for pk, _number in best.values()}


def _graded_attempts(*, quiz_id: int, cohort_ids: list[int] | None) -> QuerySet[Attempt]:
    attempts = Attempt.objects.filter(quiz_id=quiz_id, state=AttemptState.GRADED)
    if cohort_ids is not None:
        attempts = attempts.filter(
            learner__in=CohortMembership.objects.filter(cohort_id__in=cohort_ids).values("learner_id")
        )
    return attempts


class _Placer:
    """Places each response of an attempt in the slot it came from (see the module text)."""

    def __init__(self, slots: list[dict], banks: dict[int, int], tags: dict[int, set[str]]):
        self.slots = slots
        self.fixed = {
            slot["question_id"]: index for index, slot in enumerate(slots, 1) if slot["question_id"]
        }
        self.banks = banks
        self.tags = tags

    def order(self) -> list[str]:
        keys = []
        for index, slot in enumerate(self.slots, 1):
            if slot["question_id"]:
                keys.append(str(index))
            else:
                keys.extend(f"{index}.{k}" for k in range(1, (slot["draw_count"] or 0) + 1))
        return keys

    def _fits(self, slot: dict, question_id: int | None) -> bool:
        if question_id is None or self.banks.get(question_id) != slot["bank_id"]:
            return False
        return not slot["tag"] or slot["tag"].casefold() in self.tags.get(question_id, set())

    def place(self, question_ids: list[int | None]) -> list[str]:
        """Place keys for an attempt's responses, given in the attempt's order."""
        used: dict[int, int] = defaultdict(int)
        places = []
        for question_id in question_ids:
            if question_id in self.fixed:
                places.append(str(self.fixed[question_id]))
                continue
            draws = [
                (index, slot)
                for index, slot in enumerate(self.slots, 1)
                if not slot["question_id"] and used[index] < (slot["draw_count"] or 0)
            ]
            chosen = next((index for index, slot in draws if self._fits(slot, question_id)), None)
            if chosen is None:
                places.append(f"q{question_id}")
                continue
            used[chosen] += 1
            places.append(f"{chosen}.{used[chosen]}")
        return places


def quiz_statistics_compute(*, quiz_id: int, attempt_set: str, cohort_ids: list[int] | None) -> dict:
    """The item analysis of one quiz over one attempt set and scope, as JSON-able data.

    Five queries whatever the number of attempts (slots, attempts, responses, questions
    with their banks, tags)."""
    slots = list(
        QuizSlot.objects.filter(quiz_id=quiz_id)
        .order_by("sort_order", "pk")
        .values("question_id", "bank_id", "bank__path", "draw_count", "tag")
    )
    rows = list(
        _graded_attempts(quiz_id=quiz_id, cohort_ids=cohort_ids).values_list("pk", "learner_id", "number")
    )
    chosen = _chosen_attempts(rows, attempt_set)
    responses = (
        Response.objects.filter(attempt__in=_graded_attempts(quiz_id=quiz_id, cohort_ids=cohort_ids))
        .order_by("attempt_id", "position")
        .values_list("attempt_id", "question_id", "score", "grading_data", "answer")
    )
    by_attempt: dict[int, list[tuple]] = defaultdict(list)
    for attempt_id, question_id, score, data, answer in responses:
        if attempt_id in chosen:
            by_attempt[attempt_id].append((question_id, score, data, answer))
    question_ids = {row[0] for items in by_attempt.values() for row in items if row[0] is not None}
    question_ids |= {slot["question_id"] for slot in slots if slot["question_id"]}
    questions = {
        pk: {"title": title, "bank_id": bank_id, "bank": path, "qtype": qtype}
        for pk, title, bank_id, path, qtype in Question.objects.filter(pk__in=question_ids).values_list(
            "pk", "title", "bank_id", "bank__path", "qtype"
        )
    }
    tags: dict[int, set[str]] = defaultdict(set)
    if any(slot["tag"] for slot in slots):
        for question_id, name in QuestionTag.objects.filter(content_object_id__in=question_ids).values_list(
            "content_object_id", "tag__name"
        ):
            tags[question_id].add(name.casefold())
    placer = _Placer(slots, {pk: q["bank_id"] for pk, q in questions.items()}, tags)

    marks, seen = [], []
    for attempt_id in sorted(by_attempt):
        items = by_attempt[attempt_id]
        places = placer.place([question_id for question_id, *_rest in items])
        attempt_items = []
        for place, (question_id, score, data, answer) in zip(places, items, strict=True):
            attempt_items.append(
                statistics.ItemMark(
                    place=place,
                    question_id=question_id,
                    mark=float(score or 0),
                    max_mark=float(Decimal(str(data["marks"]))),
                )
            )
            if question_id is not None:
                seen.append(
                    statistics.ResponseSeen(question_id=question_id, grading_data=data, answer=answer)
                )
        marks.append(statistics.AttemptMarks(items=attempt_items))
    result = statistics.analyse(marks, place_order=placer.order())
    result["responses"] = statistics.response_analysis(seen)
    result["questions"] = {str(pk): q for pk, q in questions.items()}
    result["slots"] = [
        {
            "question_id": s["question_id"],
            "bank": s["bank__path"] or "",
            "tag": s["tag"],
            "draws": s["draw_count"],
        }
        for s in slots
    ]
    max_totals = [sum(item.max_mark for item in attempt.items) for attempt in marks]
    result["quiz"]["max_total"] = max(max_totals) if max_totals else None
    return result


# --- cache -----------------------------------------------------------------------------------


def _store(*, quiz_id: int, attempt_set: str, scope_key: str, cohort_ids, now: datetime) -> QuizStatistics:
    data = quiz_statistics_compute(quiz_id=quiz_id, attempt_set=attempt_set, cohort_ids=cohort_ids)
    row, _created = QuizStatistics.objects.update_or_create(
        quiz_id=quiz_id,
        attempt_set=attempt_set,
        scope_key=scope_key,
        defaults={"cohort_ids": cohort_ids, "data": data, "computed_at": now},
    )
    return row


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def quiz_statistics_for(
    *, quiz: QuizPage, attempt_set: str, user, recalculate: bool = False, now: datetime | None = None
) -> tuple[QuizStatistics, bool]:
    """The cached statistics ``user`` sees for ``quiz`` (computed now when there are none,
    when asked to, or when out of date without a worker to refresh them), and whether they
    are out of date (a refresh is queued)."""
    now = now or timezone.now()
    scope_key, cohort_ids = statistics_scope(user=user)
    row = QuizStatistics.objects.filter(quiz=quiz, attempt_set=attempt_set, scope_key=scope_key).first()
    dirty_since = (
        QuizStatisticsRefresh.objects.filter(quiz=quiz).values_list("dirty_since", flat=True).first()
    )
    stale = row is not None and dirty_since is not None and row.computed_at <= dirty_since
    if row is None or recalculate or (stale and _eager()):
        row = _store(
            quiz_id=quiz.pk, attempt_set=attempt_set, scope_key=scope_key, cohort_ids=cohort_ids, now=now
        )
        stale = False
    return row, stale


def quiz_statistics_mark_dirty(*, quiz_id: int, now: datetime | None = None) -> bool:
    """Note that ``quiz_id``'s attempts changed. True when this queued a refresh (the cache
    was clean); False while one is already due, which is what debounces a burst."""
    now = now or timezone.now()
    if _eager():
        # Nothing is queued without a worker: the next read compares its cache with this.
        QuizStatisticsRefresh.objects.update_or_create(quiz_id=quiz_id, defaults={"dirty_since": now})
        return False
    turned = QuizStatisticsRefresh.objects.filter(quiz_id=quiz_id, dirty_since__isnull=True).update(
        dirty_since=now
    )
    if not turned:
        try:
            with transaction.atomic():
                QuizStatisticsRefresh.objects.create(quiz_id=quiz_id, dirty_since=now)
        except IntegrityError:
            return False  # dirty already: its refresh is queued
    from assessments.tasks import quiz_statistics_refresh as quiz_statistics_refresh_task

    transaction.on_commit(
        lambda: quiz_statistics_refresh_task.apply_async(
            args=[quiz_id], countdown=settings.QUIZ_STATISTICS_DEBOUNCE_SECONDS
        )
    )
    return True


def quiz_statistics_refresh(*, quiz_id: int, now: datetime | None = None) -> int:
    """Recompute every cached view of a dirty quiz; the first view (first attempts, every
    learner) too when none is cached. Returns how many were computed (0: nothing was due)."""
    now = now or timezone.now()
    claimed = QuizStatisticsRefresh.objects.filter(quiz_id=quiz_id, dirty_since__isnull=False).update(
        dirty_since=None
    )
    if not claimed:
        return 0
    views = list(
        QuizStatistics.objects.filter(quiz_id=quiz_id).values_list("attempt_set", "scope_key", "cohort_ids")
    )
    if not views:
        views = [(AttemptSet.FIRST, ALL_SCOPE, None)]
    for attempt_set, scope_key, cohort_ids in views:
        _store(quiz_id=quiz_id, attempt_set=attempt_set, scope_key=scope_key, cohort_ids=cohort_ids, now=now)
    return len(views)


def quiz_statistics_on_event(*, event) -> None:
    """Learner event subscriber: a graded attempt makes its quiz's statistics out of date."""
    if event.kind == LearnerEventKind.ATTEMPT_GRADED:
        quiz_id = event.payload.get("quiz_id")
    else:
        quiz_id = event.subject_id if event.subject_type == "activity" else None
    if quiz_id and QuizPage.objects.filter(pk=quiz_id).exists():
        quiz_statistics_mark_dirty(quiz_id=quiz_id)


quiz_statistics_on_event.event_kinds = frozenset(
    {LearnerEventKind.ACTIVITY_PASSED, LearnerEventKind.ACTIVITY_FAILED, LearnerEventKind.ATTEMPT_GRADED}
)


def quiz_statistics_refresh_overdue(*, now: datetime | None = None) -> int:
    """Refresh the quizzes dirty for longer than twice the debounce (their task was lost).
    Returns how many quizzes were refreshed."""
    now = now or timezone.now()
    due = now - timedelta(seconds=2 * settings.QUIZ_STATISTICS_DEBOUNCE_SECONDS)
    quiz_ids = list(
        QuizStatisticsRefresh.objects.filter(dirty_since__lte=due).values_list("quiz_id", flat=True)
    )
    return sum(1 for quiz_id in quiz_ids if quiz_statistics_refresh(quiz_id=quiz_id, now=now))
