"""The GIFT import as a background job: create, run (claimed, atomic), requeue when stale.

The admin's confirm step creates a GiftImportJob and queues ``gift_import_run`` after
commit; the Celery task calls :func:`gift_import_run` with its task id as the claim. On the
embedded default (no broker) the task runs in the request, so the job page shows the
outcome at once. The command-line ``import_gift`` stays synchronous and does not use jobs.

Progress: the import is one transaction, so counts written to the job row while it runs
would be invisible to the job page (PostgreSQL) or blocked by the import's own write lock
(SQLite). The running count goes to the cache (Redis in production, shared by web and
worker; in-process memory when the task runs eagerly) and the final counts to the row.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import tasks
from assessments.models import GiftImportJob, GiftImportStatus
from assessments.services.gift_import import GiftImportError, question_bank_import_gift

logger = logging.getLogger(__name__)

# A job claimed this many times without finishing (its worker died, or it ran past the
# hard time limit each time) is failed instead of being requeued for ever.
GIFT_IMPORT_MAX_RUNS = 3


class GiftImportOutcome:
    DONE = "done"
    FAILED = "failed"
    BUSY = "busy"
    SKIPPED = "skipped"
    MISSING = "missing"


class _ClaimLost(Exception):
    """Our claim went stale and another run took the job over: roll our import back."""


def gift_import_stale_after() -> datetime.timedelta:
    """How old a claim must be before another run may take it over: longer than the task's
    hard time limit (GIFT_IMPORT_STALE_AFTER), so an older claim belongs to a dead worker."""
    return datetime.timedelta(seconds=settings.GIFT_IMPORT_STALE_AFTER)


def _progress_key(job_id: int) -> str:
    return f"assessments:gift-import-progress:{job_id}"


def gift_import_create(
    *, text: str, bank_path: str = "", tags: list[str] | tuple[str, ...] = (), user
) -> GiftImportJob:
    """Record a confirmed import and queue it after commit."""
    job = GiftImportJob.objects.create(created_by=user, text=text, bank_path=bank_path or "", tags=list(tags))
    tasks.gift_import_run.delay_on_commit(job.pk)
    return job


def gift_import_progress(*, job: GiftImportJob) -> tuple[int, int]:
    """(processed, total) of a job: the running count while it runs, else the row's."""
    if job.status == GiftImportStatus.RUNNING:
        running = cache.get(_progress_key(job.pk))
        if running is not None:
            processed, total = running
            return min(processed, total), total
    return job.processed, job.total


def _fail(*, job_id: int, claim: str, problems=(), error: str = "") -> bool:
    return bool(
        GiftImportJob.objects.filter(pk=job_id, status=GiftImportStatus.RUNNING, claim=claim).update(
            status=GiftImportStatus.FAILED,
            problems=[[line, message] for line, message in problems],
            error=error[:2000],
            processed=0,
            created_count=0,
            updated_count=0,
            finished_at=timezone.now(),
        )
    )


def gift_import_run(*, job_id: int, claim: str | None = None) -> str:
    """Import the job's file once, however many times it is asked for.

    Claims the job with a conditional update (pending → running). A repeat delivery with
    the same ``claim`` (the Celery task id) resumes; another caller gets BUSY until the claim
    is older than GIFT_IMPORT_STALE_AFTER, then takes it over. The import and the job's
    ``done`` are one transaction, committed only if the claim is still ours: a run whose
    claim was taken over rolls its questions back. Any failure leaves no question changed
    and the job failed with the reason. Returns a GiftImportOutcome value.
    """
    claim = claim or uuid.uuid4().hex
    now = timezone.now()
    claimable = (
        Q(status=GiftImportStatus.PENDING)
        | Q(status=GiftImportStatus.RUNNING, claim=claim)
        | Q(status=GiftImportStatus.RUNNING, claimed_at__lt=now - gift_import_stale_after())
    )
    claimed = GiftImportJob.objects.filter(claimable, pk=job_id).update(
        status=GiftImportStatus.RUNNING, claim=claim, claimed_at=now, runs=F("runs") + 1
    )
    if not claimed:
        status = GiftImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status is None:
            return GiftImportOutcome.MISSING
        return GiftImportOutcome.BUSY if status == GiftImportStatus.RUNNING else GiftImportOutcome.SKIPPED

    job = GiftImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.runs > GIFT_IMPORT_MAX_RUNS:
        _fail(
            job_id=job_id,
            claim=claim,
            error=_(
                "The import was interrupted %(n)d times (a worker stopped, or it ran past its time "
                "limit). Nothing was imported: split the file and import the parts."
            )
            % {"n": job.runs - 1},
        )
        return GiftImportOutcome.FAILED

    key = _progress_key(job_id)
    timeout = settings.GIFT_IMPORT_STALE_AFTER * 2

    def progress(done: int, total: int) -> None:
        cache.set(key, (done, total), timeout=timeout)

    try:
        with transaction.atomic():
            report = question_bank_import_gift(
                text=job.text,
                bank_path=job.bank_path or None,
                tags=job.tags,
                user=job.created_by,
                progress=progress,
            )
            total = len(report.questions)
            finished = GiftImportJob.objects.filter(
                pk=job_id, status=GiftImportStatus.RUNNING, claim=claim
            ).update(
                status=GiftImportStatus.DONE,
                total=total,
                processed=total,
                created_count=len(report.created),
                updated_count=len(report.updated),
                bank_paths=sorted({question.bank.path for question in report.questions}),
                problems=[],
                error="",
                finished_at=timezone.now(),
            )
            if not finished:
                raise _ClaimLost
    except _ClaimLost:
        return GiftImportOutcome.SKIPPED
    except GiftImportError as error:
        _fail(job_id=job_id, claim=claim, problems=error.problems)
        return GiftImportOutcome.FAILED
    except Exception as error:
        # Includes the soft time limit (SoftTimeLimitExceeded). The transaction has rolled
        # back; the coordinator gets the reason on the job page.
        logger.exception("GIFT import job %s failed", job_id)
        _fail(
            job_id=job_id,
            claim=claim,
            error=_("The import stopped with an unexpected error (%(error)s). Nothing was imported.")
            % {"error": f"{type(error).__name__}: {error}"[:500]},
        )
        return GiftImportOutcome.FAILED
    finally:
        cache.delete(key)
    return GiftImportOutcome.DONE


def gift_import_jobs_stale(*, older_than: datetime.timedelta) -> list[int]:
    """Jobs whose message was lost (pending since before the cut-off) or whose worker died
    (running under a claim older than it)."""
    cutoff = timezone.now() - older_than
    return list(
        GiftImportJob.objects.filter(
            Q(status=GiftImportStatus.PENDING, created_at__lt=cutoff)
            | Q(status=GiftImportStatus.RUNNING, claimed_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )


def gift_import_requeue_stale(*, older_than: datetime.timedelta | None = None) -> int:
    """Queue again the imports whose message was lost or whose worker died.

    Run by Celery beat every GIFT_IMPORT_SWEEP_INTERVAL seconds. The claim rules keep an
    import that is still running safe, and a job is queued at most once per cut-off period
    (a mark in the shared cache), so a long queue is not multiplied. Returns how many.
    """
    older_than = older_than or gift_import_stale_after()
    queued = 0
    for job_id in gift_import_jobs_stale(older_than=older_than):
        if cache.add(f"assessments:gift-import-requeued:{job_id}", 1, timeout=older_than.total_seconds()):
            tasks.gift_import_run.delay_on_commit(job_id)
            queued += 1
    return queued
