"""Invitations: accept (password, verified address, signed in, joined, event), the links that
say why they cannot be used, resend and revoke in scope, the rate limit and the constraints."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from courses import invitations
from courses.models import Cohort, Invitation, LearnerEvent, LearnerEventKind
from tests.factories import make_coordinator
from training_site.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-passw0rd!"


@pytest.fixture
def school():
    return Cohort.objects.create(name="School S")


@pytest.fixture
def coordinator(school):
    return make_coordinator(cohorts=[school])


def _invite(school, coordinator, email="new@example.org", days=30):
    learner = invitations.invited_account_create(
        email=email, first_name="New", last_name="Person", certificate_name=""
    )
    from courses.services import cohort_member_add

    cohort_member_add(cohort=school, learner=learner)
    return invitations.invitation_create(
        learner=learner, cohort=school, invited_by=coordinator, expires_days=days
    )


def _accept_url(token: str) -> str:
    return reverse("courses:invitation_accept", args=[token])


def _post_password(client, token, password=PASSWORD, again=None):
    return client.post(_accept_url(token), {"new_password1": password, "new_password2": again or password})


def test_the_email_carries_a_link_and_no_password(school, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = _invite(school, coordinator)
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert invitations.invitation_accept_url(token) in message.body
    html = message.alternatives[0][0]
    assert invitations.invitation_accept_url(token) in html
    assert "School S" in message.subject
    assert invitation.token_hash != token and token not in invitation.token_hash
    assert "password:" not in message.body.lower()


def test_accepting_sets_the_password_verifies_the_address_signs_in_and_joins(school, coordinator):
    invitation, token = _invite(school, coordinator)
    client = Client(raise_request_exception=False)
    page = client.get(_accept_url(token))
    assert page.status_code == 200 and "School S" in page.content.decode()
    response = _post_password(client, token)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    learner = User.objects.get(email="new@example.org")
    assert learner.check_password(PASSWORD)
    address = EmailAddress.objects.get(user=learner)
    assert (address.email, address.verified, address.primary) == ("new@example.org", True, True)
    assert client.get(reverse("dashboard")).status_code == 200
    assert int(client.session["_auth_user_id"]) == learner.pk
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert school.memberships.filter(learner=learner).exists()
    event = LearnerEvent.objects.get(learner=learner, kind=LearnerEventKind.INVITATION_ACCEPTED)
    assert event.description == "Joined School S by invitation"


def test_a_weak_password_re_renders_and_changes_nothing(school, coordinator):
    invitation, token = _invite(school, coordinator)
    response = _post_password(Client(), token, password="short", again="short")
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.get(email="new@example.org").has_usable_password()


def test_a_used_link_says_so(school, coordinator):
    _invitation, token = _invite(school, coordinator)
    _post_password(Client(), token)
    stranger = Client(raise_request_exception=False)
    for response in (
        stranger.get(_accept_url(token)),
        _post_password(stranger, token, password="Other-passw0rd!"),
    ):
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert User.objects.get(email="new@example.org").check_password(PASSWORD)


def test_an_expired_link_says_so_and_changes_nothing(school, coordinator):
    invitation, token = _invite(school, coordinator)
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=31),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    response = _post_password(Client(raise_request_exception=False), token)
    assert response.status_code == 410 and "expired" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert invitation.status == "expired"
    assert not User.objects.get(email="new@example.org").has_usable_password()


def test_a_revoked_link_says_so(school, coordinator):
    invitation, token = _invite(school, coordinator)
    assert invitations.invitation_revoke(invitation=invitation)
    assert not invitations.invitation_revoke(invitation=invitation)
    response = _post_password(Client(raise_request_exception=False), token)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert not EmailAddress.objects.filter(email="new@example.org", verified=True).exists()


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t + "x", lambda t: "x" * 300]
)
def test_a_tampered_link_is_a_404_and_changes_nothing(school, coordinator, tamper):
    invitation, token = _invite(school, coordinator)
    response = _post_password(Client(raise_request_exception=False), tamper(token))
    assert response.status_code == 404 and "not valid" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_resend_makes_a_new_link_and_the_old_one_stops_working(
    school, coordinator, django_capture_on_commit_callbacks
):
    invitation, old = _invite(school, coordinator)
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=31),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    url = reverse("invitations:resend", args=[invitation.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"expires_days": "7"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "invited"
    assert datetime.timedelta(days=6) < invitation.expires_at - timezone.now() <= datetime.timedelta(days=7)
    new = mail.outbox[-1].body.split("/learning/invitations/")[1].split("/")[0]
    assert new != old
    assert _post_password(Client(raise_request_exception=False), old).status_code == 404
    assert _post_password(Client(raise_request_exception=False), new).status_code == 302


def test_the_listing_shows_statuses_and_revoke_works_from_the_admin(school, coordinator):
    invited, _t = _invite(school, coordinator, "a@example.org")
    joined, token = _invite(school, coordinator, "b@example.org")
    invitations.invitation_accept(token=token, password=PASSWORD)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    html = client.get(reverse("invitations:index")).content.decode()
    assert "a@example.org" in html and "b@example.org" in html
    assert "Invited" in html and "Joined" in html
    only_joined = client.get(reverse("invitations:index"), {"status": "joined"}).content.decode()
    assert "b@example.org" in only_joined and "a@example.org" not in only_joined
    assert client.post(reverse("invitations:revoke", args=[invited.pk])).status_code == 302
    invited.refresh_from_db()
    assert invited.status == "revoked"
    # A joined invitation cannot be sent again.
    client.post(reverse("invitations:resend", args=[joined.pk]), {"expires_days": "30"})
    joined.refresh_from_db()
    assert joined.status == "joined"


def test_another_coordinators_invitation_is_a_404_everywhere(school, coordinator):
    invitation, _token = _invite(school, coordinator)
    outsider = make_coordinator(cohorts=[Cohort.objects.create(name="School T")])
    client = Client(raise_request_exception=False)
    client.force_login(outsider)
    assert "new@example.org" not in client.get(reverse("invitations:index")).content.decode()
    for name in ("resend", "revoke"):
        url = reverse(f"invitations:{name}", args=[invitation.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"expires_days": "30"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "invited"


@override_settings(ACCOUNT_RATE_LIMITS={"invitation_accept": "3/m/key"})
def test_submitting_the_accept_form_is_rate_limited(school, coordinator):
    from django.core.cache import cache

    cache.clear()
    _invitation, token = _invite(school, coordinator)
    client = Client(raise_request_exception=False)
    codes = [_post_password(client, token, password="x", again="y").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert not User.objects.get(email="new@example.org").has_usable_password()


def test_one_open_invitation_per_address_is_a_database_rule(school, coordinator):
    invitation, _token = _invite(school, coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            email="NEW@example.org",
            learner=invitation.learner,
            cohort=school,
            token_hash="b" * 64,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(
            accepted_at=timezone.now(), revoked_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.sent_at)
    # Once revoked, the address may be invited again.
    invitations.invitation_revoke(invitation=invitation)
    Invitation.objects.create(
        email="new@example.org",
        learner=invitation.learner,
        cohort=school,
        token_hash="c" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
