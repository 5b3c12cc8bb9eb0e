"""Routing a URL to a page with one query instead of one per tree level.

Wagtail's ``Page.route`` walks the tree: for each path component a query for the child with
that slug and another for its ``.specific`` object (a lesson five levels down costs ten
queries before its view starts). Every page's ``url_path`` is its parent's plus its slug,
so the pages a URL passes through are exactly the descendants of the site root whose
``url_path`` is a prefix of the requested one: one query finds them all, one more loads the
page that answers.

The meaning of Wagtail's walk is kept: a missing component is a 404; the last page must be
live (pages on the way need not be, as in Wagtail); a page on the way whose class routes by
itself (overrides ``route``, e.g. ``RoutablePageMixin``) gets the rest of the path exactly
as Wagtail would hand it over.
"""

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import Http404
from wagtail.models import Page
from wagtail.url_routing import RouteResult

from training_site.page_cache import cache_quietly, generation_bump, generation_token


def _routes_itself(model) -> bool:
    return model is None or model.route is not Page.route


class TreeRouteMixin:
    """For the site root's page type: route the URLs below it with one tree query."""

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        prefixes = []
        url_path = self.url_path
        for component in path_components:
            url_path += component + "/"
            prefixes.append(url_path)
        on_the_way = {
            page.url_path: page
            for page in Page.objects.descendant_of(self)
            .filter(url_path__in=prefixes)
            .only("id", "path", "depth", "url_path", "content_type_id", "live", "locale_id")
        }
        page = None
        for position, prefix in enumerate(prefixes):
            page = on_the_way.get(prefix)
            if page is None:
                raise Http404
            if _routes_itself(page.specific_class):
                return page.specific.route(request, path_components[position + 1 :])
        if not page.live:
            raise Http404
        return RouteResult(page.specific)


class CachedSiteMiddleware:
    """Gives Wagtail the request's site (with its root page, as its specific type) from the
    cache instead of the database.

    ``Site.find_for_request`` runs a query with a CASE ranking of hostnames on every request
    and keeps the answer only on that request; building that query was the most expensive
    single step of routing. Wagtail reads a site already found for the request from
    ``request._wagtail_site`` (its documented per-request cache, see
    ``Site.find_for_request``): on a cache hit this fills it before Wagtail looks; after a
    request in which Wagtail found the site itself, the site is kept for the next ones. The
    key holds host, port and a sites generation, which changes when a site or a site's root
    page is saved or deleted (training_site/apps.py). tests/test_page_cache.py checks that
    Wagtail still reads it. Views that never ask for the site pay one cache read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = cache_quietly(_site_key, request)
        if key is None:
            return self.get_response(request)
        site = cache_quietly(cache.get, key)
        if site is not None:
            request._wagtail_site = site
            return self.get_response(request)
        response = self.get_response(request)
        found = getattr(request, "_wagtail_site", None)
        if found is not None:
            # Routing loaded the root page as its specific type (``specific`` is a cached
            # property): keep that one, so the next requests route without loading it.
            specific = vars(found.root_page).get("specific")
            if specific is not None:
                found.root_page = specific
            cache_quietly(cache.set, key, found, timeout=SITE_CACHE_SECONDS)
        return response


SITE_CACHE_SECONDS = 600
SITES_GENERATION_KEY = "sites:generation"


def sites_generation() -> str:
    return generation_token(SITES_GENERATION_KEY)


def sites_changed() -> None:
    generation_bump(SITES_GENERATION_KEY)


def _site_key(request) -> str | None:
    if request.path_info.startswith(("/admin/", "/django-admin/", "/static/", "/media/")):
        return None
    try:
        return f"site:{sites_generation()}:{request.get_host()}:{request.get_port()}"
    except DisallowedHost:
        return None
