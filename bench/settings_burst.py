"""Settings of the gunicorn server the burst benchmark starts: production's, plus the bench's
baseline endpoints. The environment (DATABASE_URL, REDIS_URL, ...) is set by bench/burst.py."""

import os

from training_site.settings.production import *  # noqa: F403
from training_site.settings.production import CACHES

ROOT_URLCONF = "bench.quiz_urls"
# Tasks queued after commit (learner-event deliveries, ...) are published but not run: the
# burst measures the web tier, and leaves nothing behind in a shared Redis.
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": os.environ["BENCH_CACHE_PREFIX"]}}
# The bench creates its learners with passwords (tests.factories) and signs them in through
# sessions it writes itself: no request hashes a password, so the fast hasher changes nothing
# measured and saves minutes of set-up.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
