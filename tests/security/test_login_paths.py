"""Every way to sign in goes through allauth's rate-limited login."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/5m/key"}
    cache.clear()
    yield
    cache.clear()


def test_wrong_passwords_lock_the_account_out_of_every_login_path():
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    for _ in range(3):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many" in response.content.decode()
    # The other login URLs are redirects to the same form, for GET and POST alike.
    for url in ("/admin/login/", "/django-admin/login/"):
        for method in (client.get, client.post):
            response = method(url, {"username": user.email, "login": user.email, "password": PASSWORD})
            assert response.status_code in (301, 302), url
            assert response["Location"].startswith(reverse("account_login")), url
            assert "_auth_user_id" not in client.session
