"""Learner records: plain models with database constraints, never page content."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("Self-enrolled")
    COORDINATOR = "coordinator", _("Enrolled by a coordinator")
    PRIOR_LEARNING = "prior_learning", _("Prior learning")


class Enrollment(models.Model):
    """A learner taking a course. Its completion triggers COURSE_COMPLETION_HANDLERS."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(
        max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    source = models.CharField(max_length=20, choices=EnrollmentSource.choices, default=EnrollmentSource.SELF)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            # A withdrawn enrollment may be followed by a new one; an active or completed
            # one may not.
            models.UniqueConstraint(
                fields=["learner", "course"],
                condition=~Q(status="withdrawn"),
                name="courses_enrollment_one_current_per_course",
            ),
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False) | ~Q(status="completed"),
                name="courses_enrollment_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["learner", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course_id}"

    @property
    def is_completed(self) -> bool:
        return self.status == EnrollmentStatus.COMPLETED

    @property
    def is_prior_learning(self) -> bool:
        """Credited by a coordinator for learning done elsewhere, not by taking the lessons."""
        return self.source == EnrollmentSource.PRIOR_LEARNING


class LessonProgress(models.Model):
    """A lesson a learner has completed within one enrollment."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="progress_records"
    )
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="courses_lessonprogress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: lesson {self.lesson_id}"


class ReflectionNote(models.Model):
    """A learner's private answer to one reflection block of a lesson."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflection_notes"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="reflection_notes"
    )
    block_id = models.CharField(max_length=64)
    text = models.TextField(max_length=10_000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "lesson", "block_id"], name="courses_reflectionnote_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Note by {self.author_id} on lesson {self.lesson_id}"


class ActivityStatus(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed yet")
    PENDING = "pending", _("Waiting for grading")


class ActivityResult(models.Model):
    """The learner's current result in one course activity (e.g. a quiz), as reported by
    the app that owns the activity. Required activities must be passed to complete."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="activity_results")
    activity = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ActivityStatus.choices)
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "activity"], name="courses_activityresult_unique"),
            models.CheckConstraint(
                condition=Q(score_percent__isnull=True) | Q(score_percent__gte=0, score_percent__lte=100),
                name="courses_activityresult_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: activity {self.activity_id} {self.status}"

    @property
    def passed(self) -> bool:
        return self.status == ActivityStatus.PASSED
