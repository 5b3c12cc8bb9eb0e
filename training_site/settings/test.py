"""Test settings: fast hashing, in-memory email, eager tasks unless REDIS_URL is given."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, VAR_DIR

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_RATE_LIMITS = False
# `make test` runs the suite in two processes (pytest-xdist): each writes files of its own.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
MEDIA_ROOT = VAR_DIR / ("test-media-" + _WORKER if _WORKER else "test-media")
STORAGES = {
    **STORAGES,
    "reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(VAR_DIR / ("test-private-" + _WORKER if _WORKER else "test-private") / "reports")
        },
    },
}
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Tests that need it turn it on with the settings fixture.
ACADEMY_MFA_REQUIRED_FOR_STAFF = False

# --- Reliability (issue 12) -------------------------------------------------------------------
# Test-only: the services fault tests slow renders down (see CERTIFICATE_RENDER_TEST_DELAY in
# base) in the worker processes they start, to kill them mid-render. Off unless set.
CERTIFICATE_RENDER_TEST_DELAY = float(os.environ.get("CERTIFICATE_RENDER_TEST_DELAY", "0"))
