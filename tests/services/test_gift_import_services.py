"""The GIFT import job with PostgreSQL, Redis and a real Celery worker (`make test-services`)."""

import time

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import GiftImportJob, Question
from tests.factories import UserFactory, gift_questions
from training_site.accounts.roles import COORDINATORS_GROUP

pytestmark = pytest.mark.services


def wait_for_job(job: GiftImportJob, timeout: float = 120) -> GiftImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_over:
            return job
        time.sleep(0.2)
    pytest.fail(f"GIFT import {job.pk} is {job.status} after {timeout} s")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_confirmed_in_the_admin_is_imported_by_the_worker(celery_worker_process):
    """Upload, preview, confirm: the request only queues the job; the worker imports all
    questions and the job page shows the outcome."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    url = reverse("gift:import")
    text = gift_questions(40)
    preview = client.post(url, {"file": SimpleUploadedFile("q.gift", text.encode()), "bank": "worker/bank"})
    assert "Import 40 questions" in preview.content.decode()

    response = client.post(url, {"confirm": "1", "text": text, "bank": "worker/bank", "tags": "listening"})
    assert response.status_code == 302
    job = GiftImportJob.objects.get()
    assert response["Location"] == reverse("gift:job", args=[job.pk])

    job = wait_for_job(job)
    assert (job.status, job.total, job.processed, job.created_count) == ("done", 40, 40, 40), job.error
    assert job.runs == 1 and len(job.claim) == 36, "claimed once, by the worker's task id"
    assert Question.objects.filter(bank__path="worker/bank", live=True).count() == 40
    html = client.get(response["Location"]).content.decode()
    assert "40 new and 0 updated questions" in html and "data-refresh-seconds" not in html
