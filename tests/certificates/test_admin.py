"""Certificates in the Wagtail admin, as a training coordinator uses them."""

import pytest
from django.urls import reverse
from wagtail.models import Site

from certificates.models import Certificate, CertificateSettings, CertificateStatus
from certificates.services import certificate_revoke
from courses.models import Enrollment
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_coordinator_sees_the_certificate_list(coordinator_client, issued, learner, index):
    """The admin list renders for a coordinator with codes, names, courses and statuses."""
    complete_course(learner, build_course(index, title="Family Nights"))
    response = coordinator_client.get(reverse("certificate_admin:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert issued.code in html
    assert issued.learner_name in html
    assert "Family Nights" in html
    assert "Award for prior learning" in html


def test_list_filters_by_status_and_searches_by_code(coordinator_client, issued, learner, index):
    """The list filters by status and course, and finds a certificate by its code."""
    other = Certificate.objects.get(
        enrollment=complete_course(learner, build_course(index, title="Family Nights"))
    )
    url = reverse("certificate_admin:index")
    html = coordinator_client.get(url, {"status": "issued"}).content.decode()
    assert issued.code in html and other.code not in html
    html = coordinator_client.get(url, {"course": other.course_id}).content.decode()
    assert other.code in html and issued.code not in html
    html = coordinator_client.get(url, {"q": other.code}).content.decode()
    assert other.code in html and issued.code not in html


def test_learner_cannot_open_the_admin_list(client, issued):
    """A learner without admin access is turned away from the certificate list."""
    client.force_login(issued.learner)
    response = client.get(reverse("certificate_admin:index"))
    assert response.status_code in {302, 403}
    assert issued.code not in response.content.decode()


def test_coordinator_inspects_a_certificate(coordinator_client, issued):
    """The detail view shows the record and offers revoke and reissue."""
    response = coordinator_client.get(reverse("certificate_admin:inspect", args=[issued.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert issued.sha256 in html
    assert reverse("certificate_admin:revoke", args=[issued.pk]) in html
    assert reverse("certificate_admin:reissue", args=[issued.pk]) in html


def test_coordinator_revokes_with_a_reason(coordinator_client, issued):
    """Revoking from the admin asks for a reason and records it."""
    url = reverse("certificate_admin:revoke", args=[issued.pk])
    assert coordinator_client.get(url).status_code == 200
    response = coordinator_client.post(url, {"reason": "Completed by someone else"})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.REVOKED
    assert issued.revoked_reason == "Completed by someone else"


def test_revoke_without_a_reason_changes_nothing(coordinator_client, issued):
    """A blank reason re-renders the form with an error; the certificate stays issued."""
    response = coordinator_client.post(reverse("certificate_admin:revoke", args=[issued.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED


def test_coordinator_reissues(coordinator_client, issued):
    """Reissuing from the admin creates the replacement and opens it."""
    response = coordinator_client.post(reverse("certificate_admin:reissue", args=[issued.pk]))
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.SUPERSEDED
    assert response.status_code == 302
    assert response.url == reverse("certificate_admin:inspect", args=[issued.superseded_by_id])


def test_reissue_of_a_revoked_certificate_shows_the_reason(coordinator_client, issued, coordinator):
    """A refused reissue re-renders with the service's message and changes nothing."""
    certificate_revoke(certificate=issued, reason="Fraud", by=coordinator)
    response = coordinator_client.post(reverse("certificate_admin:reissue", args=[issued.pk]))
    assert response.status_code == 200
    assert "can be reissued" in response.content.decode()
    assert Certificate.objects.count() == 1


def test_coordinator_awards_for_prior_learning(coordinator_client, course):
    """The award form enrolls, completes and issues for an existing learner."""
    learner = UserFactory(email="prior@example.org")
    response = coordinator_client.post(
        reverse("certificate_admin:award"),
        {"email": "PRIOR@example.org", "course": course.pk, "note": "District training 2024"},
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.enrollment.source == "prior_learning"
    assert certificate.enrollment.note == "District training 2024"


def test_award_for_an_unknown_email_changes_nothing(coordinator_client, course):
    """An email no account uses is a form error; nothing is created."""
    response = coordinator_client.post(
        reverse("certificate_admin:award"),
        {"email": "nobody@example.org", "course": course.pk, "note": "Something"},
    )
    assert response.status_code == 200
    assert "No account uses this email address" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_coordinator_can_edit_the_certificate_settings(coordinator_client, coordinator):
    """Coordinators may edit issuer and signatory settings (granted by a migration)."""
    assert coordinator.has_perm("certificates.change_certificatesettings")
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["certificates", "certificatesettings", site.pk])
    response = coordinator_client.get(url)
    assert response.status_code == 200
    response = coordinator_client.post(
        url,
        {"issuer_name": "Riverside Institute", "signatory_name": "Alma Reyes", "signatory_title": "Director"},
    )
    assert response.status_code == 302
    assert CertificateSettings.for_site(site).signatory_name == "Alma Reyes"
