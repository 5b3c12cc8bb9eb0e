"""/health/ reports database, cache and broker: 200 when usable, 503 otherwise."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# A port in this project's private range with nothing listening on it.
CLOSED = "redis://127.0.0.1:6429/0"


def get_health():
    return Client(raise_request_exception=False).get("/health/")


def test_health_is_200_with_eager_tasks():
    """Embedded default: database and cache usable, tasks run in-process ("eager")."""
    response = get_health()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_when_the_broker_is_unreachable(settings):
    """A broker URL pointing at a closed port: 503 naming the broker, not a 500 or a hang."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = CLOSED
    response = get_health()
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_health_is_503_when_the_cache_is_unreachable(settings):
    """The shared cache holds the login and verification limits: without it, 503."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}
    }
    response = get_health()
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"
