"""Fixtures for the services suite: PostgreSQL, Redis and a real Celery worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def _require_services():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("The services suite runs on PostgreSQL: use `make test-services`.")
    if not settings.REDIS_URL:
        pytest.fail("The services suite needs REDIS_URL: use `make test-services`.")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` on every queue, using the test database."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "training_site.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        # A delivery that finds a render busy retries once the claim could go stale: keep
        # that wait short so result.get() in the tests returns in seconds.
        "CERTIFICATE_RENDER_STALE_AFTER": "10",
    }
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "test-celery-worker.log", "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "training_site",
            "worker",
            "-Q",
            "default,pdf,email",
            "--concurrency",
            "2",
            "--loglevel",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from training_site.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited with {process.returncode}; see var/test-celery-worker.log")
        if app.control.ping(timeout=1.0):
            break
    else:
        process.terminate()
        pytest.fail("Celery worker did not answer within 60 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
