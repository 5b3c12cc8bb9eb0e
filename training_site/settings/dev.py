"""Local development: the embedded default that ``make run`` serves."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Verification links still go to the console; a learner may use the site before clicking.
ACCOUNT_EMAIL_VERIFICATION = "optional"
VAR_DIR.mkdir(parents=True, exist_ok=True)

# The demo coordinator signs in to the admin without an authenticator app (see README).
ACADEMY_MFA_REQUIRED_FOR_STAFF = env_bool("ACADEMY_MFA_REQUIRED_FOR_STAFF", False)
