"""Builds the seeded target role from content/curriculum/pathway.yaml (called by the
curriculum loader, which owns the file format; see docs/curriculum-format.md)."""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from courses.models import CoursePage
from training_site.readiness.models import EligibilityRow, Requirement, TargetRole
from training_site.readiness.models.roles import Importance, Step

REQUIREMENT_FIELDS = (
    "minimum_level",
    "issuers",
    "hours",
    "school_setting",
    "diverse_communities",
    "skill",
    "skill_level",
    "cycle_months",
    "note",
)


@transaction.atomic
def target_role_seed(*, data: dict, page_id: Callable[[str], int | None]) -> bool:
    """Create the role under ``data["key"]`` unless one exists; True when created."""
    if TargetRole.objects.filter(source_key=data["key"]).exists():
        return False
    role = TargetRole(
        title=data["title"],
        summary=str(data.get("summary", "")).strip(),
        source_key=data["key"],
        hours_per_year=Decimal(str(data.get("hours_per_year", 2000))),
        eligibility_categories=", ".join(data.get("eligibility_categories") or []),
        eligibility_note=str(data.get("eligibility_note", "")),
    )
    role.full_clean()
    role.save()
    for order, item in enumerate(data["requirements"]):
        Step(item["step"]), Importance(item.get("importance", "required"))
        accepted = item.get("accepted") or []
        requirement = Requirement(
            role=role,
            sort_order=order,
            step=item["step"],
            importance=item.get("importance", "required"),
            label=item["label"],
            accepted=", ".join(accepted) if isinstance(accepted, list) else str(accepted),
            **{name: item[name] for name in REQUIREMENT_FIELDS if name in item},
        )
        requirement.full_clean(exclude=["role"])
        requirement.save()
        keys = item.get("courses") or []
        ids = [page_id(key) for key in keys]
        if None in ids:
            raise ValueError(f"unknown course key in {keys}")
        requirement.courses.set(list(CoursePage.objects.filter(pk__in=ids)))
        requirement.save()
    EligibilityRow.objects.bulk_create(
        EligibilityRow(role=role, sort_order=order, education_level=level, years_required=Decimal(str(years)))
        for order, (level, years) in enumerate((data.get("eligibility") or {}).items())
    )
    role.save_revision().publish()
    return True
