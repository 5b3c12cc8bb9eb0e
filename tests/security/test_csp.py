"""Content-Security-Policy: strict on public and learner pages, relaxed only in the admin."""

import re

import pytest
from django.urls import reverse

from assessments.services import attempts
from courses.models import ModulePage
from courses.services import enrollment_create
from tests.factories import UserFactory, build_quiz, course_lessons, make_questions

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def learner_pages(client, learner, course):
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    quiz = build_quiz(ModulePage.objects.child_of(course).first(), questions=make_questions(3))
    attempt = attempts.quiz_start(learner=learner, quiz=quiz)
    client.force_login(learner)
    return [
        "/",
        course.get_parent().url,
        course.url,
        lesson.url,
        quiz.url,
        reverse("assessments:attempt", args=[attempt.pk]),
        reverse("dashboard"),
        reverse("search") + "?q=trust",
        reverse("accounts:profile"),
        reverse("certificates:verify"),
    ]


def test_learner_and_public_pages_have_a_strict_policy(client, learner, course):
    """Scripts and styles from this origin only; no inline code, handlers or style attributes."""
    pages = learner_pages(client, learner, course) + ["/accounts/login/", "/accounts/signup/"]
    checked = 0
    for url in pages:
        if url in ("/accounts/login/", "/accounts/signup/"):
            client.logout()
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        for name in ("script-src", "style-src", "default-src"):
            assert "'unsafe-inline'" not in policy[name] and "'unsafe-eval'" not in policy[name], (url, name)
        assert policy["script-src"][0] == "'self'"
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
        html = response.content.decode()
        nonce = next((v for v in policy["script-src"] if v.startswith("'nonce-")), None)
        for tag in INLINE_SCRIPT.findall(html):
            assert nonce and nonce[7:-1] in tag, (url, tag)
        assert not HANDLER.search(html), (url, HANDLER.search(html))
        assert not STYLE_ATTRIBUTE.search(html), (url, STYLE_ATTRIBUTE.search(html))
        assert "<style" not in html, url
        checked += 1
    assert checked == len(pages) == 12


def test_admin_gets_the_relaxed_policy_and_the_site_does_not(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    admin_policy = directives(client.get("/admin/")["Content-Security-Policy"])
    assert "'unsafe-inline'" in admin_policy["style-src"]
    assert admin_policy["frame-ancestors"] == ["'self'"]
    site_policy = directives(client.get(reverse("dashboard"))["Content-Security-Policy"])
    assert "'unsafe-inline'" not in site_policy["style-src"]


def test_error_pages_have_the_strict_policy(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
