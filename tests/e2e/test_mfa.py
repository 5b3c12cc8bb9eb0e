"""A coordinator signs in with a password and an authenticator code, then opens the admin."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from tests.accounts.test_mfa import totp_code
from tests.factories import PASSWORD, UserFactory, site_tree
from training_site.accounts.roles import COORDINATORS_GROUP

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_coordinator_signs_in_with_totp_and_reaches_the_admin(page, live_server, settings):
    settings.ACADEMY_MFA_REQUIRED_FOR_STAFF = True
    site_tree()
    coordinator = UserFactory(email="mfa.coordinator@example.org", display_name="Morgan Coordinator")
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))

    # Without an authenticator the admin sends the coordinator to set one up.
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.locator("#id_login").fill(coordinator.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    # (allauth may first ask for the password again before an authenticator is added)
    page.wait_for_url(re.compile(r"/accounts/(2fa/totp/activate|reauthenticate)/"))
    page.context.clear_cookies()

    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.locator("#id_login").fill(coordinator.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.locator("#id_code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("main").count() == 1
    assert "Sign in" not in page.title()
