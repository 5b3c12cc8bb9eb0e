"""Production: base settings plus the transport security ``check --deploy`` asks for."""

from .base import *  # noqa: F403
from .base import env_bool, require_secret_key

require_secret_key()
DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Wagtail's admin shows page previews in a same-origin frame, so X_FRAME_OPTIONS stays
# SAMEORIGIN (set in base); other sites still cannot frame ours.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
