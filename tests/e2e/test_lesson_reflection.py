"""Reflection notes save as the learner types and are never lost; the module menu folds on phones."""

import pytest
from playwright.sync_api import expect

from courses.models import LessonProgress, ReflectionNote
from courses.services import enrollment_create
from tests.e2e.test_quiz import log_in
from tests.factories import UserFactory, build_course, course_lessons, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
EMAIL = "reflect@example.org"
NOTE_URL = "**/lessons/*/reflections/**"


@pytest.fixture
def course(db):
    _home, index = site_tree()
    course = build_course(index, title="Reflective Practice", modules=1, lessons_per_module=2)
    enrollment_create(learner=UserFactory(email=EMAIL), course=course)
    return course


def test_note_saves_as_the_learner_types(page, live_server, course):
    log_in(page, live_server, EMAIL)
    page.goto(f"{live_server.url}{course_lessons(course)[0].url}")
    page.get_by_role("textbox", name="What did you notice?").press_sequentially("Listening first.")
    expect(page.locator(".reflection-status")).to_contain_text("Saved at")
    assert ReflectionNote.objects.get().text == "Listening first."


def test_typed_note_then_mark_complete_saves_the_note(page, live_server, course):
    """The note's save is held 1.5 s; "Mark complete and continue" is clicked at once: the
    lesson is completed and the note is saved."""
    first, second = course_lessons(course)
    log_in(page, live_server, EMAIL)
    page.goto(f"{live_server.url}{first.url}")
    held = []
    page.route(NOTE_URL, lambda route: held.append(route))
    page.get_by_role("textbox", name="What did you notice?").fill("Ask before advising.")
    page.get_by_role("button", name="Mark complete and continue").click()
    page.wait_for_timeout(1500)
    for _ in range(40):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.wait_for_url(f"{live_server.url}{second.url}")
    assert ReflectionNote.objects.get().text == "Ask before advising."
    assert LessonProgress.objects.filter(lesson=first).exists()


def test_leaving_with_an_unsaved_note_asks_first_and_a_failed_save_says_not_saved(page, live_server, course):
    log_in(page, live_server, EMAIL)
    page.goto(f"{live_server.url}{course_lessons(course)[0].url}")
    page.route(NOTE_URL, lambda route: route.fulfill(status=302, headers={"Location": "/accounts/login/"}))
    page.get_by_role("textbox", name="What did you notice?").press_sequentially("Unsaved thought")
    status = page.locator(".reflection-status")
    expect(status).to_contain_text("Not saved")
    expect(status).not_to_contain_text("Saved at")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Reflective Practice").first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.get_by_role("textbox", name="What did you notice?").input_value() == "Unsaved thought"


def test_on_a_phone_the_lesson_title_comes_first_and_the_module_menu_folds(browser, live_server, course):
    context = browser.new_context(viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, EMAIL)
    first, second = course_lessons(course)
    page.goto(f"{live_server.url}{first.url}")
    title = page.get_by_role("heading", level=1).bounding_box()
    toggle = page.get_by_role("button", name="Lessons in this module")
    expect(toggle).to_be_visible()
    assert title["y"] < toggle.bounding_box()["y"]
    menu_link = page.locator("#module-menu").get_by_role("link", name=second.title)
    expect(menu_link).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu_link).to_be_visible()
    context.close()
