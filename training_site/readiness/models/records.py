"""The learner's own record: education, experience, certifications held, skills, and the
target roles they aim at.

These are learner records (plain models with constraints), never page or snippet data.
Each entry carries a trust state: what the learner said (self-reported), what a
supervisor confirmed, what a coordinator verified. Part 2 of issue 15 adds the supervisor
sign-off and evidence files; the states and the supervisor fields are here already so the
readiness rules need not change then.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class TrustState(models.TextChoices):
    SELF_REPORTED = "self_reported", _("Self-reported")
    CONFIRMED = "confirmed", _("Confirmed by a supervisor")
    VERIFIED = "verified", _("Verified")


class EducationLevel(models.TextChoices):
    """In increasing order: ``EDUCATION_RANK`` compares levels by position."""

    HIGH_SCHOOL = "high_school", _("High school diploma or GED")
    SOME_COLLEGE = "some_college", _("Some college, no degree")
    ASSOCIATE = "associate", _("Associate degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


EDUCATION_RANK = {level.value: rank for rank, level in enumerate(EducationLevel, start=1)}


class ExperienceCategory(models.TextChoices):
    EDUCATION = "education", _("Education")
    SOCIAL_WORK = "social_work", _("Social work")
    COUNSELING = "counseling", _("Counseling")
    COMMUNITY_OUTREACH = "community_outreach", _("Community outreach")
    OTHER = "other", _("Other")


class EducationEntry(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="education_entries"
    )
    level = models.CharField(_("level"), max_length=20, choices=EducationLevel.choices)
    field_of_study = models.CharField(_("field of study"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year completed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    in_progress = models.BooleanField(_("still studying"), default=False)
    state = models.CharField(
        max_length=20, choices=TrustState.choices, default=TrustState.SELF_REPORTED, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name_plural = _("education entries")
        constraints = [
            # A supervisor confirms work, not study: education is self-reported or verified.
            models.CheckConstraint(condition=~Q(state="confirmed"), name="readiness_education_not_confirmed"),
            models.CheckConstraint(
                condition=Q(in_progress=True) | Q(year__isnull=False),
                name="readiness_education_finished_has_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}, {self.institution}"


class ExperienceEntry(models.Model):
    """A stretch of work or volunteering: hours per week over dates, or a total."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="experience_entries"
    )
    organization = models.CharField(_("organization"), max_length=200)
    role_title = models.CharField(_("your role"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=ExperienceCategory.choices)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, help_text=_("Blank if you still do it.")
    )
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("80"))],
    )
    total_hours = models.DecimalField(
        _("total hours"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("100000"))],
    )
    school_setting = models.BooleanField(_("in a school setting"), default=False)
    diverse_communities = models.BooleanField(_("with diverse communities"), default=False)
    communities_served = models.CharField(_("communities served"), max_length=300, blank=True)
    supervisor_name = models.CharField(_("supervisor's name"), max_length=200, blank=True)
    supervisor_email = models.EmailField(_("supervisor's email"), blank=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    state = models.CharField(
        max_length=20, choices=TrustState.choices, default=TrustState.SELF_REPORTED, editable=False
    )
    #: Hours a supervisor confirmed (may be fewer than logged); set with the state in part 2.
    confirmed_hours = models.DecimalField(
        max_digits=7, decimal_places=1, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name_plural = _("experience entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True, total_hours__isnull=False)
                | Q(hours_per_week__isnull=False, total_hours__isnull=True),
                name="readiness_experience_one_hours_measure",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True) | Q(hours_per_week__gt=0, hours_per_week__lte=80),
                name="readiness_experience_weekly_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(total_hours__isnull=True) | Q(total_hours__gt=0),
                name="readiness_experience_total_positive",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="readiness_experience_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_title}, {self.organization}"


class CertificationHeld(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications_held"
    )
    name = models.CharField(_("credential"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=200)
    credential_number = models.CharField(_("credential number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    state = models.CharField(
        max_length=20, choices=TrustState.choices, default=TrustState.SELF_REPORTED, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "pk"]
        verbose_name_plural = _("certifications held")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="readiness_certification_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed"), name="readiness_certification_not_confirmed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class SkillAssessment(models.Model):
    """The learner's own rating of a skill, 1 (just starting) to 5 (confident)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_assessments"
    )
    skill = models.CharField(_("skill"), max_length=100)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reflection = models.TextField(_("reflection"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["skill"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "skill"], name="readiness_skill_once_per_learner"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="readiness_skill_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.level}"


class RoleChoice(models.Model):
    """A target role the learner aims at."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_choices"
    )
    role = models.ForeignKey("readiness.TargetRole", on_delete=models.CASCADE, related_name="choices")
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chosen_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["learner", "role"], name="readiness_role_chosen_once")]

    def __str__(self) -> str:
        return f"{self.learner_id} → {self.role_id}"
