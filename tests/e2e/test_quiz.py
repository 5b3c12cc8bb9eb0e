"""A learner takes a quiz in Chromium, by keyboard, with autosave and the error summary."""

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt, AttemptState
from courses.models import ModulePage
from courses.services import enrollment_create
from tests.e2e.test_learner_journey import UNLABELLED_CONTROLS_JS
from tests.factories import PASSWORD, UserFactory, build_course, build_quiz, make_questions, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def quiz(db, settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    _home, index = site_tree()
    course = build_course(index, title="Quiz Course", modules=1, lessons_per_module=1)
    module = ModulePage.objects.child_of(course).get()
    quiz = build_quiz(module, questions=make_questions(3, marker="SECRETMARK"), time_limit_minutes=20)
    learner = UserFactory(email="quiz.taker@example.org")
    enrollment_create(learner=learner, course=course)
    return quiz


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/learning/")


def test_take_a_quiz_with_keyboard_autosave_and_error_summary(page, live_server, quiz, screenshot):
    log_in(page, live_server, "quiz.taker@example.org")
    page.goto(f"{live_server.url}{quiz.url}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/learning/attempts/*/")
    assert page.locator("fieldset.question legend").count() == 3
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    assert "SECRETMARK" not in page.content()
    expect(page.locator(".timer-display")).to_contain_text(":")
    announce = page.locator(".timer-announce")
    first = announce.text_content()
    page.wait_for_timeout(2500)
    assert announce.text_content() == first  # not announced every second

    # Answer the first question by keyboard: focus its first radio, Space selects it.
    page.locator("fieldset.question").first.locator("input").first.focus()
    page.keyboard.press("Space")
    expect(page.locator(".autosave-status")).to_contain_text("Saved at")
    attempt = Attempt.objects.get()
    assert attempt.sequence == 1 and attempt.responses.exclude(answer=None).count() == 1
    screenshot("quiz-attempt")

    page.get_by_role("button", name="Submit for grading").click()
    summary = page.locator("[data-quiz-error]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("2 questions have no answer")
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/result/")
    expect(page.get_by_text("You scored")).to_be_visible()
    assert Attempt.objects.get().state == AttemptState.GRADED
    screenshot("quiz-result")
