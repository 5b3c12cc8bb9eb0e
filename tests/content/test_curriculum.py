"""One smoke test of the real curriculum: it loads, is idempotent, has the promised
structure, and every lesson renders."""

import re

import pytest
from django.utils.html import strip_tags

from content.curriculum import curriculum_load
from courses.models import CoursePage, LessonPage, ModulePage
from courses.services import enrollment_create
from tests.factories import UserFactory

PATHWAY = "road-to-liaison"
SKILL_COURSES = ("conflict-resolution", "cultural-competency", "community-engagement")


def block_text(block) -> str:
    value = block.value
    kind = block.block_type
    if kind == "text":
        return strip_tags(value.source)
    if kind == "heading":
        return str(value)
    if kind == "callout":
        return f"{value['title']} {strip_tags(value['text'].source)}"
    if kind == "scenario":
        return " ".join([value["title"], strip_tags(value["situation"].source), *value["questions"]])
    if kind == "reflection":
        return value["prompt"]
    if kind == "takeaways":
        return " ".join(value["items"])
    return ""


def word_count(lesson: LessonPage) -> int:
    return sum(len(re.findall(r"\w+(?:['’-]\w+)*", block_text(block))) for block in lesson.body)


def check_quizzes(course: CoursePage, modules: list[ModulePage]) -> int:
    """Every module has a quiz of 5+ questions in 3+ types; the course has a required final
    drawn from a pool of 15+ with an 80% pass mark. Returns the number of rubric essays."""
    from assessments.models import Question, QuizPage

    essays = 0
    for module in modules:
        quiz = QuizPage.objects.child_of(module).live().get()
        questions = [slot.question for slot in quiz.slots.all()]
        assert len(questions) >= 5, quiz.title
        assert len({q.qtype for q in questions}) >= 3, quiz.title
        assert not quiz.required_for_completion
        for question in questions:
            assert question.live and question.grading_errors() == [], question.title
            essays += question.qtype == "essay"
    final = QuizPage.objects.child_of(course).live().get()
    assert final.required_for_completion and final.pass_mark == 80
    (slot,) = final.slots.all()
    pool = Question.objects.filter(bank=slot.bank, live=True)
    assert pool.count() >= 15 and slot.draw_count <= pool.count()
    assert not pool.filter(qtype="essay").exists()
    return essays


def check_course(course: CoursePage, *, min_modules: int, min_words: int) -> list[LessonPage]:
    modules = list(ModulePage.objects.child_of(course).live())
    assert len(modules) >= min_modules, course.title
    assert course.tags.exists() and course.contact_hours > 0 and course.summary
    assert len(course.outcomes) >= 3
    lessons = []
    for module in modules:
        module_lessons = list(LessonPage.objects.child_of(module).live())
        assert len(module_lessons) >= 2, module.title
        kinds = {block.block_type for lesson in module_lessons for block in lesson.body}
        assert {"scenario", "reflection"} <= kinds, module.title
        for lesson in module_lessons:
            types = [block.block_type for block in lesson.body]
            assert "takeaways" in types, lesson.title
            assert "quote" not in types, f"{lesson.title}: no quotations in the curriculum"
            assert word_count(lesson) >= min_words, (lesson.title, word_count(lesson))
        lessons.extend(module_lessons)
    course.rubric_essays = check_quizzes(course, modules)
    return lessons


@pytest.mark.django_db
def test_curriculum_loads_with_promised_structure_and_renders(client, settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    report = curriculum_load()
    assert report.created
    again = curriculum_load()
    assert again.created == [] and again.updated == []

    courses = {course.slug: course for course in CoursePage.objects.live()}
    assert set(courses) >= {PATHWAY, *SKILL_COURSES}
    pathway = courses[PATHWAY]
    assert pathway.title == "The Road to Becoming a School Community Liaison"
    lessons = check_course(pathway, min_modules=3, min_words=300)
    pathway_text = " ".join(block_text(b) for lesson in lessons for b in lesson.body)
    for phrase in ("GED", "CCRS", "Certified Parent Educator", "family night"):
        assert phrase.lower() in pathway_text.lower(), phrase
    for lesson in lessons:
        assert {"scenario", "reflection"} & {b.block_type for b in lesson.body}, lesson.title

    for slug in SKILL_COURSES:
        course = courses[slug]
        lessons += check_course(course, min_modules=4, min_words=400)
        assert course.rubric_essays >= 1, course.title
        assert not CoursePage.objects.filter(required_by=course).exists()
        assert list(CoursePage.objects.filter(recommended_by=course)) == [pathway]

    learner = UserFactory()
    for course in courses.values():
        enrollment_create(learner=learner, course=course)
    client.force_login(learner)
    for lesson in lessons:
        response = client.get(lesson.url)
        assert response.status_code == 200, lesson.url
    for course in courses.values():
        assert "Recommended" in client.get(course.url).content.decode() or course.slug == PATHWAY
    from assessments.models import QuizPage

    for quiz in QuizPage.objects.live():
        assert client.get(quiz.url).status_code == 200, quiz.url
