"""Target roles: what a job or credential asks for, as data coordinators edit.

A role is a snippet with revisions and a draft state (learners see live roles only), an
owner and a visibility: public, or the learners of named cohorts. Its requirements are
ordered child rows, each in one step of the pathway (education, experience, ...) and
either required or recommended; the fields a requirement uses depend on its step (see
``Requirement.clean`` and docs/pathway.md). The eligibility table ("years of relevant
experience by highest education level") is rows of its own, with the hours-to-years rate
on the role. ``training_site.readiness.rules`` reads all of it; nothing else decides.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, Orderable, RevisionMixin
from wagtail.search import index

from training_site.readiness.models.records import EducationLevel


class Step(models.TextChoices):
    EDUCATION = "education", _("Education")
    EXPERIENCE = "experience", _("Experience")
    CERTIFICATIONS = "certifications", _("Certifications")
    TRAINING = "training", _("Training")
    SKILLS = "skills", _("Skills")
    CONTINUING_EDUCATION = "continuing_education", _("Continuing education")


STEP_ORDER = [choice.value for choice in Step]


class Importance(models.TextChoices):
    REQUIRED = "required", _("Required")
    RECOMMENDED = "recommended", _("Recommended")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Every learner")
    COHORTS = "cohorts", _("Learners of the cohorts named")


class TargetRole(DraftStateMixin, RevisionMixin, index.Indexed, ClusterableModel):
    """A job or credential a learner aims at, with what it asks for."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="target_roles",
    )
    visibility = models.CharField(
        _("visible to"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    cohorts = ParentalManyToManyField(
        "courses.Cohort", verbose_name=_("cohorts"), blank=True, related_name="target_roles"
    )
    hours_per_year = models.DecimalField(
        _("hours counted as a year of experience"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("2000"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("Logged hours are converted to years of experience at this rate."),
    )
    eligibility_categories = models.CharField(
        _("experience counted for eligibility"),
        max_length=400,
        blank=True,
        help_text=_("Experience categories (comma-separated) that count as relevant. Blank: all."),
    )
    eligibility_note = models.TextField(_("eligibility note"), max_length=2000, blank=True)
    source_key = models.SlugField(max_length=120, blank=True, editable=False)

    panels = [
        FieldPanel("title"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("owner"), FieldPanel("visibility"), FieldPanel("cohorts")], heading=_("Who sees it")
        ),
        InlinePanel("requirements", heading=_("Requirements"), label=_("Requirement")),
        MultiFieldPanel(
            [
                FieldPanel("hours_per_year"),
                FieldPanel("eligibility_categories"),
                FieldPanel("eligibility_note"),
                InlinePanel("eligibility_rows", label=_("Years needed at an education level")),
            ],
            heading=_("Eligibility"),
        ),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = _("target role")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(hours_per_year__gt=0), name="readiness_role_rate_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Requirement(Orderable, ClusterableModel):
    """One thing a role asks for. Which fields apply depends on ``step``. Clusterable so
    its courses travel with the role's revisions."""

    role = ParentalKey(TargetRole, on_delete=models.CASCADE, related_name="requirements")
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    importance = models.CharField(
        _("importance"), max_length=20, choices=Importance.choices, default=Importance.REQUIRED
    )
    label = models.CharField(_("label"), max_length=200)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    # Education: the minimum level, and the accepted fields (blank: any field).
    minimum_level = models.CharField(
        _("minimum education level"), max_length=20, choices=EducationLevel.choices, blank=True
    )
    # Comma-separated: fields of study (education), categories (experience), credential
    # names (certifications), competency tags (training by hours), lesson tags (skills).
    accepted = models.CharField(_("accepted values"), max_length=400, blank=True)
    issuers = models.CharField(_("accepted issuers"), max_length=400, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1, null=True, blank=True)
    school_setting = models.BooleanField(_("only in a school setting"), default=False)
    diverse_communities = models.BooleanField(_("only with diverse communities"), default=False)
    courses = ParentalManyToManyField(
        "courses.CoursePage", verbose_name=_("courses"), blank=True, related_name="+"
    )
    skill = models.CharField(_("skill"), max_length=100, blank=True)
    skill_level = models.PositiveSmallIntegerField(
        _("self-assessment level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    cycle_months = models.PositiveSmallIntegerField(_("cycle (months)"), null=True, blank=True)

    panels = [
        FieldPanel("step"),
        FieldPanel("importance"),
        FieldPanel("label"),
        FieldPanel("note"),
        FieldPanel("minimum_level"),
        FieldPanel("accepted"),
        FieldPanel("issuers"),
        FieldPanel("hours"),
        FieldPanel("school_setting"),
        FieldPanel("diverse_communities"),
        FieldPanel("courses"),
        FieldPanel("skill"),
        FieldPanel("skill_level"),
        FieldPanel("cycle_months"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("requirement")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0), name="readiness_requirement_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(skill_level__isnull=True) | Q(skill_level__gte=1, skill_level__lte=5),
                name="readiness_requirement_skill_level_range",
            ),
            models.CheckConstraint(
                condition=~Q(step="continuing_education") | Q(hours__isnull=False, cycle_months__gt=0),
                name="readiness_requirement_ce_has_cycle",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        super().clean()
        errors = {}
        if self.step == Step.EDUCATION and not self.minimum_level:
            errors["minimum_level"] = _("An education requirement needs a minimum level.")
        if self.step in (Step.EXPERIENCE, Step.CONTINUING_EDUCATION) and self.hours is None:
            errors["hours"] = _("This requirement needs a number of hours.")
        if self.step == Step.CONTINUING_EDUCATION and not self.cycle_months:
            errors["cycle_months"] = _("Continuing education needs a cycle in months.")
        if self.step == Step.CERTIFICATIONS and not self.accepted.strip():
            errors["accepted"] = _("Name the accepted credentials.")
        if self.step == Step.SKILLS and (not self.skill.strip() or self.skill_level is None):
            errors["skill"] = _("A skill requirement needs a skill and a level.")
        if errors:
            raise ValidationError(errors)

    @property
    def accepted_values(self) -> list[str]:
        return split_list(self.accepted)

    @property
    def issuer_values(self) -> list[str]:
        return split_list(self.issuers)


class EligibilityRow(Orderable):
    """One row of the role's eligibility table: with this highest education level, this
    many years of relevant experience are needed."""

    role = ParentalKey(TargetRole, on_delete=models.CASCADE, related_name="eligibility_rows")
    education_level = models.CharField(
        _("highest education level"), max_length=20, choices=EducationLevel.choices
    )
    years_required = models.DecimalField(
        _("years of relevant experience"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0)]
    )

    panels = [FieldPanel("education_level"), FieldPanel("years_required")]

    class Meta(Orderable.Meta):
        verbose_name = _("eligibility row")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "education_level"], name="readiness_eligibility_one_per_level"
            ),
            models.CheckConstraint(
                condition=Q(years_required__gte=0), name="readiness_eligibility_years_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_education_level_display()}: {self.years_required}"


def split_list(text: str) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]
