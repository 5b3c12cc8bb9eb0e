"""Learner records of quizzes: attempts, their responses, and per-learner accommodations.

An Attempt copies everything it needs when it starts (questions' grading data, draw, option
order, pass mark, deadline), so editing the quiz or a question never changes an attempt.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from .pages import QuizPage, ReviewLevel


class QuizAccommodation(models.Model):
    """Extra time a coordinator grants one learner on one quiz."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_accommodations"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="accommodations")
    extra_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    note = models.CharField(max_length=300, blank=True)

    panels = [FieldPanel("learner"), FieldPanel("quiz"), FieldPanel("extra_minutes"), FieldPanel("note")]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "quiz"], name="assessments_accommodation_unique"),
        ]

    def __str__(self) -> str:
        return f"+{self.extra_minutes} min for {self.learner} on {self.quiz}"


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_GRADING = "needs_grading", _("Waiting for grading")
    GRADED = "graded", _("Graded")
    ABANDONED = "abandoned", _("Abandoned")


class Attempt(models.Model):
    """One learner's attempt at a quiz, with everything copied that grading needs."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey(QuizPage, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text=_("Incremented by every save."))
    pass_mark = models.PositiveSmallIntegerField()
    review_level = models.CharField(max_length=20, choices=ReviewLevel.choices)
    review_after = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["quiz", "learner", "number"]
        # Grading open responses is its own right, not a side effect of editing questions.
        permissions = [("grade_attempt", "Can grade quiz attempts")]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "quiz", "number"], name="assessments_attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["learner", "quiz"],
                condition=Q(state="in_progress"),
                name="assessments_attempt_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="assessments_attempt_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.quiz_id} by {self.learner_id}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def passed(self) -> bool | None:
        if self.percent is None or self.state != AttemptState.GRADED:
            return None
        return self.percent >= self.pass_mark


class Response(models.Model):
    """One question of an attempt: the copied question and the learner's answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        "assessments.Question", null=True, on_delete=models.SET_NULL, related_name="responses"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    stem = models.TextField()
    grading_data = models.JSONField()
    general_feedback = models.TextField(blank=True)
    option_seed = models.CharField(max_length=32, blank=True)
    answer = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    parts = models.JSONField(default=dict, blank=True)
    feedback = models.JSONField(default=list, blank=True)
    needs_manual = models.BooleanField(default=False)
    rubric_scores = models.JSONField(default=dict, blank=True)
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grader_comment = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="assessments_response_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.position} of attempt {self.attempt_id}"

    @property
    def marks(self) -> Decimal:
        return Decimal(str(self.grading_data["marks"]))
