"""Production: base settings plus the transport security ``check --deploy`` asks for."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, REDIS_URL, STORAGES, env_bool, require_secret_key

require_secret_key()
DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
# Wagtail's admin shows page previews in a same-origin frame, so X_FRAME_OPTIONS stays
# SAMEORIGIN (set in base); other sites still cannot frame ours.
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# --- Reliability and deployment (issue 12) ----------------------------------------------------
# Without Redis the cache would be per process: login and verification limits multiplied by
# the number of gunicorn workers, and tasks run inside web requests. Refuse to start.
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production (the shared cache for rate limits and the Celery "
        "broker), e.g. REDIS_URL=redis://127.0.0.1:6379/0."
    )
# Static files from the app server through WhiteNoise: compressed, with hashed names cached
# for a year (run `collectstatic` on every deploy). Right after SecurityMiddleware, so the
# HTTPS redirect still applies and static requests skip the rest of the stack.
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
