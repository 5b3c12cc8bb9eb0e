import datetime
from decimal import Decimal

import factory

from tests.factories import UserFactory
from training_site.readiness.models import (
    CertificationHeld,
    EducationEntry,
    EligibilityRow,
    ExperienceEntry,
    Requirement,
    TargetRole,
)


class TargetRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetRole

    title = factory.Faker("job")
    live = True


class ExperienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExperienceEntry

    learner = factory.SubFactory(UserFactory)
    organization = factory.Faker("company")
    role_title = "Volunteer"
    category = "community_outreach"
    started_on = datetime.date(2024, 1, 1)
    total_hours = Decimal("100")


class EducationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationEntry

    learner = factory.SubFactory(UserFactory)
    level = "high_school"
    institution = factory.Faker("company")
    year = 2010


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationHeld

    learner = factory.SubFactory(UserFactory)
    name = "Community Resource Specialist"
    issuer = "Inform USA"
    issued_on = datetime.date(2024, 1, 1)


def role_with(*requirements: dict, eligibility: dict | None = None, **fields) -> TargetRole:
    """A live role with the given requirement rows (dicts of Requirement fields; ``courses``
    a list of course pages) and eligibility table ({level: years})."""
    role = TargetRoleFactory(**fields)
    for order, data in enumerate(requirements):
        data = dict(data)
        courses = data.pop("courses", [])
        data.setdefault("label", data.get("skill") or data["step"])
        requirement = Requirement.objects.create(role=role, sort_order=order, **data)
        if courses:
            requirement.courses.set(courses)
            requirement.save()
    for level, years in (eligibility or {}).items():
        EligibilityRow.objects.create(role=role, education_level=level, years_required=Decimal(str(years)))
    return role
