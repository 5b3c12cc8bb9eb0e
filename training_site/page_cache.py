"""Whole pages for anonymous visitors, and the generation that invalidates them.

What is kept: a Wagtail page's 200 response to a GET without a query string, from a visitor
who sends no cookies but the CSRF and language ones, when the page is public (live, every
ancestor live, no view restriction: ``page_cache_mark_public``, a ``before_serve_page``
hook) and the response sets no cookie, carries no CSP nonce and does not forbid caching.
A repeat visit is answered from the cache before the session, the user, routing or any
query: 0 queries. Signed-in learners never get a cached page and never fill one (their
requests carry a session cookie); their responses are marked ``Cache-Control: private``.

When it is dropped: every cached page and every cached course structure (courses/structure.py)
is keyed on a *generation*, a token in the cache that changes whenever something an
anonymous page shows may have changed: a page saved, published, unpublished, moved or
deleted (a lesson's title is on its course page, a course's on the catalogue and the home
page), a view restriction, a site or a site setting. Changing the token drops everything at
once, which is right for a site whose pages change a few times a day and are read
thousands of times. The token changes at once and again after commit, so a request that
re-filled the cache with the old content while the transaction was open is dropped too.
Entries also expire after PAGE_CACHE_SECONDS as a backstop.

The cache is Django's default: Redis in production (shared by every gunicorn worker), local
memory on the embedded default (one process). ``Vary: Cookie`` on cached responses tells any
cache in front that a signed-in request gets another page; ``ETag`` and ``Last-Modified``
let browsers revalidate with a conditional GET (ConditionalGetMiddleware answers 304).
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

GENERATION_KEY = "pages:generation"
#: Cookies a visitor may send and still get the shared page: neither says who they are (the
#: language is part of the cache key).
logger = logging.getLogger(__name__)


def cache_quietly(call, *args, **kwargs):
    """``call(*args, **kwargs)``, or None when the cache cannot be reached. The page and site
    caches only save work: with Redis down a request is served uncached instead of failing
    (and /health/ says the cache is unavailable)."""
    try:
        return call(*args, **kwargs)
    except Exception:  # noqa: BLE001 - any backend error (redis ConnectionError, timeouts)
        logger.warning("cache unavailable: serving uncached", exc_info=True)
        return None


ANONYMOUS_COOKIES = frozenset({"csrftoken", "django_language"})
SKIPPED_PREFIXES = ("/admin/", "/django-admin/", "/static/", "/media/")


def generation_token(key: str) -> str:
    """The current token under ``key``: everything cached under it goes when it changes."""
    generation = cache.get(key)
    if generation is None:
        generation = secrets.token_hex(8)
        # add, not set: two processes starting together agree on one token.
        if not cache.add(key, generation, timeout=None):
            generation = cache.get(key, generation)
    return generation


def generation_bump(key: str) -> None:
    """A new token now and again after commit, so that a request which re-filled the cache
    from the old rows while the change was uncommitted is dropped too."""

    def bump():
        cache.set(key, secrets.token_hex(8), timeout=None)

    bump()
    transaction.on_commit(bump)


def pages_generation() -> str:
    return generation_token(GENERATION_KEY)


def pages_changed(**kwargs) -> None:
    """Drop every cached page and course structure (a signal receiver: see apps.py)."""
    generation_bump(GENERATION_KEY)


def _cache_key(request) -> str | None:
    """The key for this request's shared page, or None when it may not have one."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return None
    if "HTTP_AUTHORIZATION" in request.META or not ANONYMOUS_COOKIES.issuperset(request.COOKIES):
        return None
    if request.path_info.startswith(SKIPPED_PREFIXES):
        return None
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - DisallowedHost: let the normal path answer 400
        return None
    digest = hashlib.sha256(f"{host}|{get_language()}|{request.path}".encode()).hexdigest()
    return f"pages:{pages_generation()}:{digest}"


def page_cache_mark_public(page, request, serve_args, serve_kwargs) -> None:
    """``before_serve_page`` hook: note that the routed page may be shared with any visitor.

    Wagtail serves a live page under an unpublished parent; such a page, a page with a view
    restriction on it or an ancestor, and every page a signed-in user asks for are never
    marked. Two queries, on a miss only."""
    if getattr(request, "page_cache_key", None) is None:
        return
    from wagtail.models import Page

    public = (
        page.live
        and not page.get_view_restrictions().exists()
        and not Page.objects.ancestor_of(page).filter(depth__gt=1, live=False).exists()
    )
    request.page_cache_public = public


def _storable(request, response) -> bool:
    if not getattr(request, "page_cache_public", False) or response.status_code != 200:
        return False
    if response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    # A nonce shared by every visitor would be no nonce at all.
    return "nonce-" not in response.get("Content-Security-Policy", "")


class AnonymousPageCacheMiddleware:
    """Serves and stores shared pages (see the module docstring). Placed after the locale
    middleware (the language is in the key) and before everything that needs the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = cache_quietly(_cache_key, request) if settings.PAGE_CACHE_SECONDS else None
        if key is not None:
            stored = cache_quietly(cache.get, key)
            if stored is not None:
                status, headers, content = stored
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response.headers[name] = value
                return response
        request.page_cache_key = key
        response = self.get_response(request)
        if key is not None and _storable(request, response):
            response.headers["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
            response.headers["Last-Modified"] = http_date()
            patch_cache_control(response, max_age=0, must_revalidate=True)
            patch_vary_headers(response, ("Cookie",))
            cache_quietly(
                cache.set,
                key,
                (response.status_code, list(response.items()), response.content),
                timeout=settings.PAGE_CACHE_SECONDS,
            )
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, private=True)
        return response
