"""Account emails come from the configured sender with the site's name, in HTML and plain
text, and account pages use the site's fields and buttons."""

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _signup(client):
    return client.post(
        "/accounts/signup/",
        {
            "email": "new.liaison@example.org",
            "display_name": "New Liaison",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )


def test_confirmation_email_names_the_site_not_the_host(client, settings):
    settings.DEFAULT_FROM_EMAIL = "noreply@academy.example.org"
    settings.BASE_URL = "https://academy.example.org"
    assert _signup(client).status_code == 302
    message = mail.outbox[-1]
    assert message.subject == "Liaison Academy: Confirm your email address"
    assert message.from_email == "Liaison Academy <noreply@academy.example.org>"
    html = {mime: body for body, mime in message.alternatives}["text/html"]
    for body in (message.body, html):
        assert "Liaison Academy" in body and "testserver" not in body.split("http")[0]
        assert "academy.example.org" in body
    assert "/accounts/confirm-email/" in message.body and 'href="http' in html


def test_a_configured_sender_with_a_name_is_kept(client, settings):
    settings.DEFAULT_FROM_EMAIL = "Liaison Team <team@academy.example.org>"
    _signup(client)
    assert mail.outbox[-1].from_email == "Liaison Team <team@academy.example.org>"


def test_password_reset_email_is_branded_html_and_text(client):
    UserFactory(email="forgetful@example.org")
    client.post("/accounts/password/reset/", {"email": "forgetful@example.org"})
    message = mail.outbox[-1]
    assert message.subject == "Liaison Academy: Reset your password"
    html = {mime: body for body, mime in message.alternatives}["text/html"]
    assert "Choose a new password" in html and "/accounts/password/reset/key/" in message.body


def test_account_pages_put_labels_above_fields_and_errors_with_the_field(client):
    """A failed sign-up re-renders with each error inside its field's block and the site's button."""
    response = client.post("/accounts/signup/", {"email": "not-an-email", "password1": "x", "password2": "y"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="field field-error">' in html and 'class="error" id="id_email_error"' in html
    assert '<label for="id_email">' in html and 'class="button"' in html
