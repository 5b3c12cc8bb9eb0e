import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Page, Site

from content.curriculum import CURRICULUM_DIR, curriculum_load
from content.models import CurriculumEntry, HomePage
from courses.models import CoursePage, LessonPage

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
