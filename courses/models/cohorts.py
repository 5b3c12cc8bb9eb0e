"""Cohorts: groups of learners with coordinators responsible for them.

A cohort may sit under a parent (district → school → cohort). A coordinator of a cohort is
responsible for its members and for the members of every cohort below it, never above or
beside it: ``courses.cohorts`` computes that scope and the access selectors of every app
narrow to it. Cohorts are learner records (who belongs where), not editorial content, so
they are plain models with constraints rather than pages or snippets with revisions.

Removing a member deletes only the membership: enrollments and progress belong to the
learner, not to the cohort.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Cohort(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        # A cohort with cohorts below it cannot be deleted until they are moved or deleted:
        # a cascade would silently take the sub-cohorts' coordinators' scope with it.
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Coordinators of the cohort above also coordinate this one."),
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    #: The cohort learners who sign up on their own join, so someone is always responsible
    #: for grading their essays. Exactly one may exist (created by a data migration).
    is_open_enrollment = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_open_enrollment"],
                condition=Q(is_open_enrollment=True),
                name="courses_cohort_one_open_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="courses_cohort_ends_after_start",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="courses_cohort_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class CohortMembership(models.Model):
    """A learner belonging to a cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner"], name="courses_cohortmembership_unique"),
        ]
        indexes = [models.Index(fields=["learner", "cohort"])]

    def __str__(self) -> str:
        return f"{self.learner} in {self.cohort}"


class CohortCoordinator(models.Model):
    """A person responsible for a cohort's learners (and those of the cohorts below it). What
    they may do with those learners still comes from their permissions (the Training
    coordinators group); this row only says whose records."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="coordinator_links")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinated_cohorts"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "coordinator"], name="courses_cohortcoordinator_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coordinator} coordinates {self.cohort}"


class CohortCourse(models.Model):
    """A course assigned to a cohort: every member, and everyone who joins later, is enrolled
    in it, with an optional due date shown to them."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="course_assignments")
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="cohort_assignments",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "course"], name="courses_cohortcourse_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} for {self.cohort}"
