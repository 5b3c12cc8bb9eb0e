"""Multi-factor authentication: available to everyone, required for staff by a setting."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from training_site.accounts.roles import COORDINATORS_GROUP

pytestmark = pytest.mark.django_db


def totp_code(secret: str, *, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), computed here rather than by allauth."""
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _opens(response) -> bool:
    # allauth asks for the password again before an authenticator is added.
    return response.status_code == 200 or response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.fixture
def coordinator(db):
    user = UserFactory(display_name="Chris Coordinator", is_staff=False)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    return user


def test_staff_must_set_up_an_authenticator_before_the_admin(client, coordinator, settings):
    settings.ACADEMY_MFA_REQUIRED_FOR_STAFF = True
    client.force_login(coordinator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert _opens(client.get(reverse("mfa_activate_totp")))


def test_without_the_setting_the_admin_opens_without_mfa(client, coordinator, settings):
    settings.ACADEMY_MFA_REQUIRED_FOR_STAFF = False
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 200


def test_learners_are_not_asked_and_can_turn_it_on_from_the_profile(client, learner, settings):
    settings.ACADEMY_MFA_REQUIRED_FOR_STAFF = True
    client.force_login(learner)
    assert client.get(reverse("dashboard")).status_code == 200
    assert reverse("mfa_index") in client.get(reverse("accounts:profile")).content.decode()
    assert _opens(client.get(reverse("mfa_activate_totp")))


def test_coordinator_with_totp_signs_in_with_a_code_and_reaches_the_admin(client, coordinator, settings):
    settings.ACADEMY_MFA_REQUIRED_FOR_STAFF = True
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    response = client.post(reverse("account_login"), {"login": coordinator.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if totp_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_code_step_is_rate_limited(client, coordinator, settings):
    """Wrong codes count against the account like wrong passwords (allauth's login_failed)."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/5m/key"}
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    client.post(reverse("account_login"), {"login": coordinator.email, "password": PASSWORD})
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    for _ in range(3):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert "_auth_user_id" not in client.session
    assert "Too many" in response.content.decode()
