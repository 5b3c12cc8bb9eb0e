"""The anonymous page cache, the cached site and routing keep their meaning
(training_site/page_cache.py, training_site/routing.py)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageViewRestriction

from content.models import StandardPage
from courses.services import enrollment_create
from tests.factories import UserFactory, course_lessons

pytestmark = pytest.mark.django_db


def get(client, url: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def publish(page, **changes):
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_a_visitors_repeat_hit_costs_no_query(client, tree, index, course):
    home, _ = tree
    for url in (course.url, index.url, home.url):
        first, first_queries = get(client, url)
        again, queries = get(client, url)
        assert first.status_code == again.status_code == 200
        assert first_queries > 0
        assert queries == 0, url
        assert again.content == first.content
        assert "Cookie" in again["Vary"]
        assert again["ETag"] and again["Last-Modified"]
        assert "max-age=0" in again["Cache-Control"]


def test_a_conditional_get_is_answered_304_from_the_cache(client, course):
    etag = client.get(course.url)["ETag"]
    response, queries = get(client, course.url, if_none_match=etag)
    assert response.status_code == 304
    assert queries == 0
    assert get(client, course.url, if_none_match='"something-else"')[0].status_code == 200


@pytest.mark.parametrize("what", ["lesson", "module", "course"])
def test_publishing_refreshes_the_course_page_catalogue_and_home(client, tree, index, course, what):
    home, _ = tree
    lesson = course_lessons(course)[0]
    page = {"lesson": lesson, "module": lesson.get_parent().specific, "course": course}[what]
    urls = (course.url, index.url, home.url)
    for url in urls:
        client.get(url)
    publish(page, title=f"Renamed {what} title")
    for url in urls:
        response, queries = get(client, url)
        assert queries > 0, f"{url} was served from the cache after the {what} was published"
    assert b"Renamed" in client.get(course.url).content
    if what == "course":
        assert b"Renamed course title" in client.get(index.url).content
        assert b"Renamed course title" in client.get(home.url).content


@pytest.mark.parametrize("what", ["lesson", "module", "course"])
def test_unpublishing_refreshes_the_course_page_catalogue_and_home(client, tree, index, course, what):
    home, _ = tree
    lesson = course_lessons(course)[0]
    page = {"lesson": lesson, "module": lesson.get_parent().specific, "course": course}[what]
    shown = page.title.encode()
    for url in (course.url, index.url, home.url):
        client.get(url)
    page.unpublish()
    if what == "course":
        assert client.get(course.url).status_code == 404
        assert shown not in client.get(index.url).content
        assert shown not in client.get(home.url).content
    else:
        assert shown not in client.get(course.url).content
        assert get(client, index.url)[1] > 0
        assert get(client, home.url)[1] > 0


def test_a_view_restricted_page_is_never_served_from_the_cache(client, course):
    client.get(course.url)
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    for _ in range(2):
        response, queries = get(client, course.url)
        assert response.status_code == 302  # to the login page, not the cached course
        assert queries > 0


def test_a_page_under_a_restricted_ancestor_is_not_cached(client, index, course):
    PageViewRestriction.objects.create(
        page=index, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    for _ in range(2):
        response, queries = get(client, course.url)
        assert response.status_code == 200  # Wagtail's password form
        assert queries > 0
        assert course.summary.encode() not in response.content


def test_a_draft_is_never_served_from_the_cache(client, course):
    client.get(course.url)
    course.title = "Draft title only editors see"
    course.save_revision()
    response, queries = get(client, course.url)
    assert b"Draft title only editors see" not in response.content
    draft = StandardPage(title="Never published", slug="never", live=False)
    course.get_parent().get_parent().add_child(instance=draft)
    for _ in range(2):
        assert client.get("/never/").status_code == 404


def test_a_page_under_an_unpublished_parent_is_not_cached(client, tree):
    home, _ = tree
    parent = home.add_child(instance=StandardPage(title="Parent", slug="parent"))
    child = parent.add_child(instance=StandardPage(title="Child", slug="child", intro="Child intro"))
    parent.unpublish()
    for _ in range(2):
        response, queries = get(client, child.url)
        # Wagtail still routes to a live page under an unpublished parent; it is never shared.
        assert response.status_code == 200
        assert queries > 0


def test_signed_in_responses_are_never_cached_for_anyone_else(client, learner, course):
    enrollment_create(learner=learner, course=course)
    signed_in = Client()
    signed_in.force_login(learner)
    own = signed_in.get(course.url)
    assert b"Your progress" in own.content
    assert "private" in own["Cache-Control"]
    visitor = client.get(course.url)
    assert b"Your progress" not in visitor.content
    assert b"Sign in to enroll" in visitor.content
    other = Client()
    other.force_login(UserFactory())
    response, queries = get(other, course.url)
    assert queries > 0
    assert b"Your progress" not in response.content
    assert b"Enroll" in response.content
    again, queries = get(signed_in, course.url)
    assert queries > 0 and b"Your progress" in again.content


def test_a_visitor_with_a_session_cookie_is_not_served_the_shared_page(client, course):
    client.get(course.url)
    client.cookies["sessionid"] = "not-a-session"
    assert get(client, course.url)[1] > 0


def test_aliases_and_redirects_still_resolve(client, tree):
    home, _ = tree
    original = home.add_child(instance=StandardPage(title="About", slug="about", intro="About us"))
    alias = original.create_alias(update_slug="about-alias")
    Redirect.objects.create(old_path="/old-about", redirect_page=original)
    for _ in range(2):
        assert b"About us" in client.get(alias.url).content
        response = client.get("/old-about/")
        assert response.status_code in (301, 302) and response["Location"].endswith(original.url)
        assert client.get("/no-such-page/").status_code == 404
    publish(original, intro="About us, revised")
    assert b"About us, revised" in client.get(alias.url).content


def test_routing_takes_a_fixed_number_of_queries_whatever_the_depth(tree):
    """One query for the pages on the way and one for the page itself, at depth 3 and 6."""
    home, _ = tree
    shallow = home.add_child(instance=StandardPage(title="One", slug="one"))
    deep = shallow
    for n in range(4):
        deep = deep.add_child(instance=StandardPage(title=f"Level {n}", slug=f"level-{n}"))
    home = Page.objects.get(pk=home.pk).specific
    counts = []
    for page in (shallow, deep):
        components = [part for part in page.url.split("/") if part]
        with CaptureQueriesContext(connection) as queries:
            routed = home.route(None, components)
        assert routed.page.pk == page.pk
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2


def test_the_site_comes_from_the_cache_on_later_requests(learner_client, learner, course):
    enrollment_create(learner=learner, course=course)
    learner_client.get(course.url)
    with CaptureQueriesContext(connection) as queries:
        assert learner_client.get(course.url).status_code == 200
    # Wagtail read the site we gave it in request._wagtail_site: no site query.
    assert not [q for q in queries if "wagtailcore_site" in q["sql"]]


def test_the_admin_link_costs_no_permission_query_and_follows_group_changes(learner_client, learner, course):
    learner_client.get(course.url)
    with CaptureQueriesContext(connection) as queries:
        response = learner_client.get(course.url)
    assert b'href="/admin/"' not in response.content
    assert not [q for q in queries if "auth_permission" in q["sql"]]
    editors = Group.objects.create(name="Editors with admin")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    learner.groups.add(editors)
    assert b'href="/admin/"' in learner_client.get(course.url).content
    editors.permissions.clear()
    assert b'href="/admin/"' not in learner_client.get(course.url).content
