from training_site.readiness.models.records import (
    CertificationHeld,
    EducationEntry,
    EducationLevel,
    ExperienceCategory,
    ExperienceEntry,
    RoleChoice,
    SkillAssessment,
    TrustState,
)
from training_site.readiness.models.roles import (
    EligibilityRow,
    Importance,
    Requirement,
    Step,
    TargetRole,
    Visibility,
)

__all__ = [
    "CertificationHeld",
    "EducationEntry",
    "EducationLevel",
    "EligibilityRow",
    "ExperienceCategory",
    "ExperienceEntry",
    "Importance",
    "Requirement",
    "RoleChoice",
    "SkillAssessment",
    "Step",
    "TargetRole",
    "TrustState",
    "Visibility",
]
