"""Undoing a revocation made in error: audited, announced to the learner's record, valid again."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certificates import services
from certificates.models import Certificate, CertificateStatus
from courses.models import LearnerEvent, LearnerEventKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revoked(issued, coordinator):
    return services.certificate_revoke(certificate=issued, reason="Thought it was fraud", by=coordinator)


def reinstate_url(certificate) -> str:
    return reverse("certificate_admin:reinstate", args=[certificate.pk])


def verify(client, certificate) -> str:
    return client.get(reverse("certificates:verify_detail", args=[certificate.public_id])).content.decode()


def test_reinstate_makes_it_valid_again_with_an_audit_entry_and_an_event(client, revoked, coordinator):
    """The certificate is issued again, its revocation is cleared from the record but kept
    in the audit log with the reason for undoing it, and the learner's log says so."""
    assert "Revoked." in verify(client, revoked)
    services.certificate_reinstate(certificate=revoked, reason="The check was wrong", by=coordinator)
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.ISSUED
    assert revoked.revoked_at is None and revoked.revoked_reason == ""
    entry = ModelLogEntry.objects.get(action="certificates.reinstate")
    assert entry.user_id == coordinator.pk
    assert entry.object_id == str(revoked.pk)
    assert entry.data["reason"] == "The check was wrong"
    assert entry.data["revoked_reason"] == "Thought it was fraud"
    assert entry.data["revoked_at"]
    event = LearnerEvent.objects.get(kind=LearnerEventKind.CERTIFICATE_REINSTATED)
    assert (event.learner_id, event.subject_id) == (revoked.learner_id, revoked.pk)
    assert "Valid." in verify(client, revoked)


def test_revoked_reinstated_revoked_reinstated_records_each_occurrence(revoked, coordinator):
    """Each undo is its own event (keyed by the revocation it undoes)."""
    services.certificate_reinstate(certificate=revoked, reason="Mistake", by=coordinator)
    services.certificate_revoke(certificate=revoked, reason="Again", by=coordinator)
    services.certificate_reinstate(certificate=revoked, reason="Mistake again", by=coordinator)
    assert LearnerEvent.objects.filter(kind=LearnerEventKind.CERTIFICATE_REINSTATED).count() == 2
    assert ModelLogEntry.objects.filter(action="certificates.reinstate").count() == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_reinstate_needs_a_reason(revoked, coordinator, reason):
    """Without a reason nothing changes."""
    with pytest.raises(ValidationError):
        services.certificate_reinstate(certificate=revoked, reason=reason, by=coordinator)
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED
    assert not ModelLogEntry.objects.filter(action="certificates.reinstate").exists()


def test_only_a_revoked_certificate_can_be_reinstated(issued, coordinator):
    with pytest.raises(ValidationError) as error:
        services.certificate_reinstate(certificate=issued, reason="Why not", by=coordinator)
    assert error.value.code == "not_revoked"


def test_refused_when_the_enrollment_has_another_current_certificate(revoked, coordinator):
    """A certificate issued since (the enrollment's one current slot) wins: nothing changes."""
    newer = services.certificate_issue(enrollment=revoked.enrollment)
    assert newer.pk != revoked.pk
    with pytest.raises(ValidationError) as error:
        services.certificate_reinstate(certificate=revoked, reason="Mistake", by=coordinator)
    assert error.value.code == "other_current"
    assert newer.code in error.value.messages[0]
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED


def test_revoked_before_its_pdf_was_made_goes_back_to_waiting_for_it(certificate, coordinator):
    """No PDF yet: reinstated as pending, rendered on its next read."""
    services.certificate_revoke(certificate=certificate, reason="Oops", by=coordinator)
    services.certificate_reinstate(certificate=certificate, reason="Undo oops", by=coordinator)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING


# --- Admin ----------------------------------------------------------------------------------


def test_coordinator_undoes_a_revocation_from_the_admin(client, revoked, coordinator):
    """The revoked certificate offers "Undo revocation"; the form asks for a reason and the
    history shows it."""
    client.force_login(coordinator)
    inspect = client.get(reverse("certificate_admin:inspect", args=[revoked.pk])).content.decode()
    assert reinstate_url(revoked) in inspect
    assert "Undo revocation" in inspect
    assert client.get(reinstate_url(revoked)).status_code == 200
    response = client.post(reinstate_url(revoked), {"reason": "Checked again: genuine"})
    assert response.status_code == 302
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.ISSUED
    history = client.get(reverse("certificate_admin:history", args=[revoked.pk])).content.decode()
    assert "Checked again: genuine" in history


def test_issued_certificate_offers_no_undo(client, issued, coordinator):
    client.force_login(coordinator)
    inspect = client.get(reverse("certificate_admin:inspect", args=[issued.pk])).content.decode()
    assert reinstate_url(issued) not in inspect


def test_blank_reason_in_the_admin_changes_nothing(client, revoked, coordinator):
    client.force_login(coordinator)
    response = client.post(reinstate_url(revoked), {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED


def test_refusal_from_the_service_is_shown_on_the_form(client, issued, coordinator):
    """Posting to a certificate that is not revoked re-renders with the service's message."""
    client.force_login(coordinator)
    response = client.post(reinstate_url(issued), {"reason": "Whatever"})
    assert response.status_code == 200
    assert "Only a revoked certificate can be reinstated" in response.content.decode()


def test_the_learner_cannot_undo_it(client, revoked):
    client.force_login(revoked.learner)
    response = client.post(reinstate_url(revoked), {"reason": "Please"})
    assert response.status_code in {302, 403}
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED


def test_an_admin_user_who_may_not_see_the_certificate_gets_404(client, revoked):
    """Admin access and the change permission are not enough: the access selector
    (certificate_visible_to) decides, and someone else's certificate is a 404."""
    editor = UserFactory(is_staff=True)
    group = Group.objects.create(name="Certificate editors")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_certificate"),
    )
    editor.groups.add(group)
    client.force_login(editor)
    assert client.get(reinstate_url(revoked)).status_code == 404
    assert client.post(reinstate_url(revoked), {"reason": "Sneaky"}).status_code == 404
    assert Certificate.objects.get(pk=revoked.pk).status == CertificateStatus.REVOKED
