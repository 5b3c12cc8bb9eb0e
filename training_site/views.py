import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# A load balancer polls this often: a dead dependency must answer fast, not hang.
BROKER_TIMEOUT_SECONDS = 2


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache_ok() -> bool:
    # Login and verification rate limits count in this cache: it must take a write.
    nonce = secrets.token_hex(8)
    cache.set("health:probe", nonce, timeout=10)
    return cache.get("health:probe") == nonce


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


def _probe(name: str, check) -> str:
    try:
        result = check()
    except Exception:
        logger.warning("Health check: %s unavailable", name, exc_info=True)
        return "unavailable"
    if isinstance(result, str):
        return result
    return "ok" if result else "unavailable"


@never_cache
def health(request):
    """Database, cache and broker (or "eager" when tasks run in-process), as JSON: 200 when
    all are usable, 503 otherwise. For load balancers and the prod-like smoke test."""
    checks = {
        "database": _probe("database", _database_ok),
        "cache": _probe("cache", _cache_ok),
        "broker": _probe("broker", _broker_state),
    }
    healthy = all(state in {"ok", "eager"} for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors: the error may have come from one of them.
    return HttpResponseServerError(loader.get_template("500.html").render())
