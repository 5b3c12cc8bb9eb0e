"""Quiz answers are never lost: autosave in flight, lost replies, an expired session, the clock.

Network delays are made with `page.route`: the autosave request is held (not answered) for
1.5 s while the learner goes on and submits, or the server's reply is dropped after the
server stored the answers. An expired session is the browser's cookies cleared mid-quiz.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Attempt, AttemptState
from courses.models import ModulePage
from courses.services import enrollment_create
from tests.e2e.test_quiz import log_in
from tests.factories import PASSWORD, UserFactory, build_course, build_quiz, make_questions, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
EMAIL = "autosave.taker@example.org"
SAVE_URL = "**/learning/attempts/*/save/"


@pytest.fixture
def quiz(db, settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    _home, index = site_tree()
    course = build_course(index, title="Autosave Course", modules=1, lessons_per_module=1)
    module = ModulePage.objects.child_of(course).get()
    quiz = build_quiz(module, questions=make_questions(3), time_limit_minutes=20)
    enrollment_create(learner=UserFactory(email=EMAIL), course=course)
    return quiz


def start(page, live_server, quiz):
    log_in(page, live_server, EMAIL)
    page.goto(f"{live_server.url}{quiz.url}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/learning/attempts/*/")


def answer(page, index: int):
    """Answer question `index` (0-based) with whatever its first choice is."""
    fieldset = page.locator("fieldset.question").nth(index)
    if fieldset.locator("input[type=radio], input[type=checkbox]").count():
        fieldset.locator("input[type=radio], input[type=checkbox]").first.check()
    elif fieldset.locator("select").count():
        for select in fieldset.locator("select").all():
            select.select_option(index=1)
    else:
        fieldset.locator("input[type=text], textarea").first.fill("42")


def answered_positions() -> set[int]:
    attempt = Attempt.objects.get()
    return set(attempt.responses.exclude(answer=None).values_list("position", flat=True))


def held_saves(page) -> list:
    """The save reaches the server at once; its reply is held until the test releases it."""
    held = []
    page.route(SAVE_URL, lambda route: held.append((route, route.fetch())))
    return held


def test_submit_while_an_autosave_is_held_for_1_5_s_keeps_every_answer(page, live_server, quiz):
    """Two answers autosave (the reply held 1.5 s); a third is chosen and Submit clicked
    while the save is in flight: the result is graded with all three answers, and no conflict is shown."""
    start(page, live_server, quiz)
    held = held_saves(page)
    answer(page, 0)
    answer(page, 1)
    # A locator, not wait_for_function: the page's CSP forbids the eval that one would need.
    expect(page.locator(".autosave-status")).to_have_attribute("data-state", "saving")
    for _ in range(40):  # the route handler runs when Playwright next hears from the browser
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    answer(page, 2)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_timeout(1500)
    route, reply = held[0]
    assert Attempt.objects.get().sequence == 1  # the server stored the save; the page has not heard
    route.fulfill(response=reply)
    page.wait_for_url("**/result/")
    expect(page.get_by_text("You scored")).to_be_visible()
    assert "out of date" not in page.content()
    attempt = Attempt.objects.get()
    assert attempt.state == AttemptState.GRADED and answered_positions() == {1, 2, 3}


def test_submit_after_an_autosave_whose_reply_was_lost_keeps_every_answer(page, live_server, quiz):
    """The server stores an autosave but its reply never reaches the page (so the page's
    sequence is behind): the page says "Not saved", and Submit is still accepted."""
    start(page, live_server, quiz)

    def drop_reply(route):
        route.fetch()
        route.abort()

    page.route(SAVE_URL, drop_reply)
    answer(page, 0)
    status = page.locator(".autosave-status")
    expect(status).to_contain_text("Not saved")
    assert Attempt.objects.get().sequence == 1
    answer(page, 1)
    answer(page, 2)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/result/")
    assert Attempt.objects.get().state == AttemptState.GRADED and answered_positions() == {1, 2, 3}


def test_submit_right_after_the_last_answer_with_no_delay(page, live_server, quiz):
    """Choosing the last answer and submitting at once (autosave not yet sent) keeps it."""
    start(page, live_server, quiz)
    for index in range(3):
        answer(page, index)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/result/")
    assert answered_positions() == {1, 2, 3}


def test_expired_session_never_shows_saved_and_answers_return_after_signing_in(page, live_server, quiz):
    """Cookies cleared mid-quiz: the next autosave shows "Not saved" with a sign-in link (never
    "Saved"), the answer is kept in the browser, and after signing in it is restored, saved
    and submitted."""
    start(page, live_server, quiz)
    status = page.locator(".autosave-status")
    answer(page, 0)
    expect(status).to_contain_text("Saved at")
    page.context.clear_cookies()
    answer(page, 1)
    expect(status).to_contain_text("Not saved")
    expect(status).not_to_contain_text("Saved at")
    assert page.locator("input[name=sequence]").input_value().isdigit()
    kept = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('liaison-quiz-attempt:'))")
    assert kept == [f"liaison-quiz-attempt:{Attempt.objects.get().pk}"]
    assert answered_positions() == {1}

    status.get_by_role("link", name="Sign in again").click()
    page.locator("#id_login").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/learning/attempts/*/")
    expect(status).to_contain_text("Saved at")
    assert answered_positions() == {1, 2}
    assert page.locator("fieldset.question").nth(1).locator("input:checked, select, input[type=text]").count()
    assert page.evaluate("Object.keys(sessionStorage).length") == 0

    answer(page, 2)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/result/")
    assert Attempt.objects.get().state == AttemptState.GRADED and answered_positions() == {1, 2, 3}


def test_submit_after_the_session_expired_goes_to_sign_in_and_back(page, live_server, quiz):
    """Submit with an expired session leads to the sign-in page (no error page); signing in
    returns to the attempt with the answers restored, and the next submit grades them."""
    start(page, live_server, quiz)
    answer(page, 0)
    expect(page.locator(".autosave-status")).to_contain_text("Saved at")
    page.context.clear_cookies()
    answer(page, 1)
    answer(page, 2)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/accounts/login/?next=*")
    assert "405" not in page.title() and page.locator("#id_login").is_visible()
    page.locator("#id_login").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/learning/attempts/*/")
    expect(page.locator(".autosave-status")).to_contain_text("Saved at")
    assert answered_positions() == {1, 2, 3}
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/result/")
    assert Attempt.objects.get().state == AttemptState.GRADED


def test_countdown_stays_in_view_and_time_up_says_what_was_submitted(browser, live_server, quiz):
    """On a phone-sized screen the countdown stays on screen at the bottom of the quiz; when
    time runs out the result says the attempt was submitted with what was saved."""
    context = browser.new_context(viewport={"width": 375, "height": 600})
    page = context.new_page()
    page.set_default_timeout(15_000)
    start(page, live_server, quiz)
    answer(page, 0)
    expect(page.locator(".autosave-status")).to_contain_text("Saved at")
    page.locator(".quiz-actions").scroll_into_view_if_needed()
    box = page.locator(".timer").bounding_box()
    assert box is not None and 0 <= box["y"] < 600

    Attempt.objects.update(deadline=timezone.now() + timedelta(seconds=3))
    page.reload()
    page.wait_for_url("**/result/", timeout=15_000)
    expect(page.get_by_text("Time ran out")).to_be_visible()
    expect(page.get_by_text("1 of 3 questions had a saved answer")).to_be_visible()
    context.close()
