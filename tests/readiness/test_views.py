"""The learner's record screens, role choice and the readiness page."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Cohort, LearnerEvent
from courses.services import cohort_member_add
from tests.factories import UserFactory
from tests.readiness.factories import (
    CertificationFactory,
    EducationFactory,
    ExperienceFactory,
    TargetRoleFactory,
    role_with,
)
from training_site.readiness import services
from training_site.readiness.models import ExperienceEntry, RoleChoice, SkillAssessment, TrustState

pytestmark = pytest.mark.django_db

EXPERIENCE_POST = {
    "organization": "Lincoln Elementary",
    "role_title": "Family night volunteer",
    "category": "community_outreach",
    "started_on": "2025-01-06",
    "ended_on": "2025-06-30",
    "hours_per_week": "",
    "total_hours": "120",
    "communities_served": "Somali- and Spanish-speaking families",
    "supervisor_name": "Ms. Ortiz",
    "supervisor_email": "ortiz@school.example",
    "description": "Greeted families and helped them sign up for the reading program.",
}


def test_experience_is_logged_and_listed(learner_client, learner):
    response = learner_client.post(reverse("readiness:entry_add", args=["experience"]), EXPERIENCE_POST)
    assert response.status_code == 302
    entry = ExperienceEntry.objects.get(learner=learner)
    assert entry.total_hours == Decimal(120) and entry.state == TrustState.SELF_REPORTED
    page = learner_client.get(reverse("readiness:record")).content.decode()
    assert "Lincoln Elementary" in page and "Self-reported" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"total_hours": "", "hours_per_week": ""}, "total_hours", "either hours per week or total hours"),
        ({"hours_per_week": "5"}, "total_hours", "either hours per week or total hours"),
        ({"ended_on": "2024-01-01"}, "ended_on", "cannot be before the start"),
        ({"started_on": "2999-01-01", "ended_on": ""}, "started_on", "cannot be in the future"),
        ({"total_hours": "-3"}, "total_hours", ""),
        ({"category": "astronaut"}, "category", ""),
    ],
)
def test_bad_experience_re_renders_with_errors_and_stores_nothing(learner_client, changes, field, message):
    response = learner_client.post(
        reverse("readiness:entry_add", args=["experience"]), {**EXPERIENCE_POST, **changes}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not ExperienceEntry.objects.exists()


def test_own_email_is_refused_as_supervisor(learner_client, learner):
    response = learner_client.post(
        reverse("readiness:entry_add", args=["experience"]),
        {**EXPERIENCE_POST, "supervisor_email": learner.email.upper()},
    )
    assert response.status_code == 200 and "supervisor_email" in response.context["form"].errors
    assert not ExperienceEntry.objects.exists()


@pytest.mark.parametrize("kind", ["education", "experience", "certifications"])
def test_another_learners_entry_is_404(kind, learner_client):
    factory = {
        "education": EducationFactory,
        "experience": ExperienceFactory,
        "certifications": CertificationFactory,
    }
    entry = factory[kind](learner=UserFactory())
    assert learner_client.get(reverse("readiness:entry_edit", args=[kind, entry.pk])).status_code == 404
    assert learner_client.post(reverse("readiness:entry_edit", args=[kind, entry.pk]), {}).status_code == 404
    assert learner_client.post(reverse("readiness:entry_delete", args=[kind, entry.pk])).status_code == 404
    assert type(entry).objects.filter(pk=entry.pk).exists()


def test_unknown_kind_is_404(learner_client):
    assert learner_client.get(reverse("readiness:entry_add", args=["pets"])).status_code == 404


def test_editing_a_confirmed_entrys_hours_returns_it_to_self_reported(learner_client, learner):
    entry = ExperienceFactory(learner=learner, total_hours=Decimal(120))
    ExperienceEntry.objects.filter(pk=entry.pk).update(
        state=TrustState.CONFIRMED, confirmed_hours=Decimal(100)
    )
    url = reverse("readiness:entry_edit", args=["experience", entry.pk])
    data = {
        **EXPERIENCE_POST,
        "started_on": entry.started_on.isoformat(),
        "ended_on": "",
        "category": entry.category,
    }
    data.update(organization=entry.organization, role_title=entry.role_title, total_hours="120")
    # Only the description changes: the confirmation still covers the hours and dates.
    learner_client.post(url, {**data, "description": "Reworded."})
    entry.refresh_from_db()
    assert entry.state == TrustState.CONFIRMED and entry.confirmed_hours == Decimal(100)
    learner_client.post(url, {**data, "total_hours": "300"})
    entry.refresh_from_db()
    assert entry.state == TrustState.SELF_REPORTED and entry.confirmed_hours is None


def test_editing_a_confirmed_entrys_dates_returns_it_to_self_reported(learner):
    entry = ExperienceFactory(learner=learner)
    ExperienceEntry.objects.filter(pk=entry.pk).update(state=TrustState.CONFIRMED)
    entry.refresh_from_db()
    entry.started_on = datetime.date(2023, 1, 1)
    services.record_entry_save(learner=learner, entry=entry, changed=["started_on"])
    entry.refresh_from_db()
    assert entry.state == TrustState.SELF_REPORTED


def test_a_learner_sees_and_picks_only_visible_roles(learner_client, learner):
    public = TargetRoleFactory(title="Public role")
    cohort = Cohort.objects.create(name="Springfield")
    district = TargetRoleFactory(title="Springfield USD — Family Liaison", visibility="cohorts")
    district.cohorts.set([cohort])
    district.save()
    draft = TargetRoleFactory(title="Draft role", live=False)
    page = learner_client.get(reverse("readiness:roles")).content.decode()
    assert "Public role" in page and "Springfield USD" not in page and "Draft role" not in page
    assert learner_client.post(reverse("readiness:role_choose", args=[district.pk])).status_code == 404
    assert learner_client.post(reverse("readiness:role_choose", args=[draft.pk])).status_code == 404
    cohort_member_add(cohort=cohort, learner=learner)
    assert "Springfield USD" in learner_client.get(reverse("readiness:roles")).content.decode()
    assert learner_client.post(reverse("readiness:role_choose", args=[district.pk])).status_code == 302
    assert learner_client.post(reverse("readiness:role_choose", args=[public.pk])).status_code == 302
    assert set(RoleChoice.objects.filter(learner=learner).values_list("role_id", flat=True)) == {
        public.pk,
        district.pk,
    }


def test_choosing_a_role_and_meeting_a_requirement_are_learner_events(learner_client, learner):
    role = role_with({"step": "education", "minimum_level": "high_school", "label": "Diploma"})
    learner_client.post(reverse("readiness:role_choose", args=[role.pk]))
    learner_client.post(reverse("readiness:role_choose", args=[role.pk]))  # a repeat records nothing
    assert list(LearnerEvent.objects.filter(learner=learner).values_list("kind", flat=True)) == [
        "role_chosen"
    ]
    data = {"level": "high_school", "institution": "Central High", "year": "2012", "field_of_study": ""}
    learner_client.post(reverse("readiness:entry_add", args=["education"]), data)
    learner_client.post(reverse("readiness:entry_add", args=["education"]), data)
    kinds = list(LearnerEvent.objects.filter(learner=learner).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["role_chosen", "requirement_met"]
    history = learner_client.get(reverse("dashboard")).content.decode()
    assert f"Chose the target role “{role.title}”" in history
    assert f"Met “Diploma” for “{role.title}”" in history


def test_skills_self_assessment_recommends_lessons_for_weaker_skills(learner_client, learner, course):
    from courses.models import LessonPage

    lesson = LessonPage.objects.child_of(course.get_children().first()).first().specific
    lesson.tags.add("de-escalation")
    lesson.save_revision().publish()
    role = role_with(
        {"step": "skills", "skill": "Communication", "skill_level": 3, "accepted": "de-escalation"},
        {"step": "skills", "skill": "Empathy", "skill_level": 3, "accepted": "cultural humility"},
    )
    services.target_role_choose(learner=learner, role=role)
    url = reverse("readiness:skills")
    response = learner_client.post(
        url, {"level_0": "2", "reflection_0": "I interrupt.", "level_1": "4", "reflection_1": ""}
    )
    assert response.status_code == 302
    assert dict(SkillAssessment.objects.filter(learner=learner).values_list("skill", "level")) == {
        "Communication": 2,
        "Empathy": 4,
    }
    page = learner_client.get(url)
    assert list(page.context["recommendations"]) == ["Communication"]
    assert [link.title for link in page.context["recommendations"]["Communication"]] == [lesson.title]
    assert learner_client.post(url, {"level_0": "7"}).status_code == 200
    assert SkillAssessment.objects.get(learner=learner, skill="Communication").level == 2


def test_readiness_page_shows_both_counts_steps_and_next_steps(learner_client, learner):
    role = role_with(
        {"step": "education", "minimum_level": "high_school", "label": "Diploma"},
        {
            "step": "experience",
            "hours": Decimal(2000),
            "label": "community outreach",
            "accepted": "community_outreach",
        },
        title="School Community Liaison",
    )
    services.target_role_choose(learner=learner, role=role)
    EducationFactory(learner=learner)
    ExperienceFactory(learner=learner, total_hours=Decimal(1660))
    page = learner_client.get(reverse("readiness:readiness")).content.decode()
    assert "Verified or confirmed by a supervisor: 0 of 2 required (0%)" in page
    assert "Including what you reported yourself: 1 of 2 required (50%)" in page
    assert "Log 340 more hours of community outreach — 1,660 of 2,000" in page
    assert f'<progress id="step-{role.pk}-education" max="1" value="1">' in page


def _readiness_queries(client, django_assert_max_num_queries, captured):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(30):
        assert client.get(reverse("readiness:readiness")).status_code == 200
    captured.append(len(ctx.captured_queries))


def test_readiness_page_queries_flat_in_log_entries_and_roles(django_assert_max_num_queries, course):
    counts = []
    # The first request of a process fills caches (content types, site root paths).
    Client().get(reverse("readiness:readiness"))
    warm = Client()
    warm.force_login(UserFactory())
    warm.get(reverse("readiness:readiness"))
    for entries, roles in ((1, 1), (50, 1), (1, 3), (50, 3)):
        learner = UserFactory()
        ExperienceEntry.objects.bulk_create(
            ExperienceEntry(
                learner=learner,
                organization=f"Org {n}",
                role_title="Volunteer",
                category="community_outreach",
                started_on=datetime.date(2024, 1, 1),
                total_hours=Decimal(10),
            )
            for n in range(entries)
        )
        for n in range(roles):
            role = role_with(
                {"step": "experience", "hours": Decimal(100), "label": "outreach"},
                {"step": "training", "courses": [course], "label": "course"},
                {"step": "skills", "skill": "Communication", "skill_level": 3},
                eligibility={"high_school": 1},
                title=f"Role {n}",
            )
            RoleChoice.objects.create(learner=learner, role=role)
        client = Client()
        client.force_login(learner)
        _readiness_queries(client, django_assert_max_num_queries, counts)
    assert counts[0] == counts[1] == counts[2] == counts[3], counts
