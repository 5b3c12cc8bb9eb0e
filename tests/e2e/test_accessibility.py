"""axe-core on every learner page (with the final's guard and its confirmation step) and the
sign-up, log-in and reset pages, at 1280 and 375 px:
no serious or critical violation. Screenshots of each go to var/screenshots/axe-*.png."""

import pytest

from assessments.services import attempts as quiz_services
from courses.models import ModulePage
from courses.services import enrollment_create
from tests.assessments.test_attempts import correct_post
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_quiz import log_in
from tests.factories import UserFactory, build_course, build_quiz, course_lessons, make_questions, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
EMAIL = "axe.learner@example.org"
WIDTHS = (1280, 375)


@pytest.fixture
def learner_site(db, settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    _home, index = site_tree()
    course = build_course(index, title="Accessible Course", modules=1, lessons_per_module=1)
    module = ModulePage.objects.child_of(course).get()
    questions = make_questions(6)
    quiz = build_quiz(module, questions=questions, time_limit_minutes=20, required_for_completion=True)
    # A final with limited attempts while the lesson is not done: its intro page warns.
    final = build_quiz(
        course, questions=questions, title="Final assessment", max_attempts=2, required_for_completion=True
    )
    learner = UserFactory(email=EMAIL)
    enrollment_create(learner=learner, course=course)
    done = quiz_services.quiz_start(learner=learner, quiz=quiz)
    # Every question answered, so the result lists answers, pairs and feedback.
    quiz_services.attempt_submit(attempt_id=done.pk, learner=learner, data=correct_post(done))
    open_attempt = quiz_services.quiz_start(learner=learner, quiz=quiz)
    return {
        "course": course,
        "lesson": course_lessons(course)[0],
        "quiz": quiz,
        "final": final,
        "attempt": open_attempt,
        "result": done,
    }


def check(page, axe, url: str, name: str, width: int) -> list:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"axe-{name}-{width}.png"), full_page=True)
    return [{"page": name, "width": width, **v} for v in axe(page)]


def test_account_pages_have_no_serious_axe_violations(page, live_server, axe, db):
    found = []
    for width in WIDTHS:
        for name, path in [
            ("signup", "/accounts/signup/"),
            ("login", "/accounts/login/"),
            ("password-reset", "/accounts/password/reset/"),
        ]:
            found += check(page, axe, f"{live_server.url}{path}", name, width)
    assert found == []


def test_learner_pages_have_no_serious_axe_violations(page, live_server, axe, learner_site):
    log_in(page, live_server, EMAIL)
    site = learner_site
    pages = [
        ("home", "/"),
        ("catalogue", "/courses/"),
        ("course", site["course"].url),
        ("lesson", site["lesson"].url),
        ("quiz", site["quiz"].url),
        ("final-guard", site["final"].url),
        ("attempt", f"/learning/attempts/{site['attempt'].pk}/"),
        ("result", f"/learning/attempts/{site['result'].pk}/result/"),
        ("dashboard", "/learning/"),
        ("profile", "/accounts/profile/"),
        ("search", "/search/?q=course"),
        ("email", "/accounts/email/"),
    ]
    found = []
    for width in WIDTHS:
        for name, path in pages:
            found += check(page, axe, f"{live_server.url}{path}", name, width)
        # The confirmation step before a limited final attempt is used (a POST's answer).
        page.goto(f"{live_server.url}{site['final'].url}")
        page.get_by_role("button", name="Start the quiz").click()
        page.get_by_role("heading", name="Start the final assessment?").wait_for()
        page.screenshot(path=str(SCREENSHOTS / f"axe-final-confirm-{width}.png"), full_page=True)
        found += [{"page": "final-confirm", "width": width, **v} for v in axe(page)]
    assert found == []
