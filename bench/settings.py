"""Benchmark settings: the test settings plus bench/urls.py (the site and a bare view)."""

from training_site.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
