"""Target roles in the Wagtail admin: the editor, the copy action and the constraints."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from courses.models import Cohort
from tests.factories import make_coordinator
from tests.readiness.factories import TargetRoleFactory, role_with
from training_site.readiness.models import EligibilityRow, ExperienceEntry, Requirement, TargetRole

pytestmark = pytest.mark.django_db


def test_a_coordinator_opens_the_role_editor(client, course):
    role = role_with({"step": "training", "courses": [course], "label": "Course"})
    client.force_login(make_coordinator())
    assert client.get(reverse("wagtailsnippets_readiness_targetrole:add")).status_code == 200
    response = client.get(reverse("wagtailsnippets_readiness_targetrole:edit", args=[role.pk]))
    assert response.status_code == 200


def test_copy_for_a_posting_copies_requirements_courses_and_table_as_a_draft(client, course):
    cohort = Cohort.objects.create(name="Springfield")
    role = role_with(
        {"step": "training", "courses": [course], "label": "Course"},
        {"step": "experience", "hours": Decimal(500), "label": "outreach", "school_setting": True},
        eligibility={"high_school": 2, "bachelor": 0},
        title="School Community Liaison (typical requirements)",
        visibility="cohorts",
    )
    role.cohorts.set([cohort])
    role.save()
    coordinator = make_coordinator()
    client.force_login(coordinator)
    url = reverse("target_role_copy", args=[role.pk])
    assert client.get(url).status_code == 200
    assert TargetRole.objects.count() == 1  # a GET only asks
    response = client.post(url)
    copy = TargetRole.objects.exclude(pk=role.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{copy.pk}/")
    assert copy.title == "Copy of School Community Liaison (typical requirements)"
    assert (copy.live, copy.owner, copy.visibility) == (False, coordinator, "cohorts")
    assert list(copy.cohorts.all()) == [cohort]
    rows = list(copy.requirements.order_by("sort_order"))
    assert [(r.step, r.hours, r.school_setting) for r in rows] == [
        ("training", None, False),
        ("experience", Decimal(500), True),
    ]
    assert list(rows[0].courses.all()) == [course.page_ptr.specific]
    assert dict(copy.eligibility_rows.values_list("education_level", "years_required")) == {
        "high_school": 2,
        "bachelor": 0,
    }
    assert role.requirements.count() == 2 and role.live


def test_learners_cannot_copy_roles(learner_client):
    role = TargetRoleFactory()
    assert learner_client.post(reverse("target_role_copy", args=[role.pk])).status_code in (302, 403)
    assert TargetRole.objects.count() == 1


@pytest.mark.parametrize(
    "create",
    [
        lambda role, learner: Requirement.objects.create(role=role, step="skills", label="x", skill_level=6),
        lambda role, learner: Requirement.objects.create(role=role, step="continuing_education", label="x"),
        lambda role, learner: Requirement.objects.create(role=role, step="experience", label="x", hours=0),
        lambda role, learner: EligibilityRow.objects.bulk_create(
            [EligibilityRow(role=role, education_level="bachelor", years_required=1)] * 2
        ),
        lambda role, learner: ExperienceEntry.objects.create(
            learner=learner,
            organization="o",
            role_title="r",
            category="other",
            started_on="2025-01-01",
            total_hours=10,
            hours_per_week=5,
        ),
        lambda role, learner: ExperienceEntry.objects.create(
            learner=learner,
            organization="o",
            role_title="r",
            category="other",
            started_on="2025-01-01",
            ended_on="2024-01-01",
            total_hours=10,
        ),
    ],
)
def test_constraints_hold_without_the_services(create, learner):
    role = TargetRoleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        create(role, learner)
