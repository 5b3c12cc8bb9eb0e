"""Content-addressed template fragments: render once for each distinct content.

Decision record
- **Why.** A page that lists many things (My learning's cards, a course's outline of fifty
  lessons) spends most of its time in the template engine, rendering the same HTML it
  rendered on the previous visit. Django's ``{% cache %}`` tag would need each fragment's
  invalidation worked out by hand, and costs a cache round trip per fragment.
- **Never stale.** A fragment's context is reduced by ``plain`` to plain values (strings,
  numbers, dates, lists and dicts of them; dataclasses become dicts and lazy translations
  strings), and its template reads nothing else. The key is a hash of exactly those values,
  the template's source, the active language and the time zone: whatever would change the
  HTML changes the key, so there is nothing to invalidate. The rules that compute the
  values (progress, grades, due dates) still run on every request; only the template work
  is saved.
- **One round trip.** All the fragments of a page are read with one ``get_many`` and the
  missing ones written with one ``set_many``. With the cache down they are rendered
  (``cache_quietly``), as without this module.
"""

import dataclasses
import datetime
import hashlib
from decimal import Decimal
from functools import lru_cache

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import IncludeNode
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from training_site.page_cache import cache_quietly

FRAGMENT_SECONDS = 24 * 60 * 60
_SCALARS = (str, int, float, bool, Decimal, datetime.date, datetime.datetime, type(None))


def plain(value):
    """``value`` as plain values only, or TypeError: what a fragment's key is made of."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"not a plain value for a fragment: {type(value).__name__}")


def _sources(template_name: str, seen: set[str]) -> list[str]:
    """The source of the template and of every template it includes by a literal name."""
    if template_name in seen:
        return []
    seen.add(template_name)
    template = get_template(template_name).template
    sources = [template.source]
    for node in template.nodelist.get_nodes_by_type(IncludeNode):
        included = node.template.var
        if not isinstance(included, str):
            raise TypeError(f"{template_name}: a fragment may include templates by a literal name only")
        sources += _sources(included, seen)
    return sources


@lru_cache(maxsize=32)
def _template_version(template_name: str) -> str:
    """Changes whenever the template or one it includes is edited (a deploy)."""
    sources = _sources(template_name, set())
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]


def _key(template_name: str, context: dict) -> str:
    fingerprint = repr(
        (
            template_name,
            _template_version(template_name),
            get_language(),
            timezone.get_current_timezone_name(),
            context,
        )
    )
    return "fragment:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def render_fragments(template_name: str, contexts: list[dict], *, name: str = "fragment") -> list[SafeString]:
    """The HTML of ``template_name`` for each context (under ``name`` in the template), in
    order: from the cache where the same fragment was rendered before, rendered otherwise."""
    contexts = [plain(context) for context in contexts]
    keys = [_key(template_name, context) for context in contexts]
    stored = cache_quietly(cache.get_many, keys) or {}
    fragments, missing = [], {}
    for key, context in zip(keys, contexts, strict=True):
        html = stored.get(key)
        if html is None:
            html = missing[key] = render_to_string(template_name, {name: context})
        # Only this module writes these keys, with the template engine's escaped output.
        fragments.append(mark_safe(html))  # noqa: S308
    if missing:
        cache_quietly(cache.set_many, missing, timeout=FRAGMENT_SECONDS)
    return fragments
