"""Production-safe settings, read from the environment.

dev.py and test.py relax these; production.py only tightens what ``check --deploy`` asks.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = BASE_URL

INSTALLED_APPS = [
    "training_site.accounts",
    "training_site.readiness",
    "training_site",
    "courses",
    "assessments",
    "certificates",
    "content",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "training_site.input_cleaning.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Anonymous pages from the cache, with 0 queries, and 304s for conditional GETs
    # (training_site/page_cache.py). Below the locale (the language is in the key), above
    # everything that reads the session or the user.
    "django.middleware.http.ConditionalGetMiddleware",
    "training_site.page_cache.AnonymousPageCacheMiddleware",
    "training_site.routing.CachedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "training_site.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "training_site.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "training_site.accounts.mfa.StaffMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "training_site.urls"
WSGI_APPLICATION = "training_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
            "builtins": ["training_site.templatetags.site_tags"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in WAL mode with IMMEDIATE transactions is the embedded default: markedly faster
# writes and no "database is locked" under concurrent requests. PostgreSQL via DATABASE_URL.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
}


def database_from_env(default_sqlite_path: Path) -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        # Kept open between requests: reconnecting re-runs the PRAGMAs below, about 2 ms of
        # CPU per request, most of what a small view costs on the embedded default.
        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": default_sqlite_path,
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    return config


DATABASES = {"default": database_from_env(VAR_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "training_site.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "training_site.accounts.forms.SignupForm"}
# allauth.mfa: authenticator apps (TOTP) and recovery codes, for everyone from the profile.
# The code step is limited by "login_failed" below (per account), like the password step.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Liaison Academy"
# Coordinators and administrators must set one up before the admin opens (training_site/
# accounts/mfa.py). Off only in dev.py (make run's demo accounts) and test.py.
ACADEMY_MFA_REQUIRED_FOR_STAFF = env_bool("ACADEMY_MFA_REQUIRED_FOR_STAFF", True)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    # The invitation page sets a password from an emailed token (courses/views.py); a key
    # is one token, so guessing is limited per address as well as per IP.
    "invitation_accept": "10/m/ip,5/5m/key",
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# training_site/locale/en: allauth's Title Case headings and buttons in the site's sentence case.
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Certificate PDFs. A re-render after a lost worker writes the same name again, so the
    # backend must overwrite rather than save a second file under a new name (S3 through
    # django-storages overwrites by default).
    "certificates": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    # Report export files (content/jobs.py): outside MEDIA_ROOT, so never served by URL;
    # only the requester downloads them, through a view that checks who asks.
    "reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private" / "reports")},
    },
}
# --- Deployment: media and certificate PDFs on S3-compatible storage (issue 12) ---------------
# Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for a non-AWS service such as MinIO)
# to keep uploads and PDFs in object storage; django-storages reads its credentials from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance role. Unset: the local folders.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    # Private objects, served through short-lived signed URLs (images) or our own views
    # (certificate downloads check the owner first).
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    # A re-render writes the same name again: it must replace the object, not add one.
    STORAGES["certificates"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"file_overwrite": True, "location": os.environ.get("AWS_CERTIFICATES_PREFIX", "")},
    }
    STORAGES["reports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": os.environ.get("AWS_REPORTS_PREFIX", "private/reports")},
    }
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Anonymous visitors get whole pages from the cache for this long at most; publishing
# drops them at once (training_site/page_cache.py). 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))

# --- Cache and Celery -----------------------------------------------------------------------
# With REDIS_URL, Redis is the cache and the Celery broker. Without it, tasks run eagerly
# in-process so the embedded default needs no services.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# "Done when read" on the embedded default: with no worker, a certificate's PDF is not
# rendered in the request that completes the course (about 5 s) but on its first download
# or verification. The pending certificate is a row in the database, so a restart loses
# nothing. With a broker the render task runs on the pdf queue as soon as it is issued.
CERTIFICATE_RENDER_ON_READ = CELERY_TASK_ALWAYS_EAGER
# Job state lives on our own models; only tasks that opt in keep a result (1 hour).
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "certificates.tasks.certificate_render": {"queue": "pdf"},
    "*.tasks.*_email": {"queue": "email"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "finalise-expired-attempts": {
        "task": "assessments.tasks.attempts_finalise_expired",
        "schedule": 60.0,
    },
    # Learner event deliveries that failed (after their backoff) or whose task was lost.
    "deliver-due-learner-events": {
        "task": "courses.tasks.learner_events_sweep",
        "schedule": 60.0,
    },
    # Notifications whose batch window has ended, and sends to retry (docs/notifications.md).
    "send-due-notices": {
        "task": "training_site.tasks.notices_send_due",
        "schedule": 60.0,
    },
    # Due-date reminders and the weekly coordinator digest (docs/notifications.md): hourly,
    # because each person's reminder goes out from 8:00 in their own time zone; a second
    # run the same day records nothing new.
    "create-scheduled-notices": {
        "task": "training_site.tasks.scheduled_notices_create",
        "schedule": crontab(minute=5),
    },
}

# --- Reliability: render claims, sweeps, consistency (issue 12) -------------------------------
# Recovery speed comes from the sweep, not from a short broker timeout: every
# CERTIFICATE_RENDER_SWEEP_INTERVAL seconds beat queues again every certificate still pending
# or rendering whose claim is older than CERTIFICATE_RENDER_STALE_AFTER. That age must exceed
# the render task's hard time limit (90 s, certificates/tasks.py): by then a worker that was
# alive would have killed the render itself, so an older claim belongs to a dead worker and a
# new delivery may take it over. With the defaults a render lost with its worker is done
# again about 2.5 minutes after it started. Tests shorten both through the environment.
CERTIFICATE_RENDER_STALE_AFTER = int(os.environ.get("CERTIFICATE_RENDER_STALE_AFTER", "105"))
CERTIFICATE_RENDER_SWEEP_INTERVAL = float(os.environ.get("CERTIFICATE_RENDER_SWEEP_INTERVAL", "60"))
# A certificate still pending or rendering this long after it was created or claimed has
# outlived several sweeps: check_consistency reports it.
CERTIFICATE_RENDER_STUCK_AFTER = int(os.environ.get("CERTIFICATE_RENDER_STUCK_AFTER", str(15 * 60)))
# Test-only: seconds to sleep inside a render, after the claim and before the PDF is written,
# so the fault tests can kill a worker mid-render. 0 (off) everywhere but the services tests.
CERTIFICATE_RENDER_TEST_DELAY = 0.0
# Redis re-delivers an unacknowledged message only after visibility_timeout, and that applies
# to every message a worker holds, including ones waiting for a countdown or a retry backoff:
# if the timeout were shorter than those, Redis would hand the same message to a second
# worker while the first still waits. So it stays above the longest of them: the longest
# retry backoff (retry_backoff_max 300 s on the render, Celery's default 600 s cap on the
# emails), the longest busy-retry countdown (CERTIFICATE_RENDER_STALE_AFTER) and the longest
# hard time limit (90 s). tests/certificates/test_reliability.py checks this over every task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE["requeue-stale-certificate-renders"] = {
    "task": "certificates.tasks.certificate_render_requeue_stale",
    "schedule": CERTIFICATE_RENDER_SWEEP_INTERVAL,
}
# GIFT imports confirmed in the admin run as a task (assessments/tasks.py: hard limit 300 s).
# Same rules as the renders: a claim older than GIFT_IMPORT_STALE_AFTER (above the hard limit)
# may be taken over, the sweep requeues such jobs every GIFT_IMPORT_SWEEP_INTERVAL seconds,
# and check_consistency reports a job still pending or running after GIFT_IMPORT_STUCK_AFTER.
GIFT_IMPORT_STALE_AFTER = int(os.environ.get("GIFT_IMPORT_STALE_AFTER", "330"))
# A regrade claim older than this (above the task's hard limit, 600 s) belongs to a dead worker.
REGRADE_STALE_AFTER = int(os.environ.get("REGRADE_STALE_AFTER", "660"))
GIFT_IMPORT_SWEEP_INTERVAL = float(os.environ.get("GIFT_IMPORT_SWEEP_INTERVAL", "60"))
GIFT_IMPORT_STUCK_AFTER = int(os.environ.get("GIFT_IMPORT_STUCK_AFTER", str(15 * 60)))
CELERY_BEAT_SCHEDULE["requeue-stale-gift-imports"] = {
    "task": "assessments.tasks.gift_import_requeue_stale",
    "schedule": GIFT_IMPORT_SWEEP_INTERVAL,
}
# check_consistency runs these (dotted paths to callables taking ``fix`` and returning a
# list of training_site.consistency.Finding). Each app contributes its own.
CONSISTENCY_CHECKS: list[str] = [
    "assessments.consistency.attempts_never_graded",
    "assessments.consistency.gift_import_jobs_stuck",
    "certificates.consistency.completed_enrollments_without_certificate",
    "certificates.consistency.certificates_stuck",
    "certificates.consistency.certificates_without_pdf",
    "certificates.consistency.certificates_checksum_mismatch",
    "courses.consistency.learner_events_undelivered",
]
# Report exports over REPORT_EXPORT_DIRECT_MAX_ROWS rows are built by a task into a file
# (content/jobs.py); files older than REPORT_EXPORT_KEEP_DAYS are deleted every hour.
REPORT_EXPORT_DIRECT_MAX_ROWS = int(os.environ.get("REPORT_EXPORT_DIRECT_MAX_ROWS", "2000"))
REPORT_EXPORT_KEEP_DAYS = int(os.environ.get("REPORT_EXPORT_KEEP_DAYS", "7"))
CELERY_BEAT_SCHEDULE["delete-old-report-exports"] = {
    "task": "content.tasks.report_exports_delete_old",
    "schedule": 60 * 60.0,
}
# A refresh whose queued task was lost (a restarted broker) is run by this sweep.
CELERY_BEAT_SCHEDULE["refresh-overdue-quiz-statistics"] = {
    "task": "assessments.tasks.quiz_statistics_refresh_overdue",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["consistency-report"] = {
    "task": "training_site.tasks.consistency_report",
    "schedule": 60 * 60.0,
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Liaison Academy <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Liaison Academy"
WAGTAILADMIN_LOGIN_URL = "account_login"
# Draftail, but a rich-text value that is not the editor's JSON is a 400, not a 500.
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "training_site.rich_text.CheckedDraftailRichTextArea"},
}
# allauth's password reset is the only one: it is rate limited and never reveals accounts.
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
# A 121-megapixel PNG compresses to 114 KB and costs hundreds of MB to decode: uploads are
# refused above 40 megapixels (a 7,000 × 5,700 photo), far more than any logo needs.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "training_site.images.ImageForm"
TAGGIT_CASE_INSENSITIVE = True

# --- Product --------------------------------------------------------------------------------
# Called, in the completing transaction, with keyword argument ``enrollment`` when an
# enrollment completes. Dotted paths to callables.
COURSE_COMPLETION_HANDLERS: list[str] = ["certificates.services.certificate_issue"]
# Called with keyword argument ``user`` after a person signs up on their own (the accounts
# app knows nothing of cohorts, so it names what to call here): they join the Open
# enrollment cohort, whose coordinators grade their essays.
ACCOUNT_SIGNUP_HANDLERS: list[str] = ["courses.services.cohort_open_enrollment_join_on_signup"]
# Receive every learner event at least once, after commit (courses/events.py). Dotted paths
# to callables taking keyword argument ``event``; each must be idempotent (check event.pk).
LEARNER_EVENT_SUBSCRIBERS: list[str] = [
    "training_site.notifications.learner_event_notify",
    "assessments.services.statistics.quiz_statistics_on_event",
]
# Item analysis (docs/quiz-statistics.md): seconds a quiz's statistics wait after the first
# change before they are recomputed, so an exam-day burst of submissions costs one run.
QUIZ_STATISTICS_DEBOUNCE_SECONDS = int(os.environ.get("QUIZ_STATISTICS_DEBOUNCE_SECONDS", "60"))
# Seconds before the sweep takes over a first delivery whose task never ran (lost message).
LEARNER_EVENT_FIRST_DELIVERY_GRACE = int(os.environ.get("LEARNER_EVENT_FIRST_DELIVERY_GRACE", "120"))

# --- Content-Security-Policy (django-csp; training_site/csp.py) -------------------------------
# Media on another origin (S3, a CDN) is listed in CSP_MEDIA_ORIGINS.
_CSP_IMAGES = [SELF, "data:", *env_list("CSP_MEDIA_ORIGINS")]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": _CSP_IMAGES,
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
# Wagtail's admin (editor, previews, image chooser) needs inline styles and scripts.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE, UNSAFE_EVAL],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [*_CSP_IMAGES, "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Wagtail's inline background tasks and publishing log every step at INFO.
    "loggers": {
        name: {"level": "WARNING"} for name in ("django_tasks", "django.tasks", "wagtail", "modelsearch")
    },
}


def require_secret_key() -> None:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment.")
