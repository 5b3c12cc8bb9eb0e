# Liaison Academy. `make help` lists the targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST := $(PY) -m pytest
# `make test` runs the SQLite suite in this many processes (pytest-xdist); one per core.
TEST_PROCESSES ?= 2

.DEFAULT_GOAL := help
.PHONY: help setup sysdeps browser db run run-prod-like test test-services test-e2e bench lint format clean mutation

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

sysdeps: ## Install the system libraries WeasyPrint needs (apt-get, as root)
	@$(PYTHON) scripts/sysdeps.py pdf

browser: ## Install Debian's Chromium for end-to-end tests (apt-get, as root)
	@$(PYTHON) scripts/sysdeps.py browser

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

setup: sysdeps $(STAMP) ## Virtualenv, packages and system libraries

db: setup ## Migrate, load the curriculum and create the demo accounts
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_curriculum
	$(PY) manage.py demo_accounts

run: db ## Set everything up and serve on http://127.0.0.1:8000
ifdef REDIS_URL
	$(VENV)/bin/honcho start -f Procfile.dev
else
	$(PY) manage.py runserver 127.0.0.1:8000
endif

# run-prod-like: production settings on this machine, over plain HTTP at 127.0.0.1. The
# overrides below are the only ones it needs (docs/deployment.md lists them); everything
# else is production's default. Its own database and Redis db number.
PRODLIKE_DB ?= postgres://postgres@127.0.0.1:5432/academy_prodlike
PRODLIKE_REDIS ?= redis://127.0.0.1:6379/13
PRODLIKE_PORT ?= 8000
PRODLIKE_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	DJANGO_SETTINGS_MODULE=training_site.settings.production \
	DATABASE_URL=$(PRODLIKE_DB) REDIS_URL=$(PRODLIKE_REDIS) \
	SECRET_KEY=prod-like-smoke-test-only-$(shell hostname)-not-a-secret-7f3a9c1e5b2d8f4a6c0e \
	ALLOWED_HOSTS=127.0.0.1,localhost BASE_URL=http://127.0.0.1:$(PRODLIKE_PORT) \
	BIND=127.0.0.1:$(PRODLIKE_PORT) VAR_DIR=$(CURDIR)/var/prodlike \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false \
	EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend \
	WEB_CONCURRENCY=2 GUNICORN_THREADS=8 DEFAULT_CONCURRENCY=1 PDF_CONCURRENCY=1 EMAIL_CONCURRENCY=1

run-prod-like: setup ## gunicorn (gthread), a worker per queue and beat with production settings (smoke test)
	@mkdir -p var/prodlike
	env $(PRODLIKE_ENV) $(PY) scripts/prodlike_database.py
	env $(PRODLIKE_ENV) $(PY) manage.py migrate --noinput -v0
	env $(PRODLIKE_ENV) $(PY) manage.py collectstatic --noinput -v0
	env $(PRODLIKE_ENV) $(PY) manage.py load_curriculum --wait 120
	env $(PRODLIKE_ENV) $(VENV)/bin/honcho start -f Procfile web worker-default worker-pdf worker-email beat

lint: setup ## ruff, Django's checks and the migration check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=training_site.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=training_site.settings.test $(PY) manage.py makemigrations --check --dry-run

test: lint ## Lint and run the suite on SQLite (services and e2e tests deselected)
	$(PYTEST) -m "not services and not e2e" -q --durations=10 -n $(TEST_PROCESSES)

test-services: setup ## Tests marked services: PostgreSQL, Redis and a real Celery worker
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(PYTEST) -m services -q --durations=10

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	@touch $@

test-e2e: setup browser tests/e2e/node_modules/axe-core/axe.min.js ## End-to-end and accessibility (axe-core) tests in Debian's Chromium
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PYTEST) -m e2e -q --durations=10

# The rule functions under mutation testing (mutmut names: module.x_function__mutmut_N).
MUTANTS := "courses.progress.*" \
	"courses.services.x_enrollment_evaluate_completion__mutmut_*" \
	"courses.services.x_lesson_complete__mutmut_*" \
	"courses.services.x_lesson_reopen__mutmut_*" \
	"courses.services.x_activity_result_record__mutmut_*" \
	"certificates.selectors.x_certificate_visible_to__mutmut_*" \
	"certificates.selectors.x_certificate_for_download__mutmut_*" \
	"assessments.graders.*" \
	"assessments.services.review.x__status__mutmut_*" \
	"assessments.services.review.x__score__mutmut_*" \
	"assessments.services.review.x_review_level_allowed__mutmut_*" \
	"assessments.services.review.x_attempt_review__mutmut_*" \
	"assessments.services.review.x_attempt_next_steps__mutmut_*" \
	"assessments.services.attempts.x__deadline__mutmut_*" \
	"assessments.services.attempts.x_attempt_finalise_if_expired__mutmut_*" \
	"assessments.selectors.x_attempt_visible_to__mutmut_*" \
	"assessments.selectors.x_attempt_for_learner__mutmut_*"

mutation: setup ## Mutation testing of the progress, completion, grader, review, deadline and access rules (slow; not in CI; docs/mutation.md)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 1 $(MUTANTS)
	$(PY) scripts/mutation_summary.py $(MUTANTS)
	$(PY) scripts/mutate_decorated.py

bench: setup ## Benchmarks (ratios against a baseline measured in the same run)
	$(PY) bench/run.py

format: setup ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var static_collected
