"""Content-addressed fragments (training_site/fragments.py): My learning's cards and the
course outline are rendered once per distinct content and never shown stale."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy

from courses.models import Enrollment
from courses.services import enrollment_create, lesson_complete
from tests.factories import course_lessons
from training_site import fragments

pytestmark = pytest.mark.django_db


def test_plain_keeps_plain_values_and_refuses_objects(learner):
    """A fragment's key is made of plain values only: lazy strings become strings, and a
    model instance (whose attributes a template could reach past the key) is refused."""
    day = datetime.date(2026, 12, 3)
    value = {"a": [gettext_lazy("passed"), Decimal("80.5"), day, None, True]}
    assert fragments.plain(value) == {"a": ["passed", Decimal("80.5"), day, None, True]}
    with pytest.raises(TypeError):
        fragments.plain({"user": learner})


def test_dashboard_card_follows_progress_between_visits(learner_client, learner, course):
    """A card rendered on one visit is not shown again after the learner's progress changed."""
    enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    first = learner_client.get("/learning/").content.decode()
    assert f"0 of {len(lessons)} lessons" in first
    lesson_complete(learner=learner, lesson=lessons[0])
    second = learner_client.get("/learning/").content.decode()
    assert f"1 of {len(lessons)} lessons" in second
    assert f"0 of {len(lessons)} lessons" not in second


def test_dashboard_card_is_rendered_once_for_the_same_content(learner_client, learner, course, monkeypatch):
    """A second visit with nothing changed renders no card template; a change renders one."""
    cache.clear()
    enrollment_create(learner=learner, course=course)
    learner_client.get("/learning/")
    rendered = []
    real = fragments.render_to_string
    monkeypatch.setattr(fragments, "render_to_string", lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    learner_client.get("/learning/")
    assert rendered == []
    lesson_complete(learner=learner, lesson=course_lessons(course)[0])
    learner_client.get("/learning/")
    assert rendered == ["content/includes/dashboard_card.html"]


def test_course_outline_ticks_follow_completion(learner_client, learner, course):
    """The outline's ticks change on the next view after a lesson is completed."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    before = learner_client.get(course.url).content.decode()
    assert "(completed)" not in before
    lesson_complete(learner=learner, lesson=lesson)
    after = learner_client.get(course.url).content.decode()
    assert after.count("(completed)") == 1


def test_outline_for_visitor_and_learner_differ(client, learner_client, learner, course):
    """The visitor's outline (titles only) is never served to an enrolled learner (links)."""
    lesson = course_lessons(course)[0]
    assert f'href="{lesson.url}"' not in client.get(course.url).content.decode()
    enrollment_create(learner=learner, course=course)
    assert f'href="{lesson.url}"' in learner_client.get(course.url).content.decode()


def test_key_changes_with_language_and_included_templates():
    """The same values in another language, or after an included template changed, are
    another fragment."""
    context = {"card": 1}
    with translation.override("en"):
        english = fragments._key("content/includes/dashboard_card.html", context)
    with translation.override("es"):
        spanish = fragments._key("content/includes/dashboard_card.html", context)
    assert english != spanish
    sources = fragments._sources("content/includes/dashboard_card.html", set())
    assert any("<progress" in source for source in sources)  # progress_summary.html
    assert any("due-date" in source for source in sources)  # due_date.html


def test_cards_render_when_the_cache_is_down(learner_client, learner, course, monkeypatch):
    """With the fragments' cache unreachable My learning is rendered as without them."""
    enrollment_create(learner=learner, course=course)

    class Broken:
        def get_many(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set_many = get_many

    monkeypatch.setattr(fragments, "cache", Broken())
    html = learner_client.get("/learning/").content.decode()
    assert course.title in html
    assert Enrollment.objects.filter(learner=learner).count() == 1
