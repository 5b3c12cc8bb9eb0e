"""The confirmed GIFT import runs as a background job with progress (issue 12, S4).

The confirm step creates a GiftImportJob and queues ``gift_import_run`` after commit; the
task claims the job (a repeat does nothing, a stale claim is taken over), imports all or
nothing and records the outcome; the job page shows progress, then the outcome.
"""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import tasks
from assessments.consistency import gift_import_jobs_stuck
from assessments.models import GiftImportJob, GiftImportStatus, Question, QuestionBank
from assessments.services import gift_jobs
from assessments.services.gift_import import question_bank_import_gift
from tests.factories import UserFactory
from training_site.accounts.roles import COORDINATORS_GROUP

pytestmark = pytest.mark.django_db

GIFT = "::Listening::Which shows listening?{=Reflecting back ~Interrupting}\n\n::Sky::The sky is blue.{T}\n"
# The second question has no correct answer: found while importing, after the first is saved.
FAILS_ON_SECOND = "::Fine::Fine.{=a ~b}\n\n::Broken::No right answer{~a ~b}\n"


def coordinator() -> object:
    user = UserFactory()
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    return user


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def confirm(client, text: str = GIFT, *, bank: str = "district/pd-day", tags: str = "listening"):
    return client.post(reverse("gift:import"), {"confirm": "1", "text": text, "bank": bank, "tags": tags})


def job_for(user, text: str = GIFT, **fields) -> GiftImportJob:
    return GiftImportJob.objects.create(created_by=user, text=text, bank_path="jobs", **fields)


def claim(job: GiftImportJob, *, by: str, age: datetime.timedelta, runs: int = 1) -> None:
    GiftImportJob.objects.filter(pk=job.pk).update(
        status=GiftImportStatus.RUNNING, claim=by, claimed_at=timezone.now() - age, runs=runs
    )


def stale_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=django_settings.GIFT_IMPORT_STALE_AFTER)


def test_confirm_queues_a_job_after_commit_that_imports_and_shows_the_outcome(
    django_capture_on_commit_callbacks,
):
    """Confirming creates a job and queues its task on commit; run in-process (no broker),
    it imports every question and the job page shows the counts and links to the bank."""
    user = coordinator()
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = confirm(client)
    job = GiftImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("gift:job", args=[job.pk])
    assert (job.status, job.created_by, job.bank_path, job.tags) == (
        "pending",
        user,
        "district/pd-day",
        ["listening"],
    )
    assert not Question.objects.exists(), "nothing is imported before the transaction commits"
    assert len(callbacks) == 1
    callbacks[0]()

    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.created_count, job.updated_count) == (
        "done",
        2,
        2,
        2,
        0,
    )
    assert job.finished_at is not None and job.runs == 1
    assert job.bank_paths == ["district/pd-day"]
    questions = Question.objects.filter(bank__path="district/pd-day", live=True)
    assert sorted(questions.values_list("title", flat=True)) == ["Listening", "Sky"]
    assert all(q.latest_revision.user == user for q in questions)
    assert all([t.name for t in q.tags.all()] == ["listening"] for q in questions)

    html = client.get(reverse("gift:job", args=[job.pk])).content.decode()
    bank = QuestionBank.objects.get(path="district/pd-day")
    assert "2 new and 0 updated questions" in html
    assert f"{reverse('wagtailsnippets_assessments_question:list')}?bank={bank.pk}" in html
    assert "data-refresh-seconds" not in html, "a finished job's page stops refreshing"
    assert "Your recent imports" in client.get(reverse("gift:import")).content.decode()


def test_job_page_shows_progress_and_refreshes_while_not_over():
    user = coordinator()
    client = client_for(user)
    job = job_for(user)
    html = client.get(reverse("gift:job", args=[job.pk])).content.decode()
    assert "data-refresh-seconds" in html and "Waiting for the import to start" in html
    # The refresh is a static script (no inline script under the admin's CSP either).
    assert re.search(r'<script src="[^"]*assessments/gift_import_job\.js"', html)

    claim(job, by="worker", age=datetime.timedelta(seconds=1))
    cache.set(gift_jobs._progress_key(job.pk), (3, 10))
    html = client.get(reverse("gift:job", args=[job.pk])).content.decode()
    assert "3 of 10 questions imported" in html
    assert '<progress id="gift-import-progress" max="10" value="3">' in html
    assert "data-refresh-seconds" in html


def test_progress_is_reported_for_every_question_inside_the_import():
    calls = []
    question_bank_import_gift(text=GIFT, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 2), (1, 2), (2, 2)]


def test_a_repeat_run_does_nothing():
    """A second delivery of a finished job, or another one while the claim is live, changes
    nothing: the questions are imported once."""
    job = job_for(coordinator())
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="first") == "done"
    Question.objects.update(stem="<p>Edited since</p>")
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="first") == "skipped"
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="second") == "skipped"
    assert set(Question.objects.values_list("stem", flat=True)) == {"<p>Edited since</p>"}
    assert all(q.revisions.count() == 1 for q in Question.objects.all())
    job.refresh_from_db()
    assert (job.status, job.runs, job.claim) == ("done", 1, "first")

    live = job_for(job.created_by)
    claim(live, by="holder", age=stale_age() - datetime.timedelta(seconds=5))
    assert gift_jobs.gift_import_run(job_id=live.pk, claim="intruder") == "busy"
    live.refresh_from_db()
    assert (live.status, live.claim, live.runs) == ("running", "holder", 1)
    assert gift_jobs.gift_import_run(job_id=999_999) == "missing"


def test_a_redelivery_of_the_same_task_resumes_its_own_claim():
    job = job_for(coordinator())
    claim(job, by="task-1", age=datetime.timedelta(seconds=1))
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="task-1") == "done"


def test_a_stale_claim_is_taken_over(settings):
    """A claim older than GIFT_IMPORT_STALE_AFTER belongs to a dead worker: a new run takes
    it over and imports."""
    settings.GIFT_IMPORT_STALE_AFTER = 30
    job = job_for(coordinator())
    claim(job, by="dead-worker", age=datetime.timedelta(seconds=31))
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="new-worker") == "done"
    job.refresh_from_db()
    assert (job.status, job.claim, job.runs) == ("done", "new-worker", 2)
    assert Question.objects.count() == 2


def test_a_run_whose_claim_was_taken_over_meanwhile_rolls_its_import_back(monkeypatch):
    """If another run takes the job over while this one imports, this one's questions are
    rolled back (the other run's import is the one that counts)."""
    job = job_for(coordinator())
    real = question_bank_import_gift

    def import_then_lose_claim(**kwargs):
        report = real(**kwargs)
        GiftImportJob.objects.filter(pk=job.pk).update(claim="taker")
        return report

    monkeypatch.setattr(gift_jobs, "question_bank_import_gift", import_then_lose_claim)
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="slow") == "skipped"
    assert not Question.objects.exists()
    job.refresh_from_db()
    # (The stand-in taker's update was made inside the rolled-back transaction; a real
    # taker commits its claim from its own connection.)
    assert job.status == "running" and job.finished_at is None


def test_a_job_interrupted_too_often_fails_instead_of_running_again():
    job = job_for(coordinator())
    claim(
        job, by="dead", age=stale_age() + datetime.timedelta(seconds=1), runs=gift_jobs.GIFT_IMPORT_MAX_RUNS
    )
    assert gift_jobs.gift_import_run(job_id=job.pk, claim="next") == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "interrupted 3 times" in job.error
    assert not Question.objects.exists()


def test_a_failing_import_changes_nothing_and_the_job_says_why(django_capture_on_commit_callbacks):
    """The second question cannot be graded: the first (already saved in the transaction)
    is rolled back, an existing question keeps its text, and the page names the line."""
    question_bank_import_gift(text="::Fine::Old text.{=a ~b}\n", bank_path="jobs")
    user = coordinator()
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, FAILS_ON_SECOND, bank="jobs", tags="")
    job = GiftImportJob.objects.get()
    assert (job.status, job.processed, job.created_count, job.updated_count) == ("failed", 0, 0, 0)
    assert job.problems and job.problems[0][0] == 3 and "correct" in job.problems[0][1]
    assert job.finished_at is not None
    assert list(Question.objects.values_list("title", flat=True)) == ["Fine"]
    assert "Old text." in Question.objects.get().stem
    assert Question.objects.get().revisions.count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in html and "Line 3" in html and "correct" in html


def test_an_unexpected_error_fails_the_job_with_its_reason_and_keeps_nothing(monkeypatch):
    job = job_for(coordinator())
    calls = {"n": 0}
    real = Question.save_revision

    def second_save_breaks(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Question, "save_revision", second_save_breaks)
    assert gift_jobs.gift_import_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "RuntimeError: disk on fire" in job.error
    assert not Question.objects.exists() and not QuestionBank.objects.exists()


def test_only_importers_reach_the_job_page_and_another_coordinators_job_is_not_found():
    """The uploader and administrators see a job; another coordinator gets a 404 (it is
    the uploader's record, as another learner's attempt is); a learner and an anonymous
    visitor are sent to sign in."""
    owner = coordinator()
    job = job_for(owner)
    url = reverse("gift:job", args=[job.pk])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(UserFactory(is_superuser=True, is_staff=True)).get(url).status_code == 200
    assert client_for(coordinator()).get(url).status_code == 404
    learner = client_for(UserFactory()).get(url)
    assert learner.status_code == 302 and "login" in learner["Location"]
    assert Client(raise_request_exception=False).get(url).status_code == 302
    # Another coordinator's recent imports are not listed either.
    assert url not in client_for(coordinator()).get(reverse("gift:import")).content.decode()


def test_a_tampered_confirm_is_refused_and_creates_no_job():
    client = client_for(coordinator())
    assert confirm(client, "").status_code == 400
    assert confirm(client, bank="x" * 401).status_code == 400
    assert not GiftImportJob.objects.exists()


def test_learners_cannot_confirm_an_import():
    response = client_for(UserFactory()).post(reverse("gift:import"), {"confirm": "1", "text": GIFT})
    assert response.status_code == 302
    assert not GiftImportJob.objects.exists()


def test_the_sweep_requeues_lost_and_dead_jobs_once_per_period(django_capture_on_commit_callbacks):
    user = coordinator()
    old = timezone.now() - stale_age() - datetime.timedelta(seconds=1)
    lost = job_for(user)
    GiftImportJob.objects.filter(pk=lost.pk).update(created_at=old)
    dead = job_for(user, text="::Other::Other.{T}\n")
    claim(dead, by="dead", age=stale_age() + datetime.timedelta(seconds=1))
    fresh = job_for(user, text="::Fresh::Fresh.{T}\n")
    alive = job_for(user, text="::Alive::Alive.{T}\n")
    claim(alive, by="alive", age=stale_age() - datetime.timedelta(seconds=5))
    finished = job_for(user, text="::Done::Done.{T}\n", status="done", finished_at=old)
    GiftImportJob.objects.filter(pk=finished.pk).update(created_at=old)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert gift_jobs.gift_import_requeue_stale() == 2
    assert len(callbacks) == 2
    statuses = dict(GiftImportJob.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: "done",
        dead.pk: "done",
        fresh.pk: "pending",
        alive.pk: "running",
        finished.pk: "done",
    }
    assert gift_jobs.gift_import_requeue_stale() == 0

    schedule = django_settings.CELERY_BEAT_SCHEDULE["requeue-stale-gift-imports"]
    assert schedule["task"] == tasks.gift_import_requeue_stale.name and schedule["schedule"] <= 60


def test_claim_age_exceeds_the_hard_time_limit():
    """A claim may be taken over only once its own worker would have killed the run."""
    assert tasks.gift_import_run.soft_time_limit < tasks.gift_import_run.time_limit
    assert tasks.gift_import_run.time_limit < django_settings.GIFT_IMPORT_STALE_AFTER
    assert django_settings.GIFT_IMPORT_STALE_AFTER < django_settings.GIFT_IMPORT_STUCK_AFTER


def test_check_consistency_reports_stuck_jobs_and_fix_requeues_them(django_capture_on_commit_callbacks):
    user = coordinator()
    stuck = job_for(user)
    limit = datetime.timedelta(seconds=django_settings.GIFT_IMPORT_STUCK_AFTER)
    GiftImportJob.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - limit - datetime.timedelta(1)
    )
    recent = job_for(user, text="::Recent::Recent.{T}\n")
    GiftImportJob.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - limit + datetime.timedelta(minutes=1)
    )
    findings = gift_import_jobs_stuck(fix=False)
    assert [(f.subject, f.fixed) for f in findings] == [(f"GIFT import {stuck.pk}", False)]
    assert "gift_import_jobs_stuck" in {
        path.rsplit(".", 1)[-1] for path in django_settings.CONSISTENCY_CHECKS
    }
    with django_capture_on_commit_callbacks(execute=True):
        findings = gift_import_jobs_stuck(fix=True)
    assert [f.fixed for f in findings] == [True]
    stuck.refresh_from_db()
    assert stuck.status == "done"
    assert gift_import_jobs_stuck(fix=False) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "pending", "total": 1, "processed": 2},
        {"status": "running", "claim": "", "claimed_at": None},
        {"status": "done", "finished_at": None},
        {"status": "pending", "finished_at": "now"},
        {"status": "lost"},
    ],
)
def test_job_invariants_are_database_constraints(fields):
    """Each invariant holds with the services bypassed."""
    job = job_for(coordinator())
    if fields.get("finished_at") == "now":
        fields = {**fields, "finished_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftImportJob.objects.filter(pk=job.pk).update(**fields)


@pytest.mark.parametrize(
    ("bank", "tags", "phrase"),
    [
        ("", "ok, " + "t" * 101, "100 characters"),
        ("district/" + "b" * 121, "", "120 characters"),
        ("/".join(["b" * 100] * 5), "", "400 characters"),
    ],
)
def test_upload_refuses_tags_and_bank_names_longer_than_their_columns(bank, tags, phrase):
    """A tag is at most 100 characters (taggit's column) and each part of a bank path at
    most 120 (the bank name's): a form error at upload, not a failure in the job or, on
    PostgreSQL, a DataError."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(coordinator())
    upload = SimpleUploadedFile("q.gift", GIFT.encode())
    response = client.post(reverse("gift:import"), {"file": upload, "bank": bank, "tags": tags})
    assert response.status_code == 200 and phrase in response.content.decode()
    assert 'name="confirm"' not in response.content.decode(), "no preview to confirm"


def test_a_file_category_too_long_for_a_bank_is_a_line_error():
    from assessments.services.gift_import import GiftImportError

    with pytest.raises(GiftImportError) as error:
        question_bank_import_gift(text=f"$CATEGORY: {'c' * 121}\n\n::A::Fine.{{T}}\n")
    assert error.value.problems[0][0] == 3 and "120 characters" in error.value.problems[0][1]
    assert not QuestionBank.objects.exists()
