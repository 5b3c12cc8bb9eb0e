"""/health/ against the real PostgreSQL, Redis cache and Redis broker."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_health_is_200_with_postgres_and_redis():
    """Every dependency real and reachable: 200, broker "ok" (not "eager")."""
    response = Client(raise_request_exception=False).get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_health_is_503_when_the_broker_goes_away(settings):
    """The broker at a closed port (a Redis that is down): 503, the rest still reported."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6428/0"
    response = Client(raise_request_exception=False).get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"
