import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Page, Site

from content.curriculum import CURRICULUM_DIR, CurriculumError, curriculum_load
from content.models import CurriculumEntry, HomePage
from courses.models import CoursePage, LessonPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LESSON = {
    "key": "t-m1-l1",
    "title": "Listening First",
    "minutes": 10,
    "tags": ["listening"],
    "body": [
        {"type": "text", "value": "Start by **listening** to the family."},
        {"type": "reflection", "prompt": "When did someone listen to you?"},
        {"type": "takeaways", "items": ["Listen first."]},
    ],
}


@pytest.fixture
def mini_curriculum(tmp_path) -> Path:
    """A one-course curriculum beside a copy of the real site.yaml."""
    root = tmp_path / "curriculum"
    (root / "courses" / "01-test" / "01-mod").mkdir(parents=True)
    shutil.copy(CURRICULUM_DIR / "site.yaml", root / "site.yaml")
    course = {
        "key": "course-test",
        "title": "Test Course",
        "slug": "test-course",
        "summary": "A course.",
        "outcomes": ["Listen"],
        "hours": 1,
        "tags": ["listening"],
        "prerequisites": [],
        "recommended": [],
    }
    (root / "courses" / "01-test" / "course.yaml").write_text(yaml.safe_dump(course))
    (root / "courses" / "01-test" / "01-mod" / "module.yaml").write_text(
        yaml.safe_dump({"key": "t-m1", "title": "Module One", "summary": "First."})
    )
    write_lesson(root, LESSON)
    return root


def write_lesson(root: Path, data: dict) -> None:
    (root / "courses" / "01-test" / "01-mod" / "01-listening.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True)
    )


def test_loader_builds_site_and_is_idempotent(mini_curriculum):
    """Running twice gives the same pages and no duplicates."""
    first = curriculum_load(root=mini_curriculum)
    assert "t-m1-l1" in first.created
    pages_after_first = Page.objects.count()
    second = curriculum_load(root=mini_curriculum)
    assert second.created == [] and second.updated == []
    assert Page.objects.count() == pages_after_first
    assert LessonPage.objects.filter(title="Listening First").count() == 1
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    lesson = LessonPage.objects.get()
    assert "<strong>listening</strong>" in lesson.body[0].value.source
    assert lesson.url == "/courses/test-course/mod/listening/"


def test_loader_keeps_a_coordinators_edit(mini_curriculum):
    """A page edited in Wagtail since it was loaded is left alone, even with --update."""
    curriculum_load(root=mini_curriculum)
    lesson = LessonPage.objects.get()
    lesson.title = "Listening First (district version)"
    lesson.save_revision().publish()
    write_lesson(mini_curriculum, {**LESSON, "title": "Listening, Revised"})
    report = curriculum_load(root=mini_curriculum, update=True)
    assert "t-m1-l1" in report.kept_edits
    assert LessonPage.objects.get().title == "Listening First (district version)"


def test_update_publishes_changed_sources_only_when_asked(mini_curriculum):
    """Without --update a changed file is ignored; with it a new revision is published."""
    curriculum_load(root=mini_curriculum)
    write_lesson(mini_curriculum, {**LESSON, "title": "Listening, Revised"})
    curriculum_load(root=mini_curriculum)
    assert LessonPage.objects.get().title == "Listening First"
    report = curriculum_load(root=mini_curriculum, update=True)
    assert report.updated == ["t-m1-l1"]
    lesson = LessonPage.objects.get()
    assert lesson.title == "Listening, Revised"
    assert lesson.live and not lesson.has_unpublished_changes
    assert CurriculumEntry.objects.get(key="t-m1-l1").revision_id == lesson.latest_revision_id


def test_reflection_block_ids_survive_an_update(mini_curriculum):
    """Block ids are derived from the key, so learners' notes stay attached after --update."""
    curriculum_load(root=mini_curriculum)
    before = LessonPage.objects.get().reflection_block_ids
    write_lesson(mini_curriculum, {**LESSON, "title": "Listening, Revised"})
    curriculum_load(root=mini_curriculum, update=True)
    assert LessonPage.objects.get().reflection_block_ids == before


def test_bad_source_names_the_file_and_changes_nothing(mini_curriculum):
    """A malformed lesson aborts the whole load with the file named; no page is created."""
    write_lesson(mini_curriculum, {**LESSON, "body": [{"type": "banner", "value": "x"}]})
    pages_before = Page.objects.count()
    with pytest.raises(CommandError, match=r"01-listening\.yaml: block 1 has unknown type 'banner'"):
        call_command("load_curriculum", root=str(mini_curriculum))
    assert Page.objects.count() == pages_before
    assert not CurriculumEntry.objects.exists()


def test_search_finds_a_lesson_by_a_word_in_its_body(client, mini_curriculum):
    """Site search matches words inside lesson StreamField blocks."""
    curriculum_load(root=mini_curriculum)
    html = client.get("/search/", {"q": "family"}).content.decode()
    assert "Listening First" in html
    html = client.get("/search/", {"q": "zeppelin"}).content.decode()
    assert "No lessons found" in html


def test_course_links_prerequisites_by_key(mini_curriculum):
    """prerequisites and recommended name other courses by key."""
    second = mini_curriculum / "courses" / "02-next"
    (second / "01-mod").mkdir(parents=True)
    data = yaml.safe_load((mini_curriculum / "courses" / "01-test" / "course.yaml").read_text())
    data.update(key="course-next", title="Next", slug="next", prerequisites=["course-test"])
    (second / "course.yaml").write_text(yaml.safe_dump(data))
    (second / "01-mod" / "module.yaml").write_text(yaml.safe_dump({"key": "n-m1", "title": "M"}))
    curriculum_load(root=mini_curriculum)
    nxt = CoursePage.objects.get(slug="next")
    assert list(CoursePage.objects.filter(required_by=nxt)) == [CoursePage.objects.get(slug="test-course")]


QUIZ_GIFT = """$CATEGORY: test/quiz

// [tag:module-1]
::Listening first::A parent starts shouting. What do you do first? {
=Listen and name the concern#Right: naming it lowers the heat.
~Explain the policy at once#Not yet: explain after the parent feels heard.
}

// [tag:module-1]
::Naming the concern::Saying back what a parent said is called reflective listening. {T#Right.#It is.}

// [tag:module-2]
::Following up::After a meeting, who sends the written summary? {
=The person who agreed to at the meeting#Right.
~Nobody; everyone remembers#Not so: memories differ.
}
"""


def write_quiz(root: Path, *, gift: str = QUIZ_GIFT, **settings) -> None:
    data = {
        "key": "t-final",
        "title": "Final",
        "bank": "test/final",
        "pass_mark": 80,
        "required": True,
        **settings,
    }
    (root / "courses" / "01-test" / "final.yaml").write_text(yaml.safe_dump(data))
    (root / "courses" / "01-test" / "final.gift").write_text(gift)


def test_quiz_draws_several_slots_by_tag(mini_curriculum):
    """``draws`` builds one random-draw slot per entry, each limited to its tag."""
    from assessments.models import QuizPage

    write_quiz(mini_curriculum, draws=[{"count": 2, "tag": "module-1"}, {"count": 1, "tag": "module-2"}])
    curriculum_load(root=mini_curriculum)
    quiz = QuizPage.objects.get()
    slots = [(slot.bank.path, slot.draw_count, slot.tag) for slot in quiz.slots.all()]
    assert slots == [("test/final", 2, "module-1"), ("test/final", 1, "module-2")]
    tags = {q.title: sorted(t.name for t in q.tags.all()) for q in quiz.slots.first().bank.questions.all()}
    assert tags == {
        "Listening first": ["module-1"],
        "Naming the concern": ["module-1"],
        "Following up": ["module-2"],
    }


def test_a_draw_larger_than_its_tagged_pool_is_refused(mini_curriculum):
    """A draw asking for more questions than match its tag names the file and the draw."""
    write_quiz(mini_curriculum, draws=[{"count": 2, "tag": "module-2"}])
    with pytest.raises(CommandError, match=r"final\.yaml: draw 1 asks for 2 questions but only 1 match"):
        call_command("load_curriculum", root=str(mini_curriculum))


def test_update_keeps_an_edited_question_and_lists_it_with_its_correction(mini_curriculum):
    """--update re-imports changed questions but leaves a coordinator's edit alone, and the
    report marks a kept question whose new source carries a correction."""
    from assessments.models import Question

    write_quiz(mini_curriculum, draws=[{"count": 3}])
    curriculum_load(root=mini_curriculum)
    edited = Question.objects.get(title="Following up")
    edited.stem = "<p>District wording</p>"
    edited.save_revision(user=UserFactory()).publish()
    write_quiz(
        mini_curriculum,
        gift=QUIZ_GIFT.replace("What do you do first?", "What comes first?").replace(
            "who sends", "who should send"
        ),
        draws=[{"count": 3}],
        corrections={"Following up": "The key now names the person who agreed to write it."},
    )
    report = curriculum_load(root=mini_curriculum, update=True)
    assert report.kept_questions == ["test/final / Following up"]
    assert "What comes first?" in Question.objects.get(title="Listening first").stem
    assert Question.objects.get(title="Following up").stem == "<p>District wording</p>"
    (line,) = report.kept_lines()
    assert "Following up" in line and "CORRECTION" in line and "person who agreed" in line


def test_kept_page_with_a_correction_is_marked_in_the_report(mini_curriculum):
    """A kept lesson whose new source has ``correction:`` is listed with the note."""
    curriculum_load(root=mini_curriculum)
    lesson = LessonPage.objects.get()
    lesson.title = "Listening First (district version)"
    lesson.save_revision().publish()
    write_lesson(mini_curriculum, {**LESSON, "title": "Listening, Revised", "correction": "Fixes the law."})
    report = curriculum_load(root=mini_curriculum, update=True)
    assert report.corrections == {"t-m1-l1": "Fixes the law."}
    assert report.kept_lines() == ["  kept edited page: t-m1-l1  [CORRECTION to merge: Fixes the law.]"]
    out = StringIO()
    call_command("load_curriculum", root=str(mini_curriculum), update=True, stdout=out)
    assert "kept edited page: t-m1-l1  [CORRECTION to merge: Fixes the law.]" in out.getvalue()


def test_questions_dropped_from_the_source_are_retired_on_update(mini_curriculum):
    """A question removed from the GIFT file stops being drawn after --update."""
    from assessments.models import Question

    write_quiz(mini_curriculum, draws=[{"count": 2}])
    curriculum_load(root=mini_curriculum)
    write_quiz(mini_curriculum, gift=QUIZ_GIFT.split("// [tag:module-2]")[0], draws=[{"count": 2}])
    report = curriculum_load(root=mini_curriculum, update=True)
    assert report.retired_questions == ["test/final / Following up"]
    assert not Question.objects.get(title="Following up").live
    assert Question.objects.get(title="Listening first").live


def test_an_edited_question_dropped_from_the_source_is_kept_and_listed(mini_curriculum):
    """A question a coordinator edited stays live when the source drops it, and --update
    lists it, saying the source no longer has it, so the coordinator can decide."""
    from assessments.models import Question

    write_quiz(mini_curriculum, draws=[{"count": 2}])
    curriculum_load(root=mini_curriculum)
    edited = Question.objects.get(title="Following up")
    edited.stem = "<p>District wording</p>"
    edited.save_revision(user=UserFactory()).publish()
    write_quiz(mini_curriculum, gift=QUIZ_GIFT.split("// [tag:module-2]")[0], draws=[{"count": 1}])
    report = curriculum_load(root=mini_curriculum, update=True)
    assert report.retired_questions == []
    assert Question.objects.get(title="Following up").live
    (line,) = report.kept_lines()
    assert line == "  kept edited question: test/final / Following up  [no longer in the source]"


def test_page_links_resolve_by_key_even_to_pages_built_later(mini_curriculum):
    """``[text](page:<key>)`` becomes a Wagtail page link, also to a page created after the
    linking lesson in the same load; an unknown key aborts the load."""
    later = mini_curriculum / "courses" / "01-test" / "02-later"
    later.mkdir()
    (later / "module.yaml").write_text(yaml.safe_dump({"key": "t-m2", "title": "Later"}))
    (later / "01-records.yaml").write_text(
        yaml.safe_dump({**LESSON, "key": "t-m2-l1", "title": "Records", "slug": "records"})
    )
    linking = {
        **LESSON,
        "body": [{"type": "text", "value": "See [records](page:t-m2-l1)."}, *LESSON["body"][1:]],
    }
    write_lesson(mini_curriculum, linking)
    report = curriculum_load(root=mini_curriculum)
    target = LessonPage.objects.get(slug="records")
    lesson = LessonPage.objects.get(slug="listening")
    assert f'linktype="page" id="{target.pk}"' in lesson.body[0].value.source
    assert 'href="/courses/test-course/later/records/"' in str(lesson.body[0].value)
    assert report.created.count("t-m1-l1") == 1 and "t-m1-l1" not in report.updated
    assert curriculum_load(root=mini_curriculum).updated == []
    linking["body"][0]["value"] = "See [nothing](page:t-missing)."
    write_lesson(mini_curriculum, linking)
    with pytest.raises(
        CurriculumError, match=r"01-listening\.yaml: links to unknown curriculum key\(s\) t-missing"
    ):
        curriculum_load(root=mini_curriculum, update=True)


def test_completed_learners_keep_completion_and_certificate_after_an_update(mini_curriculum):
    """Load, complete the course, add a module with a required quiz, --update: the completed
    enrollment and its certificate stay; a learner in progress now has the new lesson left."""
    from certificates.models import Certificate
    from courses.models import Enrollment
    from courses.progress import progress_for_enrollments
    from courses.services import enrollment_create, lesson_complete

    curriculum_load(root=mini_curriculum)
    course = CoursePage.objects.get()
    done, midway = UserFactory(), UserFactory()
    finished = enrollment_create(learner=done, course=course)
    in_progress = enrollment_create(learner=midway, course=course)
    lesson_complete(learner=done, lesson=LessonPage.objects.get())
    finished.refresh_from_db()
    assert finished.is_completed
    assert Certificate.objects.filter(enrollment=finished).count() == 1

    new_module = mini_curriculum / "courses" / "01-test" / "02-protecting"
    new_module.mkdir()
    (new_module / "module.yaml").write_text(yaml.safe_dump({"key": "t-m2", "title": "Protecting"}))
    (new_module / "01-records.yaml").write_text(
        yaml.safe_dump({**LESSON, "key": "t-m2-l1", "title": "Records", "slug": "records"})
    )
    write_quiz(mini_curriculum, draws=[{"count": 2, "tag": "module-1"}, {"count": 1, "tag": "module-2"}])
    report = curriculum_load(root=mini_curriculum, update=True)
    assert {"t-m2-l1", "t-final"} <= set(report.created)

    finished.refresh_from_db()
    assert finished.is_completed
    assert Certificate.objects.filter(enrollment=finished).count() == 1
    in_progress.refresh_from_db()
    assert not in_progress.is_completed
    assert not in_progress.lesson_progress.exists()
    enrollment = Enrollment.objects.select_related("course").get(pk=in_progress.pk)
    progress = progress_for_enrollments([enrollment])[enrollment.pk]
    assert (progress.lessons_total, progress.activities_total) == (2, 1)


PATHWAY = {
    "page": {
        "key": "site-pathway",
        "title": "Your pathway to the liaison role",
        "slug": "pathway",
        "intro": "The road.",
        "steps": [
            {
                "step": "training",
                "heading": "Training",
                "text": "Take the course.",
                "requirements": ["Listening"],
                "links": ["course-test", "t-m1-l1"],
            }
        ],
    },
    "role": {
        "key": "role-test",
        "title": "Test Liaison (typical requirements)",
        "eligibility_note": "Example — not any employer's or issuer's rule.",
        "eligibility": {"high_school": 2, "bachelor": 0},
        "requirements": [
            {"step": "education", "label": "Diploma", "minimum_level": "high_school"},
            {"step": "training", "label": "Test Course", "courses": ["course-test"]},
            {
                "step": "skills",
                "label": "Listening",
                "skill": "Listening",
                "skill_level": 3,
                "accepted": ["listening"],
            },
        ],
    },
}


def test_pathway_page_and_seeded_role_are_built_once_and_edits_kept(mini_curriculum, client):
    from content.models import PathwayPage
    from training_site.readiness.models import TargetRole

    (mini_curriculum / "pathway.yaml").write_text(yaml.safe_dump(PATHWAY, allow_unicode=True))
    report = curriculum_load(root=mini_curriculum)
    assert {"site-pathway", "role-test"} <= set(report.created)
    page = PathwayPage.objects.get()
    assert page.get_parent().specific_class is HomePage and page.url == "/pathway/"
    [step] = page.steps
    assert [title for title, _url in step.value.live_links()] == ["Test Course", "Listening First"]
    html = client.get("/pathway/").content.decode()
    assert "Take the course." in html and 'href="/courses/test-course/"' in html
    role = TargetRole.objects.get(source_key="role-test")
    assert role.live and [r.step for r in role.requirements.all()] == ["education", "training", "skills"]
    assert list(role.requirements.get(step="training").courses.values_list("title", flat=True)) == [
        "Test Course"
    ]
    assert dict(role.eligibility_rows.values_list("education_level", "years_required")) == {
        "high_school": 2,
        "bachelor": 0,
    }

    # A coordinator edits both; a reload with changed sources leaves them alone.
    page.title = "Our district's road"
    page.save_revision(user=UserFactory()).publish()
    role.title = "Edited role"
    role.save()
    changed = {**PATHWAY, "page": {**PATHWAY["page"], "intro": "Changed."}}
    (mini_curriculum / "pathway.yaml").write_text(yaml.safe_dump(changed, allow_unicode=True))
    again = curriculum_load(root=mini_curriculum, update=True)
    assert "site-pathway" in again.kept_edits and "role-test" in again.unchanged
    assert PathwayPage.objects.get().title == "Our district's road"
    assert TargetRole.objects.get().title == "Edited role"


def test_pathway_link_to_an_unknown_key_names_the_file(mini_curriculum):
    broken = {"page": {**PATHWAY["page"], "steps": [{**PATHWAY["page"]["steps"][0], "links": ["nope"]}]}}
    (mini_curriculum / "pathway.yaml").write_text(yaml.safe_dump(broken))
    with pytest.raises(CurriculumError, match="pathway.yaml: step 1 links to unknown curriculum key 'nope'"):
        curriculum_load(root=mini_curriculum)
