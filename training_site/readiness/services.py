"""Writes to the learner's readiness record: entries, skills, target roles, and the
learner events that readiness changes produce.

Every write runs in one transaction with the events it causes: choosing a role records
``role_chosen``; a write that makes a required requirement of a chosen role met (counting
self-reported evidence) records ``requirement_met`` once per (choice, requirement).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from courses.events import learner_event_record
from courses.models import LearnerEventKind
from training_site.readiness.models import (
    EligibilityRow,
    ExperienceEntry,
    Requirement,
    RoleChoice,
    SkillAssessment,
    TargetRole,
    TrustState,
)

#: Changing any of these on a confirmed or verified entry means the confirmation no
#: longer covers it: the entry goes back to self-reported.
EXPERIENCE_TRUSTED_FIELDS = ("started_on", "ended_on", "hours_per_week", "total_hours", "category")
EDUCATION_TRUSTED_FIELDS = ("level", "field_of_study", "institution", "year", "in_progress")
CERTIFICATION_TRUSTED_FIELDS = ("name", "issuer", "credential_number", "issued_on", "expires_on")
TRUSTED_FIELDS = {
    "experienceentry": EXPERIENCE_TRUSTED_FIELDS,
    "educationentry": EDUCATION_TRUSTED_FIELDS,
    "certificationheld": CERTIFICATION_TRUSTED_FIELDS,
}


def requirement_events_record(*, learner) -> int:
    """Record ``requirement_met`` for each required requirement of the learner's chosen
    roles that is met now; the idempotency key keeps it to once per choice and requirement.
    Returns how many requirements are met."""
    from training_site.readiness.selectors import learner_readiness

    readiness = learner_readiness(learner=learner)
    choices = {c.role_id: c.pk for c in RoleChoice.objects.filter(learner=learner)}
    met = 0
    for role in readiness.roles:
        for status in role.required:
            if not status.met:
                continue
            met += 1
            learner_event_record(
                learner=learner,
                kind=LearnerEventKind.REQUIREMENT_MET,
                key=f"requirement_met:{choices[role.role_pk]}:{status.key}",
                subject_type="target_role",
                subject_id=role.role_pk,
                payload={
                    "requirement": status.key,
                    "requirement_label": status.label,
                    "role_title": role.role_title,
                    "state": status.state,
                },
            )
    return met


@transaction.atomic
def record_entry_save(*, learner, entry, changed: list[str]):
    """Save an education, experience or certification entry the learner created or edited.

    ``changed`` names the fields the form changed; if any of them is one a confirmation
    or verification vouched for, the entry returns to self-reported.
    """
    if entry.pk is not None and entry.learner_id != learner.pk:
        raise ValidationError(_("This entry is not yours."))
    entry.learner = learner
    trusted = TRUSTED_FIELDS[entry._meta.model_name]
    if entry.pk is not None and entry.state != TrustState.SELF_REPORTED and set(changed) & set(trusted):
        entry.state = TrustState.SELF_REPORTED
        if isinstance(entry, ExperienceEntry):
            entry.confirmed_hours = None
    entry.full_clean()
    entry.save()
    requirement_events_record(learner=learner)
    return entry


@transaction.atomic
def record_entry_delete(*, learner, entry) -> None:
    if entry.learner_id != learner.pk:
        raise ValidationError(_("This entry is not yours."))
    entry.delete()


@transaction.atomic
def skills_assess(*, learner, ratings: dict[str, tuple[int, str]]) -> None:
    """Save the learner's self-assessment: skill → (level 1–5, reflection)."""
    for skill, (level, reflection) in ratings.items():
        SkillAssessment.objects.update_or_create(
            learner=learner, skill=skill, defaults={"level": level, "reflection": reflection}
        )
    requirement_events_record(learner=learner)


@transaction.atomic
def target_role_choose(*, learner, role: TargetRole) -> RoleChoice:
    """Aim at a role the learner may see (the caller looks it up among visible roles)."""
    choice, created = RoleChoice.objects.get_or_create(learner=learner, role=role)
    if created:
        learner_event_record(
            learner=learner,
            kind=LearnerEventKind.ROLE_CHOSEN,
            key=f"role_chosen:{choice.pk}",
            subject_type="target_role",
            subject_id=role.pk,
            payload={"role_title": role.title},
        )
        requirement_events_record(learner=learner)
    return choice


@transaction.atomic
def target_role_drop(*, learner, role: TargetRole) -> None:
    RoleChoice.objects.filter(learner=learner, role=role).delete()


ROLE_COPIED_FIELDS = ("summary", "visibility", "hours_per_year", "eligibility_categories", "eligibility_note")
REQUIREMENT_COPIED_FIELDS = (
    "sort_order",
    "step",
    "importance",
    "label",
    "note",
    "minimum_level",
    "accepted",
    "issuers",
    "hours",
    "school_setting",
    "diverse_communities",
    "skill",
    "skill_level",
    "cycle_months",
)


@transaction.atomic
def target_role_copy(*, role: TargetRole, user) -> TargetRole:
    """A draft copy of the role (requirements, eligibility table, cohorts) owned by
    ``user``, for a coordinator to adapt to a real posting. Learners never see a draft."""
    copy = TargetRole(
        title=_("Copy of %(title)s") % {"title": role.title},
        owner=user,
        live=False,
        **{name: getattr(role, name) for name in ROLE_COPIED_FIELDS},
    )
    copy.save()
    copy.cohorts.set(list(role.cohorts.all()))
    copy.save()
    for req in role.requirements.all():
        new = Requirement(role=copy, **{name: getattr(req, name) for name in REQUIREMENT_COPIED_FIELDS})
        new.save()
        new.courses.set(list(req.courses.all()))
        new.save()
    EligibilityRow.objects.bulk_create(
        EligibilityRow(
            role=copy,
            sort_order=row.sort_order,
            education_level=row.education_level,
            years_required=row.years_required,
        )
        for row in role.eligibility_rows.all()
    )
    copy.refresh_from_db()
    copy.save_revision(user=user)
    return copy
