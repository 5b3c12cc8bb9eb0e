"""Reflection notes saved by the lesson page's script answer JSON, so the page can tell a
save from a sign-in page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import ReflectionNote
from courses.services import enrollment_create
from tests.factories import course_lessons

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _url(lesson):
    return reverse("courses:reflection_save", args=[lesson.pk, lesson.reflection_block_ids[0]])


def test_script_save_answers_json_saved_and_stores_the_note(learner_client, learner, course):
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    reply = learner_client.post(_url(lesson), {"text": "Typed so far"}, **JSON)
    assert reply.status_code == 200 and reply["Content-Type"] == "application/json"
    assert reply.json()["saved"] is True and reply.json()["saved_at_display"]
    assert ReflectionNote.objects.get().text == "Typed so far"


def test_script_save_of_an_oversized_note_is_json_400(learner_client, learner, course):
    """A note the service refuses is a JSON error the page shows, not a redirect it reads as saved."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    reply = learner_client.post(_url(lesson), {"text": "x" * 10_001}, **JSON)
    assert reply.status_code == 400 and "saved" not in reply.json() and reply.json()["error"]
    assert not ReflectionNote.objects.exists()


def test_signed_out_script_save_is_json_401(learner, course):
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    reply = Client(raise_request_exception=False).post(_url(lesson), {"text": "hi"}, **JSON)
    assert reply.status_code == 401 and reply.json()["signed_out"] is True
    assert not ReflectionNote.objects.exists()


def test_signed_out_form_post_goes_to_sign_in_and_back_to_the_lesson(learner, course):
    """Not to the save address, which only takes POST."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    reply = Client(raise_request_exception=False).post(_url(lesson), {"text": "hi"})
    assert reply.status_code == 302 and reply.url.startswith(reverse("account_login"))
    assert parse_qs(urlsplit(reply.url).query)["next"] == [lesson.url]


def test_lesson_page_loads_the_note_script_and_the_module_menu_toggle(learner_client, learner, course):
    enrollment_create(learner=learner, course=course)
    html = learner_client.get(course_lessons(course)[0].url).content.decode()
    assert "courses/lesson.js" in html and "data-module-menu-toggle" in html
    assert 'class="meta reflection-status"' in html and "<script>" not in html
