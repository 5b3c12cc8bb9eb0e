"""The catalogue offers only filters that narrow the list; a visitor's course page says what
completing the course earns."""

import pytest

from tests.factories import build_course, build_quiz, make_questions

pytestmark = pytest.mark.django_db


def _filters(html: str) -> str:
    return html.split('class="tag-filter"')[1].split("</nav>")[0]


def test_catalogue_filters_only_by_competencies_shared_by_courses(client, index):
    build_course(index, title="Listening Well", tags=("communication", "only-one"))
    build_course(index, title="Family Nights", tags=("communication",))
    filters = _filters(client.get("/courses/").content.decode())
    assert "communication" in filters and "only-one" not in filters
    # Reached by its link on a course page, a one-course competency still shows as chosen.
    assert "only-one" in _filters(client.get("/courses/?tag=only-one").content.decode())


def test_visitor_course_page_says_what_completing_earns(client, index):
    course = build_course(index, title="Earnest Course", modules=2, lessons_per_module=1)
    build_quiz(course, questions=make_questions(2), title="Final check", pass_mark=80)
    html = client.get(course.url).content.decode()
    assert "Complete it to earn:" in html and "2 contact hours" in html
    assert "a certificate of completion" in html
    assert "pass “Final check” with at least 80%" in html
    assert "0 of 1 done" not in html and "(1 lesson)" in html
