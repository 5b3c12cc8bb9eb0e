"""The coordinator report: learners by target role and readiness, scoped to cohorts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import Cohort
from courses.services import cohort_member_add
from tests.factories import UserFactory, make_coordinator
from tests.readiness.factories import EducationFactory, ExperienceFactory, role_with
from training_site.readiness.models import EducationEntry, RoleChoice, TrustState
from training_site.readiness.reports import readiness_report_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    school, other = Cohort.objects.create(name="School"), Cohort.objects.create(name="Other school")
    role = role_with(
        {"step": "education", "minimum_level": "high_school", "label": "Diploma"},
        {"step": "experience", "hours": Decimal(100), "label": "outreach"},
        title="Liaison",
    )
    ready, halfway, outside = (
        UserFactory(display_name="=HYPERLINK(1)"),
        UserFactory(display_name="Halfway"),
        UserFactory(display_name="Outside"),
    )
    for learner in (ready, halfway, outside):
        RoleChoice.objects.create(learner=learner, role=role)
        cohort_member_add(cohort=other if learner is outside else school, learner=learner)
    EducationEntry.objects.filter(pk=EducationFactory(learner=ready).pk).update(state=TrustState.VERIFIED)
    ExperienceFactory(learner=ready, total_hours=Decimal(100)).__class__.objects.filter(learner=ready).update(
        state=TrustState.VERIFIED
    )
    EducationEntry.objects.filter(pk=EducationFactory(learner=halfway).pk).update(state=TrustState.VERIFIED)
    return school, role, ready, halfway, outside


def test_rows_are_scoped_banded_and_filtered(scene):
    school, role, ready, halfway, outside = scene
    coordinator = make_coordinator(cohorts=[school])
    rows = readiness_report_rows(user=coordinator)
    assert [(r.learner_email, r.percent_confirmed, r.band) for r in rows] == sorted(
        [(ready.email, 100, "ready"), (halfway.email, 50, "close")]
    )
    assert [r.learner_email for r in readiness_report_rows(user=coordinator, band="close")] == [halfway.email]
    assert [r.learner_email for r in readiness_report_rows(user=coordinator, step="experience")] == [
        halfway.email
    ]
    assert readiness_report_rows(user=coordinator, step="education") == []


def test_csv_export_is_scoped_and_neutralizes_formulas(scene, client):
    school, role, ready, halfway, outside = scene
    client.force_login(make_coordinator(cohorts=[school]))
    response = client.get(reverse("readiness_report") + "?export=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert "'=HYPERLINK(1)" in text and "Halfway" in text and "Outside" not in text
    xlsx = client.get(reverse("readiness_report") + f"?export=xlsx&role={role.pk}")
    assert xlsx.status_code == 200


def test_learners_cannot_open_the_report(client):
    client.force_login(UserFactory())
    assert client.get(reverse("readiness_report")).status_code in (302, 403)


def test_report_queries_flat_in_learners(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = UserFactory(is_superuser=True)
    role = role_with({"step": "experience", "hours": Decimal(100), "label": "outreach"})
    counts = []
    for size in (1, 20):
        learners = [UserFactory() for _ in range(size)]
        RoleChoice.objects.bulk_create(RoleChoice(learner=learner, role=role) for learner in learners)
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(15):
            readiness_report_rows(user=admin)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
