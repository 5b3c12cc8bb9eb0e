"""Consistency checks for assessments (run by check_consistency, see training_site/consistency.py)."""

from django.db.models import Exists, OuterRef, Q

from assessments.models import Attempt, AttemptState, Response
from training_site.consistency import Finding


def attempts_never_graded(*, fix: bool) -> list[Finding]:
    """Submitted attempts that are not graded and wait for no manual grading: grading was
    interrupted. Not fixed automatically: a coordinator should look at the attempt."""
    pending_manual = Exists(
        Response.objects.filter(attempt=OuterRef("pk"), needs_manual=True, graded_at__isnull=True)
    )
    stuck = (
        Attempt.objects.filter(submitted_at__isnull=False)
        .exclude(state__in=[AttemptState.GRADED, AttemptState.ABANDONED])
        .exclude(Q(state=AttemptState.NEEDS_GRADING) & pending_manual)
        .values_list("pk", "state", "learner_id", "quiz_id")
    )
    return [
        Finding(
            "attempts_never_graded",
            f"attempt {pk}",
            f"submitted but {state} with nothing to grade by hand (learner {learner}, quiz {quiz})",
        )
        for pk, state, learner, quiz in stuck
    ]
