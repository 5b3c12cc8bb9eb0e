"""The assessments rows of the notification table (training_site/notifications.py).

What these emails say stays within the review policy: the learner's email gives the
attempt's score and pass mark (shown at every review level) and a link to the result page,
never answers, feedback or the grader's comment. The graders' email names the quiz and how
many attempts wait, not the learners or their answers.
"""

from django.conf import settings
from django.urls import reverse

from assessments.models import Attempt, AttemptState
from assessments.selectors import GRADE_PERMISSION, attempts_needing_grading
from assessments.selectors import attempt_graders as attempt_graders_for


def attempt_learner(*, event) -> list:
    """The learner whose attempt it is."""
    return [event.learner]


def attempt_graders(*, event) -> list:
    """Everyone who may grade the attempt (the access selector's rule)."""
    attempt = Attempt.objects.filter(pk=event.subject_id).first()
    return [] if attempt is None else attempt_graders_for(attempt=attempt)


def attempt_quiz_key(*, event) -> str:
    """Open responses are batched per quiz."""
    return f"quiz:{event.payload['quiz_id']}"


def may_grade(user) -> bool:
    return user.is_active and user.has_perm(GRADE_PERMISSION)


def grade_released_context(*, recipient, notices) -> dict | None:
    attempt = (
        Attempt.objects.filter(
            pk__in=[notice.subject_id for notice in notices], learner=recipient, state=AttemptState.GRADED
        )
        .select_related("quiz")
        .order_by("pk")
        .first()
    )
    if attempt is None:
        return None
    return {
        "quiz_title": attempt.quiz.title,
        "attempt_number": attempt.number,
        "percent": attempt.percent,
        "pass_mark": attempt.pass_mark,
        "passed": attempt.passed,
        "result_url": settings.BASE_URL + reverse("assessments:result", args=[attempt.pk]),
    }


def open_responses_waiting_context(*, recipient, notices) -> dict | None:
    """What still waits in the quiz, among the attempts ``recipient`` may grade, when the
    email is sent; None once all of it has been graded."""
    quiz_ids = set(
        Attempt.objects.filter(pk__in=[notice.subject_id for notice in notices]).values_list(
            "quiz_id", flat=True
        )
    )
    waiting = list(attempts_needing_grading(user=recipient).filter(quiz_id__in=quiz_ids))
    if not waiting:
        return None
    quiz = waiting[0].quiz
    return {
        "quiz_title": quiz.title,
        "attempt_count": len(waiting),
        "response_count": sum(attempt.pending for attempt in waiting),
        "grading_url": settings.BASE_URL + reverse("grading:index"),
    }
