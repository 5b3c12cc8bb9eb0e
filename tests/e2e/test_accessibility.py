"""axe-core on every learner page and the sign-up, log-in and reset pages, at 1280 and 375 px:
no serious or critical violation. Screenshots of each go to var/screenshots/axe-*.png."""

import pytest

from assessments.services import attempts as quiz_services
from courses.models import ModulePage
from courses.services import enrollment_create
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
    quiz = build_quiz(module, questions=make_questions(3), time_limit_minutes=20)
    learner = UserFactory(email=EMAIL)
    enrollment_create(learner=learner, course=course)
    done = quiz_services.quiz_start(learner=learner, quiz=quiz)
    quiz_services.attempt_submit(attempt_id=done.pk, learner=learner)
    open_attempt = quiz_services.quiz_start(learner=learner, quiz=quiz)
    return {
        "course": course,
        "lesson": course_lessons(course)[0],
        "quiz": quiz,
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
    assert found == []
