"""The quizzes measure reading, not test-taking: cue measures on every GIFT file.

A course whose files are not yet rewritten is marked xfail(strict) with the reason, so the
suite shows it failing and turns red the moment it starts to pass without the marker.
"""

import pytest

from tests.content.quiz_cues import COURSES_DIR, course_cues, final_module_coverage, final_pool

COURSES = sorted(p.name for p in COURSES_DIR.iterdir() if p.is_dir())
NOT_YET_REWRITTEN: dict[str, str] = {}
# The issue asks for final pools of about 30; a course still short of 28 is listed here.
POOL_TOO_SMALL: dict[str, str] = {}
MIN_FINAL_POOL = 28
# Each module holds at least this many questions, and at least twice what an attempt draws
# from it, so two attempts rarely meet the same questions of a module.
MIN_MODULE_POOL = 5


def course_param(name: str):
    if name in NOT_YET_REWRITTEN:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=NOT_YET_REWRITTEN[name]))
    return name


@pytest.mark.parametrize("course", [course_param(name) for name in COURSES])
def test_quiz_cues_are_within_limits(course):
    """Correct option longest/shortest in at most a third of single-choice questions;
    ticking every option of a multiple-response question scores 0 or less; the number of
    wrong options varies; false T/F statements use absolute words no more than true ones
    plus 10 points."""
    cues = course_cues(COURSES_DIR / course)
    assert cues.single_choice and cues.multi_response
    assert cues.problems() == [], cues.summary()


@pytest.mark.parametrize("course", COURSES)
def test_each_final_draws_two_or_more_from_every_module(course):
    """Every module of the course is met in every attempt of its final."""
    coverage = final_module_coverage(COURSES_DIR / course)
    assert coverage and min(coverage.values()) >= 2, coverage


@pytest.mark.parametrize(
    "course",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=POOL_TOO_SMALL[name]))
        if name in POOL_TOO_SMALL
        else name
        for name in COURSES
    ],
)
def test_each_final_pool_is_large_and_every_module_feeds_its_draw(course):
    """A final's pool holds 28+ questions; every module holds 5+ of them and at least twice
    the number each attempt draws from it."""
    size, modules = final_pool(COURSES_DIR / course)
    assert size >= MIN_FINAL_POOL, size
    short = {
        name: (held, drawn)
        for name, (held, drawn) in modules.items()
        if drawn < 2 or held < max(MIN_MODULE_POOL, 2 * drawn)
    }
    assert short == {}, modules


def test_cue_measures_catch_a_cued_quiz(tmp_path):
    """The measures flag the cues they are meant to catch."""
    course = tmp_path / "01-cued"
    course.mkdir()
    (course / "quiz.gift").write_text(
        "::A::Q? {=The long and careful correct answer here#r ~No#w ~Nope#w}\n\n"
        "::B::Q? {=The long and careful correct answer again#r ~No#w ~Nope#w}\n\n"
        "::C::Q? {~%50%a#r ~%50%b#r ~%-50%c#w}\n\n"
        "::D::Q? {~%50%a#r ~%50%b#r ~%-50%c#w}\n\n"
        "::E::This is always the same everywhere. {F}\n\n"
        "::F::A parent calls. {T}\n"
    )
    problems = course_cues(course).problems()
    assert any("longest in 2/2" in p for p in problems)
    assert any("ticking every option" in p for p in problems)
    assert any("1 wrong options" in p for p in problems)
    assert any("absolute words in 1/1" in p for p in problems)
