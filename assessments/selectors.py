"""Reads for quizzes and attempts."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import (
    Attempt,
    AttemptGrant,
    AttemptState,
    GiftImportJob,
    GradingMethod,
    Question,
    QuestionBank,
    QuizAccommodation,
    QuizPage,
    Response,
)
from courses.models import CohortMembership, CoursePage
from courses.models.records import ActivityStatus
from courses.progress import LESSON, CourseProgress, progress_for_course
from courses.selectors import enrollment_current, learner_records_scope_filter


def quiz_course(quiz: QuizPage) -> CoursePage:
    return CoursePage.objects.ancestor_of(quiz).get()


def draw_candidates(*, bank_id: int, tag: str = "", exclude: set[int] = frozenset()):
    questions = Question.objects.filter(bank_id=bank_id, live=True).exclude(pk__in=exclude)
    if tag:
        questions = questions.filter(tags__name__iexact=tag)
    return questions.distinct()


def quiz_slot_problems(*, slots) -> list[str]:
    """Why a quiz with these slots cannot be published (empty when it can)."""
    problems = []
    fixed_ids = {slot.question_id for slot in slots if slot.question_id}
    if len(fixed_ids) != sum(1 for slot in slots if slot.question_id):
        problems.append(_("The same question is used twice."))
    fixed = {q.pk: q for q in Question.objects.filter(pk__in=fixed_ids).prefetch_related("rubric_criteria")}
    for slot in slots:
        if slot.question_id:
            question = fixed.get(slot.question_id)
            if question is None or not question.live:
                problems.append(_("“%(q)s” is not published.") % {"q": question or slot.question_id})
            elif question.grading_errors():
                problems.append(_("“%(q)s” cannot be graded yet.") % {"q": question.title})
        elif slot.bank_id:
            available = draw_candidates(bank_id=slot.bank_id, tag=slot.tag, exclude=fixed_ids).count()
            if available < (slot.draw_count or 0):
                problems.append(
                    _("The bank “%(bank)s” has %(n)d live questions%(tag)s, but the draw asks for %(want)d.")
                    % {
                        "bank": slot.bank.path,
                        "n": available,
                        "tag": _(" tagged “%s”") % slot.tag if slot.tag else "",
                        "want": slot.draw_count,
                    }
                )
        else:
            problems.append(_("Each slot needs a question, or a bank and a number to draw."))
    return problems


def quiz_question_count(quiz: QuizPage) -> int:
    return sum(1 if slot.question_id else (slot.draw_count or 0) for slot in quiz.slots.all())


def quiz_aggregate_percent(*, attempts: list[Attempt], method: str) -> Decimal | None:
    """The learner's quiz grade across graded attempts, by the quiz's grading method."""
    graded = sorted((a for a in attempts if a.state == AttemptState.GRADED), key=lambda a: a.number)
    if not graded:
        return None
    percents = [a.percent for a in graded]
    if method == GradingMethod.AVERAGE:
        return (sum(percents) / len(percents)).quantize(Decimal("0.01"))
    if method == GradingMethod.FIRST:
        return percents[0]
    if method == GradingMethod.LAST:
        return percents[-1]
    return max(percents)


@dataclass(frozen=True)
class FinalGuard:
    """What stands before starting a course's final while lessons are still incomplete.

    ``locked``: the course opens its final only when every lesson is complete
    (``CoursePage.final_requires_all_lessons``), so it cannot be started yet. ``confirm``:
    the final has limited attempts, so the learner confirms before using one.
    """

    lessons_left: int
    locked: bool
    confirm: bool
    next_lesson_url: str
    next_lesson_title: str

    @property
    def locked_message(self) -> str:
        return ngettext(
            "The final assessment opens when you have completed every lesson: %(n)d lesson is left.",
            "The final assessment opens when you have completed every lesson: %(n)d lessons are left.",
            self.lessons_left,
        ) % {"n": self.lessons_left}


def quiz_final_guard(*, quiz: QuizPage, course: CoursePage, enrollment) -> FinalGuard | None:
    """The guard on a course's final (a quiz directly under the course) for an enrolled
    learner with lessons still incomplete, from the progress owner; None when nothing
    stands in the way (a module quiz, every lesson done, a completed enrollment)."""
    if enrollment is None or quiz.depth != course.depth + 1:
        return None
    progress = progress_for_course(course=course, enrollment=enrollment)
    if progress.is_completed or progress.lessons_left <= 0:
        return None
    step = progress.next_step if progress.next_step and progress.next_step.kind == LESSON else None
    return FinalGuard(
        lessons_left=progress.lessons_left,
        locked=course.final_requires_all_lessons,
        confirm=bool(quiz.max_attempts),
        next_lesson_url=step.url if step else "",
        next_lesson_title=step.title if step else "",
    )


def quiz_overview_for_learner(*, quiz: QuizPage, user) -> dict:
    """The quiz intro page: rules, the learner's attempts, and what they may do next."""
    attempts = []
    enrollment = None
    guard = None
    if user.is_authenticated:
        attempts = list(attempt_visible_to(user=user).filter(quiz=quiz).order_by("number"))
        course = quiz_course(quiz)
        enrollment = enrollment_current(learner=user, course=course)
        guard = quiz_final_guard(quiz=quiz, course=course, enrollment=enrollment)
    used = sum(1 for a in attempts if a.state != AttemptState.ABANDONED)
    in_progress = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    grade = quiz_aggregate_percent(attempts=attempts, method=quiz.grading_method)
    limit = (
        quiz_attempt_limit(learner=user, quiz=quiz) if user.is_authenticated else quiz.max_attempts or None
    )
    return {
        "attempts": attempts,
        "enrollment": enrollment,
        "attempts_used": used,
        "attempts_left": None if limit is None else max(0, limit - used),
        "attempt_in_progress": in_progress,
        "quiz_grade": grade,
        "quiz_passed": grade is not None and grade >= quiz.pass_mark,
        "question_count": quiz_question_count(quiz),
        "begins_at": _begins_at(quiz=quiz, user=user, in_progress=in_progress),
        "final_guard": guard,
    }


def quiz_attempt_limit(*, learner, quiz: QuizPage) -> int | None:
    """How many attempts ``learner`` may use at ``quiz``: the quiz's limit plus the extra
    attempts granted to this learner on this quiz (None: unlimited). The one rule the start
    check and every "attempts left" read use."""
    if not quiz.max_attempts:
        return None
    return quiz.max_attempts + AttemptGrant.objects.filter(learner=learner, quiz=quiz).count()


def quiz_start_time(*, learner, quiz: QuizPage) -> datetime | None:
    """When this learner may begin a quiz with a staggered start (None: whenever it is open).

    Each learner gets a fixed offset within the start window, derived from the quiz and the
    learner with the site's secret: the same on every visit and server, spread evenly over
    the window, and not something a learner can choose by reloading. Nothing is taken off
    the learner's time: the time limit counts from their own start (``_deadline``), and the
    editor refuses a close date that leaves the last learner less than the limit.
    """
    if not quiz.start_window_minutes or not quiz.open_at:
        return None
    digest = salted_hmac("assessments.quiz_start_time", f"{quiz.pk}:{learner.pk}").digest()
    offset = int.from_bytes(digest[:8], "big") % (quiz.start_window_minutes * 60)
    return quiz.open_at + timedelta(seconds=offset)


def _begins_at(*, quiz: QuizPage, user, in_progress) -> datetime | None:
    """The learner's own start time under a staggered start, while it is still ahead."""
    if in_progress is not None or not user.is_authenticated:
        return None
    begins_at = quiz_start_time(learner=user, quiz=quiz)
    return begins_at if begins_at and begins_at > timezone.now() else None


@dataclass(frozen=True)
class QuizStanding:
    """A learner's standing in one required quiz, as My learning shows it."""

    title: str
    url: str
    #: The course's record of the quiz grade (``ActivityResult``), already under the quiz's
    #: grading method; None before a graded attempt.
    grade: Decimal | None
    grading_method: str
    status: str
    #: None when attempts are unlimited.
    attempts_left: int | None

    @property
    def grading_method_label(self) -> str:
        return GradingMethod(self.grading_method).label

    @property
    def passed(self) -> bool:
        return self.status == ActivityStatus.PASSED

    @property
    def waiting_for_grading(self) -> bool:
        return self.status == ActivityStatus.PENDING


def quiz_standings_for_progress(
    *, learner, progress: Sequence[CourseProgress]
) -> dict[int, list[QuizStanding]]:
    """Each enrollment's required quizzes (keyed by enrollment id) with the grade and the
    attempts left, in one query whatever the number of enrollments or quizzes: the grade comes
    from the progress value, the quiz settings and the attempts used from one annotated read."""
    ids = {step.page_id for p in progress for step in p.required_activities}
    used = Count("attempts", filter=Q(attempts__learner=learner) & ~Q(attempts__state=AttemptState.ABANDONED))
    # A subquery, not a second Count over another join (that would multiply both counts).
    granted = (
        AttemptGrant.objects.filter(quiz=OuterRef("pk"), learner=learner)
        .order_by()
        .values("quiz")
        .annotate(n=Count("pk"))
        .values("n")
    )
    quizzes = (
        {
            pk: (max_attempts + extra if max_attempts else max_attempts, method, count)
            for pk, max_attempts, method, count, extra in QuizPage.objects.filter(pk__in=ids)
            .annotate(used=used, granted=Coalesce(Subquery(granted), 0))
            .values_list("pk", "max_attempts", "grading_method", "used", "granted")
        }
        if ids
        else {}
    )
    standings = {}
    for p in progress:
        rows = []
        for step in p.required_activities:
            if step.page_id not in quizzes:
                continue  # another kind of activity: no grade or attempts to show
            max_attempts, method, count = quizzes[step.page_id]
            status, grade = p.activity_results.get(step.page_id, ("not_started", None))
            rows.append(
                QuizStanding(
                    title=step.title,
                    url=step.url,
                    grade=grade,
                    grading_method=method,
                    status=status,
                    attempts_left=max(0, max_attempts - count) if max_attempts else None,
                )
            )
        standings[p.enrollment_id] = rows
    return standings


GRADE_PERMISSION = "assessments.grade_attempt"


def attempt_visible_to(*, user, as_grader: bool = False):
    """The one rule for who may see which attempts (and so their responses).

    As a learner (the quiz pages), a user sees their own attempts only, whoever they are. As
    a grader (the admin grading screens), a user needs the grade_attempt permission and then
    sees the attempts of the learners in their cohorts and the cohorts below them; site
    administrators see every attempt.
    """
    if not user.is_authenticated:
        return Attempt.objects.none()
    if not as_grader:
        return Attempt.objects.filter(learner=user)
    if not user.has_perm(GRADE_PERMISSION):
        return Attempt.objects.none()
    scope = learner_records_scope_filter(user=user)
    return Attempt.objects.all() if scope is None else Attempt.objects.filter(scope)


def attempt_graders(*, attempt: Attempt) -> list:
    """The active users who may grade ``attempt``: everyone for whom attempt_visible_to (as a
    grader) includes it. Candidates come from the permission; the rule itself is asked per
    person, so a narrower attempt_visible_to (cohorts) narrows this too."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    app_label, codename = GRADE_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    candidates = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions=permission) | Q(user_permissions=permission))
        .distinct()
        .order_by("pk")
    )
    return [
        user
        for user in candidates
        if attempt_visible_to(user=user, as_grader=True).filter(pk=attempt.pk).exists()
    ]


def attempt_for_learner(*, learner, attempt_id: int) -> Attempt:
    """The learner's own attempt; anyone else's raises Attempt.DoesNotExist (a 404)."""
    return attempt_visible_to(user=learner).select_related("quiz").get(pk=attempt_id)


def attempts_needing_grading(*, user):
    """Attempts with open responses waiting, among those ``user`` may grade."""
    return (
        attempt_visible_to(user=user, as_grader=True)
        .filter(state=AttemptState.NEEDS_GRADING)
        .select_related("quiz", "learner")
        .annotate(
            pending=Count("responses", filter=Q(responses__needs_manual=True, responses__graded_at=None))
        )
        .order_by("submitted_at")
    )


def accommodation_visible_to(*, user):
    """The extra-time grants ``user`` may see and change in the admin: those of the learners
    in their cohorts and the cohorts below them (every one for site administrators)."""
    if not user.is_authenticated or not user.has_perm("assessments.view_quizaccommodation"):
        return QuizAccommodation.objects.none()
    scope = learner_records_scope_filter(user=user)
    return QuizAccommodation.objects.all() if scope is None else QuizAccommodation.objects.filter(scope)


IMPORT_PERMISSION = "assessments.add_question"


def gift_import_jobs_visible_to(*, user):
    """The one rule for who may see which GIFT import jobs.

    A job holds its uploader's file and outcome: the uploader sees their own (while they
    may still import questions), an administrator sees every one, and another coordinator
    gets a 404 like any other user's record. The questions a job imported are shared in
    the question list as usual.
    """
    if not user.is_authenticated or not user.has_perm(IMPORT_PERMISSION):
        return GiftImportJob.objects.none()
    if user.is_superuser:
        return GiftImportJob.objects.all()
    return GiftImportJob.objects.filter(created_by=user)


def question_banks_by_path(*, paths: list[str]) -> list[QuestionBank]:
    """The banks at these paths, in path order, read in one query."""
    return list(QuestionBank.objects.filter(path__in=paths).order_by("path"))


def grading_pseudonym(*, attempt_id: int) -> str:
    """The name a grader sees while grading anonymously: stable for one attempt (so every
    response of it reads as the same person), different between attempts, and not
    reversible without the site's secret."""
    digest = salted_hmac("assessments.grading_pseudonym", str(attempt_id)).hexdigest()
    return _("Learner #%(code)s") % {"code": digest[:6].upper()}


def responses_awaiting_grading(*, user, course=None, quiz=None, cohort=None):
    """The grading queue: open responses not graded yet, of submitted attempts ``user`` may
    grade, oldest submission first, narrowed to a course, a quiz and one cohort when given.
    The cohort narrows the grader's scope and never widens it: attempt_visible_to applies
    first."""
    attempts = attempt_visible_to(user=user, as_grader=True).filter(state=AttemptState.NEEDS_GRADING)
    if quiz is not None:
        attempts = attempts.filter(quiz=quiz)
    if course is not None:
        attempts = attempts.filter(quiz__path__startswith=course.path, quiz__depth__gt=course.depth)
    if cohort is not None:
        attempts = attempts.filter(
            learner__in=CohortMembership.objects.filter(cohort=cohort).values("learner_id")
        )
    return (
        Response.objects.filter(attempt__in=attempts, needs_manual=True, graded_at__isnull=True)
        .select_related("attempt__quiz", "attempt__learner")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )


@dataclass(frozen=True)
class AttemptRow:
    """One attempt in the coordinators' attempts listing and its export."""

    attempt_id: int
    learner_name: str
    learner_email: str
    quiz_title: str
    number: int
    state: str
    state_label: str
    started_at: datetime
    submitted_at: datetime | None
    duration_minutes: Decimal | None
    percent: Decimal | None
    passed: bool | None


def attempt_rows(*, user, quiz=None, cohort=None) -> list[AttemptRow]:
    """Every attempt ``user`` may see as a grader (narrowed to a quiz and one cohort of
    theirs), learner by learner, in one query whatever their number."""
    attempts = attempt_visible_to(user=user, as_grader=True)
    if quiz is not None:
        attempts = attempts.filter(quiz=quiz)
    if cohort is not None:
        attempts = attempts.filter(
            learner__in=CohortMembership.objects.filter(cohort=cohort).values("learner_id")
        )
    attempts = attempts.select_related("learner", "quiz").only(
        "number",
        "state",
        "started_at",
        "submitted_at",
        "percent",
        "pass_mark",
        "learner__email",
        "learner__display_name",
        "quiz__title",
    )
    rows = []
    for attempt in attempts.order_by("quiz__title", "learner__email", "number", "pk"):
        duration = None
        if attempt.submitted_at is not None:
            seconds = Decimal((attempt.submitted_at - attempt.started_at).total_seconds())
            duration = (seconds / 60).quantize(Decimal("0.1"))
        rows.append(
            AttemptRow(
                attempt_id=attempt.pk,
                learner_name=str(attempt.learner),
                learner_email=attempt.learner.email,
                quiz_title=attempt.quiz.title,
                number=attempt.number,
                state=attempt.state,
                state_label=str(AttemptState(attempt.state).label),
                started_at=attempt.started_at,
                submitted_at=attempt.submitted_at,
                duration_minutes=duration,
                percent=attempt.percent if attempt.state == AttemptState.GRADED else None,
                passed=attempt.passed,
            )
        )
    return rows
