"""Extra attempts a coordinator grants one learner on one quiz.

One row per grant rather than a counter on QuizAccommodation: each grant has its own
reason, grantor and time (the audit the coordinator's action needs), and the attempt limit
is the quiz's ``max_attempts`` plus the number of rows (``quiz_attempt_limit``). Nothing
here touches other learners' limits.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .pages import QuizPage


class AttemptGrant(models.Model):
    """One extra attempt at ``quiz`` for ``learner``, beyond the quiz's limit."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempt_grants"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="attempt_grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=2000)

    class Meta:
        ordering = ["granted_at", "pk"]
        indexes = [models.Index(fields=["learner", "quiz"], name="assessments_grant_learner_quiz")]
        constraints = [
            # A grant without a reason is not auditable.
            models.CheckConstraint(condition=~models.Q(reason=""), name="assessments_grant_reason_required"),
        ]

    def __str__(self) -> str:
        return f"Extra attempt for {self.learner_id} on {self.quiz_id}"
