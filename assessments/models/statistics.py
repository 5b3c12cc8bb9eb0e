"""Cached item analysis of a quiz (assessments/statistics.py computes it).

Computing the statistics reads every graded attempt of a quiz, so the result is kept per
quiz, per attempt set (first, all, last) and per cohort scope (a coordinator sees the
statistics of their own learners), and recomputed after attempts change. A per-quiz
``QuizStatisticsRefresh`` row says since when the cache is out of date; the refresh task
claims it with a conditional update, so a burst of submissions queues one recomputation
(assessments/services/statistics.py).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .pages import QuizPage


class AttemptSet(models.TextChoices):
    FIRST = "first", _("First graded attempt of each learner")
    ALL = "all", _("All graded attempts")
    LAST = "last", _("Last graded attempt of each learner")


class QuizStatistics(models.Model):
    """The statistics of one quiz over one set of attempts, as JSON, and when computed.

    ``scope_key`` is "all" (every learner) or a digest of the sorted cohort ids in
    ``cohort_ids``, so the refresh task can recompute a coordinator's view without them.
    """

    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="statistics")
    attempt_set = models.CharField(max_length=10, choices=AttemptSet.choices)
    scope_key = models.CharField(max_length=64)
    cohort_ids = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("quiz statistics")
        verbose_name_plural = _("quiz statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "attempt_set", "scope_key"], name="assessments_quizstatistics_unique"
            ),
            models.CheckConstraint(
                condition=Q(attempt_set__in=AttemptSet.values), name="assessments_quizstatistics_set_valid"
            ),
            # Every learner, or a list of cohorts: never a digest without the list.
            models.CheckConstraint(
                condition=Q(scope_key="all", cohort_ids__isnull=True)
                | (~Q(scope_key="all") & Q(cohort_ids__isnull=False)),
                name="assessments_quizstatistics_scope_has_cohorts",
            ),
        ]

    def __str__(self) -> str:
        return f"Statistics of quiz {self.quiz_id} ({self.attempt_set}, {self.scope_key[:8]})"


class QuizStatisticsRefresh(models.Model):
    """Since when a quiz's cached statistics are out of date (None: up to date or being
    recomputed). Marking a clean row dirty is what queues the refresh task; marking a dirty
    row again does nothing, which is the debounce."""

    quiz = models.OneToOneField(
        QuizPage, on_delete=models.CASCADE, primary_key=True, related_name="statistics_refresh"
    )
    dirty_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Statistics refresh of quiz {self.quiz_id}"
