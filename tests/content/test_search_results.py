"""Search results name each lesson's course and show a snippet; an empty search says so."""

import pytest

from tests.factories import build_course

pytestmark = pytest.mark.django_db


def test_lesson_results_name_the_course_and_show_a_snippet(client, index):
    build_course(
        index,
        title="Family Nights",
        modules=1,
        lessons_per_module=1,
        body_words="Welcome every zeppelin family.",
    )
    build_course(index, title="Quiet Course", modules=1, lessons_per_module=1, body_words="Nothing here.")
    html = client.get("/search/", {"q": "zeppelin"}).content.decode()
    assert "in Family Nights" in html and "Quiet Course" not in html
    assert '<p class="snippet">' in html and "Welcome every zeppelin family." in html


def test_an_empty_search_says_what_to_type(client, index):
    html = client.get("/search/", {"q": "  "}).content.decode()
    assert "Type a word or two" in html


def test_lesson_results_cost_the_same_queries_for_one_course_or_three(
    client, index, django_assert_max_num_queries
):
    """The course of every lesson found comes from one query, not one per lesson."""
    build_course(index, title="First", modules=1, lessons_per_module=1, body_words="zeppelin one")
    client.get("/search/", {"q": "zeppelin"})  # Wagtail caches the site's root paths on first use
    with django_assert_max_num_queries(30) as one:
        client.get("/search/", {"q": "zeppelin"})
    for n in range(2):
        build_course(index, title=f"More {n}", modules=2, lessons_per_module=2, body_words="zeppelin more")
    with django_assert_max_num_queries(30) as many:
        html = client.get("/search/", {"q": "zeppelin"}).content.decode()
    assert html.count('class="snippet"') == 9
    assert len(many.captured_queries) == len(one.captured_queries)
