"""The Celery app. Tasks route to the queues default, pdf and email (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "training_site.settings.dev")

app = Celery("training_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="training_site.ping", ignore_result=False)
def ping() -> str:
    """Answers 'pong': lets health checks and tests prove a worker consumes a queue."""
    return "pong"
