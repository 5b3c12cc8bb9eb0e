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
    from assessments.selectors import draw_candidates

    essays = 0
    for module in modules:
        quiz = QuizPage.objects.child_of(module).live().get()
        questions = [slot.question for slot in quiz.slots.all()]
        assert len(questions) >= 5, quiz.title
        assert len({q.qtype for q in questions}) >= 3, quiz.title
        if quiz.required_for_completion:
            # A required quiz must be graded automatically: a self-directed learner never
            # waits for a grader to complete a course.
            assert "essay" not in {q.qtype for q in questions}, quiz.title
        for question in questions:
            assert question.live and question.grading_errors() == [], question.title
            essays += question.qtype == "essay"
    final = QuizPage.objects.child_of(course).live().get()
    assert final.required_for_completion and final.pass_mark == 80
    slots = list(final.slots.all())
    assert slots and all(slot.is_draw for slot in slots), final.title
    pool = Question.objects.filter(bank__in={slot.bank for slot in slots}, live=True)
    assert pool.count() >= 18 and sum(slot.draw_count for slot in slots) <= pool.count()
    for slot in slots:
        assert draw_candidates(bank_id=slot.bank_id, tag=slot.tag).count() >= slot.draw_count, slot.tag
    assert not pool.filter(qtype="essay").exists(), "finals stay automatically graded"
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
    for phrase in ("GED", "Inform USA", "Community Resource Specialist (CRS)", "family night"):
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

    # The pathway page: five steps in order, each linking live courses or lessons; the
    # home page leads to it; the seeded role follows the pathway course.
    from content.models import PathwayPage
    from training_site.readiness.models import TargetRole

    page = PathwayPage.objects.get()
    assert (page.title, page.url) == ("Your pathway to the liaison role", "/pathway/")
    assert [b.value["step"] for b in page.steps] == [
        "education",
        "experience",
        "certifications",
        "training",
        "skills",
    ]
    assert all(b.value.live_links() for b in page.steps)
    assert 'href="/pathway/"' in client.get("/").content.decode()
    assert client.get("/pathway/").status_code == 200
    role = TargetRole.objects.get(title="School Community Liaison (typical requirements)")
    assert role.eligibility_note.startswith("Example — not any employer's or issuer's rule")
    training = role.requirements.filter(step="training", importance="required")
    assert sorted(r.courses.get().slug for r in training) == sorted(SKILL_COURSES)
    assert set(role.requirements.filter(step="certifications").values_list("importance", flat=True)) == {
        "recommended"
    }


PROTECTING_MODULE = "rtl-m5-protecting"
# What a lesson mentions -> the lesson of "Protecting Students and Families" it must link to.
LINK_RULES = {
    "records": (
        r"\b(student records?|education records?|FERPA|records? (about|of) (a )?student)",
        "rtl-m5-l1-records-and-privacy",
    ),
    "reporting": (
        r"\b(mandated report\w*|report\w* (suspected )?(abuse|neglect)|duty to report"
        r"|reporting (concerns|rules|requirements|duty|duties))",
        "rtl-m5-l2-safety-and-reporting",
    ),
    "interpreters": (r"\binterpret(er|ers|ing)\b", "rtl-m5-l4-language-access"),
    "immigration status": (r"\bimmigra\w+", "rtl-m5-l3-housing-and-immigration"),
    "housing": (r"\b(housing|homeless\w*|lost (their|the) apartment)", "rtl-m5-l3-housing-and-immigration"),
}


def linked_page_ids(lesson: LessonPage) -> set[int]:
    ids = set()
    for block in lesson.body:
        value = block.value
        sources = []
        if block.block_type == "text":
            sources.append(value.source)
        elif block.block_type == "callout":
            sources.append(value["text"].source)
        elif block.block_type == "scenario":
            sources.append(value["situation"].source)
        for source in sources:
            ids.update(int(i) for i in re.findall(r'linktype="page" id="(\d+)"', source))
    return ids


@pytest.mark.django_db
def test_protecting_module_depth_quiz_and_links(client, settings):
    """The pathway's "Protecting Students and Families" module has 3+ lessons of 400+ words,
    each with a scenario and a reflection; its quiz is a module quiz like the others and the
    required final draws from it; and every lesson elsewhere that mentions records,
    reporting, interpreters, immigration or housing links to the matching lesson of it."""
    from assessments.models import QuizPage
    from content.models import CurriculumEntry

    settings.COURSE_COMPLETION_HANDLERS = []
    curriculum_load()
    module = CurriculumEntry.objects.get(key=PROTECTING_MODULE).page.specific
    pathway = CoursePage.objects.get(slug=PATHWAY)
    assert module.get_parent().pk == pathway.pk
    lessons = list(LessonPage.objects.child_of(module).live())
    assert len(lessons) >= 3
    for lesson in lessons:
        types = {block.block_type for block in lesson.body}
        assert {"scenario", "reflection", "takeaways", "heading", "callout"} <= types, lesson.title
        assert word_count(lesson) >= 400, (lesson.title, word_count(lesson))
    text = " ".join(block_text(b) for lesson in lessons for b in lesson.body)
    for law in (
        "FERPA",
        "McKinney-Vento",
        "Title VI",
        "Equal Educational Opportunities Act",
        "Individuals with Disabilities Education Act",
        "Section 504",
        "Plyler v. Doe",
        "as of 2026",
        "counsel",
    ):
        assert law in text, law
    quiz = QuizPage.objects.child_of(module).live().get()
    # Unlike the other module quizzes, the legal floor must be passed to complete the course.
    assert quiz.required_for_completion is True
    final = QuizPage.objects.child_of(pathway).live().get()
    assert final.required_for_completion
    assert sum(slot.draw_count for slot in final.slots.all() if slot.tag == "module-5") >= 2

    targets = {key: CurriculumEntry.objects.get(key=key).page_id for _rx, key in LINK_RULES.values()}
    missing = []
    for lesson in LessonPage.objects.live().exclude(pk__in=[lesson.pk for lesson in lessons]):
        text = " ".join(block_text(b) for b in lesson.body)
        links = linked_page_ids(lesson)
        for topic, (pattern, key) in LINK_RULES.items():
            if re.search(pattern, text, re.IGNORECASE) and targets[key] not in links:
                missing.append((lesson.title, topic))
    assert missing == []
    learner = UserFactory()
    enrollment_create(learner=learner, course=pathway)
    client.force_login(learner)
    html = client.get(lessons[0].url).content.decode()
    assert f'href="{lessons[2].url}"' in html  # a page link resolved by key renders as a URL
