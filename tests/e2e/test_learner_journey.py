"""A learner signs up, enrolls, reads and completes lessons, all in a real browser."""

import pytest
from playwright.sync_api import expect

from courses.models import Enrollment, LessonProgress
from tests.factories import build_course, course_lessons, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Every page must have these landmarks, and every visible form control a label.
UNLABELLED_CONTROLS_JS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)
"""


def assert_accessible_basics(page):
    assert page.locator("header.site-header").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("footer").count() == 1
    assert page.locator("nav").count() >= 1
    assert page.locator("h1").count() == 1
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []


@pytest.fixture
def course(db):
    _home, index = site_tree()
    return build_course(index, title="Listening Basics", modules=2, lessons_per_module=1)


def test_sign_up_enroll_and_complete_a_course(page, live_server, course, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    assert_accessible_basics(page)
    page.get_by_label("Email", exact=True).fill("browser.learner@example.org")
    page.get_by_label("Your name").fill("Browser Learner")
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase")
    page.get_by_label("Password (again)").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/learning/")

    page.goto(f"{live_server.url}/courses/")
    assert_accessible_basics(page)
    page.get_by_role("link", name="Listening Basics").click()
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_text("You are enrolled")).to_be_visible()
    assert_accessible_basics(page)
    page.get_by_role("link", name="Start the course").click()

    first, second = course_lessons(course)
    assert page.get_by_role("heading", level=1).inner_text() == first.title
    assert_accessible_basics(page)
    screenshot("lesson")
    page.get_by_role("button", name="Mark complete and continue").click()
    page.wait_for_url(f"{live_server.url}{second.url}")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("Congratulations! You have completed")).to_be_visible()

    enrollment = Enrollment.objects.get(learner__email="browser.learner@example.org")
    assert enrollment.is_completed
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 2

    page.goto(f"{live_server.url}/learning/")
    expect(page.get_by_text("100% complete")).to_be_visible()
    expect(page.get_by_text("2 of 2 lessons")).to_be_visible()
    screenshot("dashboard")


def test_keyboard_skip_link_and_reflection_form(page, live_server, course):
    """The first Tab reaches the skip link; a reflection note can be saved by keyboard."""
    from courses.services import enrollment_create
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory(email="keys@example.org")
    enrollment_create(learner=user, course=course)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/learning/")

    lesson = course_lessons(course)[0]
    page.goto(f"{live_server.url}{lesson.url}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    note = page.get_by_role("textbox", name="What did you notice?")
    note.focus()
    page.keyboard.type("Families open up when I listen.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Save note"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your note has been saved")).to_be_visible()
    assert (
        page.get_by_role("textbox", name="What did you notice?").input_value()
        == "Families open up when I listen."
    )
    assert_accessible_basics(page)
