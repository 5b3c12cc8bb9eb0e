"""Regrade: a coordinator's run that moves attempts' copies of fixed questions to a newer
revision, and the audit record of every response it changed.

An attempt copies its questions when it starts (records.py), so fixing a question changes
no grade by itself. A RegradeJob names the exact inputs a coordinator confirmed after the
dry run (quiz, questions, the revision of each, the attempts, whether hand grades are kept)
and is run by the ``regrade_apply`` task (assessments/services/regrade.py). Each response
it changes gets one RegradeRecord: who, when, from which revision to which, and the old and
new marks of the response and grade of the attempt. Records are never updated, and the
learner's result page reads them for its "regraded" note.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .pages import QuizPage
from .records import Attempt, Response


class RegradeStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Regrading")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RegradeJob(models.Model):
    """One confirmed regrade, claimed by its task with a conditional update (``claim``)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="regrade_jobs"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.PROTECT, related_name="regrade_jobs")
    # Question id (as a string, JSON keys) → the revision id the dry run graded against.
    revision_ids = models.JSONField(default=dict)
    attempt_ids = models.JSONField(default=list)
    keep_manual = models.BooleanField(default=True)
    status = models.CharField(
        max_length=20, choices=RegradeStatus.choices, default=RegradeStatus.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    changed_responses = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    runs = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("regrade")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RegradeStatus.values), name="assessments_regrade_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="assessments_regrade_processed_lte_total"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["pending", "running"], finished_at__isnull=True),
                name="assessments_regrade_finished_when_over",
            ),
            models.CheckConstraint(
                condition=~Q(status="running") | (~Q(claim="") & Q(claimed_at__isnull=False)),
                name="assessments_regrade_running_is_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"Regrade {self.pk} of quiz {self.quiz_id} ({self.get_status_display()})"

    @property
    def is_over(self) -> bool:
        return self.status in (RegradeStatus.DONE, RegradeStatus.FAILED)


class RegradeRecord(models.Model):
    """The audit of one response changed by one regrade. Written once, never updated."""

    job = models.ForeignKey(RegradeJob, on_delete=models.PROTECT, related_name="records")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrade_records")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="regrade_records")
    question = models.ForeignKey(
        "assessments.Question", null=True, on_delete=models.SET_NULL, related_name="regrade_records"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="regrade_records"
    )
    created_at = models.DateTimeField()
    # Plain ids, not foreign keys: the audit keeps naming a revision after it is pruned.
    old_revision_id = models.PositiveBigIntegerField(null=True)
    new_revision_id = models.PositiveBigIntegerField()
    old_marks = models.DecimalField(max_digits=8, decimal_places=2)
    new_marks = models.DecimalField(max_digits=8, decimal_places=2)
    old_score = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    new_score = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    old_attempt_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    new_attempt_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    old_attempt_state = models.CharField(max_length=20)
    new_attempt_state = models.CharField(max_length=20)
    manual_overwritten = models.BooleanField(default=False)

    class Meta:
        ordering = ["job", "attempt", "response"]
        constraints = [
            # A run repeated (or resumed after a lost worker) cannot audit a response twice.
            models.UniqueConstraint(fields=["job", "response"], name="assessments_regrade_record_unique"),
        ]

    def __str__(self) -> str:
        return f"Regrade {self.job_id} of response {self.response_id}"
