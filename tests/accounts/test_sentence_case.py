"""allauth's pages read like the rest of the site: headings, titles, buttons and labels in
sentence case ("Sign in", not "Sign In"), from the English catalogue in training_site/locale."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# Words that keep their capital anywhere in a heading: names and abbreviations.
PROPER = {"Liaison", "Academy", "TOTP", "IP", "JavaScript"}

ANONYMOUS = ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
SIGNED_IN = ["account_email", "account_change_password", "account_logout", "mfa_index", "mfa_activate_totp"]


def _texts(html: str) -> list[str]:
    """The text runs of the title and of every heading, button and label."""
    found = []
    for tag in ("title", "h1", "h2", "h3", "button", "label"):
        for inner in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S):
            # Each run of text on its own: a badge inside a label ("Unverified") starts anew.
            for segment in re.split(r"<[^>]+>", inner):
                text = " ".join(unescape(segment).split())
                if text:
                    found.append(text)
    return found


def _title_case_words(text: str) -> list[str]:
    """Words after the first of each sentence that start with a capital and are not names."""
    wrong = []
    for sentence in re.split(r"(?<=[.?!:·])\s+", text):
        for word in sentence.split()[1:]:
            bare = word.strip("()“”\"'?:,.")
            if re.match(r"^[A-Z][a-z]", bare) and bare not in PROPER:
                wrong.append(bare)
    return wrong


def _assert_sentence_case(html: str, where: str) -> None:
    texts = _texts(html)
    assert texts, where
    bad = {text: _title_case_words(text) for text in texts if _title_case_words(text)}
    assert not bad, f"{where}: {bad}"


def test_the_check_itself_tells_title_case_from_sentence_case():
    assert _title_case_words("Sign In") == ["In"]
    assert _title_case_words("Sign in · Liaison Academy") == []
    assert _title_case_words("Two-factor authentication") == []


@pytest.mark.parametrize("name", ANONYMOUS)
def test_anonymous_account_pages_are_in_sentence_case(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_sentence_case(response.content.decode(), name)


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_account_pages_are_in_sentence_case(learner_client, name):
    """Followed through redirects: activating an authenticator asks to confirm access first."""
    response = learner_client.get(reverse(name), follow=True)
    assert response.status_code == 200
    _assert_sentence_case(response.content.decode(), name)


def test_sign_in_and_sign_up_headings(client):
    """The words the issue names, exactly."""
    login = client.get(reverse("account_login")).content.decode()
    assert re.search(r"<h1[^>]*>\s*Sign in\s*</h1>", login)
    assert "<title>Sign in · Liaison Academy</title>" in " ".join(login.split()).replace("> ", ">").replace(
        " <", "<"
    )
    signup = client.get(reverse("account_signup")).content.decode()
    assert re.search(r"<h1[^>]*>\s*Sign up\s*</h1>", signup)
    assert re.search(r"<button[^>]*>\s*Sign up\s*</button>", signup)


def test_spanish_keeps_allauths_own_translation():
    """The override is English only: another language still gets allauth's catalogue."""
    with translation.override("es"):
        assert translation.gettext("Sign In") != "Sign in"
    with translation.override("en"):
        assert translation.gettext("Sign In") == "Sign in"
