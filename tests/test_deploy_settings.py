"""Production settings pass Django's deployment checks and refuse to start without a key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "x7" * 32 + "-not-a-real-key-but-long-and-varied-QWERTY"
# Settings only: nothing here connects to it.
PRODUCTION_REDIS = "redis://127.0.0.1:6379/0"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The e2e conftest sets DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy would warn about.
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE="training_site.settings.production", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=KEY,
        ALLOWED_HOSTS="academy.example.org",
        REDIS_URL=PRODUCTION_REDIS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_redis_url():
    """Without REDIS_URL the login and verification limits would count per process: a
    clear ImproperlyConfigured instead."""
    result = run_manage("check", SECRET_KEY=KEY, ALLOWED_HOSTS="academy.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "REDIS_URL must be set" in result.stderr


def test_production_limits_count_in_the_shared_redis_cache():
    """With REDIS_URL the default cache (allauth's rate limits, the verify limit) is Redis."""
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        SECRET_KEY=KEY,
        REDIS_URL=PRODUCTION_REDIS,
    )
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.redis.RedisCache", (
        result.stderr
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
