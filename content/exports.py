"""Report exports too large to stream in a request: built by a Celery task into a file.

A ReportView that mixes in :class:`BackgroundExportMixin` asks for its export as usual
(``?export=csv`` or ``xlsx``). When the report would have more than
``REPORT_EXPORT_DIRECT_MAX_ROWS`` rows (counted cheaply, before a status filter narrows
them), the view records a :class:`~content.jobs.ReportExport` and sends the coordinator to
its status page instead; the task rebuilds the view for the requester with the stored
filters, so scope, filters, headings and formula neutralization are exactly the screen's.

The task claims the job with a conditional update (a repeated delivery finds it claimed and
does nothing; a claim older than REPORT_EXPORT_STALE_AFTER belongs to a dead worker and may
be taken over), writes progress a fixed number of times whatever the number of rows (so the
task's queries do not grow with the report), and records a failure's reason on the job. On
the embedded default (no broker) the task runs in the request after commit, so the status
page shows the file at once.
"""

import datetime
import io
import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from content.jobs import ReportExport, ReportExportFormat, ReportExportStatus

logger = logging.getLogger(__name__)

#: Report key → its ReportView class. The key is stored on the job.
EXPORTABLE_REPORTS = {
    "progress_matrix": "content.reports.ProgressMatrixView",
    "module_matrix": "content.reports_results.ModuleMatrixView",
    "course_results": "content.reports_results.CourseResultsView",
}
#: Above the task's hard time limit (content/tasks.py): an older claim's worker is gone.
REPORT_EXPORT_STALE_AFTER = datetime.timedelta(minutes=15)
#: Progress is written this many times while the file is written, whatever its size.
PROGRESS_STEPS = 10


class ReportExportOutcome:
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class BackgroundExportMixin:
    """For a ReportView: exports above the row limit become a ReportExport job."""

    #: The key of this report in EXPORTABLE_REPORTS.
    export_key = ""

    def export_row_count(self) -> int:
        """The number of rows the export would have at most, without building them."""
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if self.is_export and self.export_row_count() > settings.REPORT_EXPORT_DIRECT_MAX_ROWS:
            job = report_export_request(
                user=request.user,
                report=self.export_key,
                query=request.GET,
                file_format=request.GET["export"],
            )
            return redirect("report_export_status", pk=job.pk)
        return super().get(request, *args, **kwargs)


def _filters_from_query(query: QueryDict) -> dict[str, list[str]]:
    return {name: query.getlist(name) for name in query if name not in ("export", "p")}


def report_export_request(*, user, report: str, query: QueryDict, file_format: str) -> ReportExport:
    """Record an export of ``report`` with the filters in ``query``, queued after commit."""
    from content import tasks

    if report not in EXPORTABLE_REPORTS or file_format not in ReportExportFormat.values:
        raise ValueError(f"Unknown report or format: {report!r}, {file_format!r}")
    job = ReportExport.objects.create(
        requested_by=user, report=report, filters=_filters_from_query(query), file_format=file_format
    )
    tasks.report_export_build_task.delay_on_commit(job.pk)
    return job


def report_exports_visible_to(*, user) -> QuerySet[ReportExport]:
    """The exports ``user`` may see and download: their own; every one for administrators.
    A coordinator in the same cohorts still gets a 404 for another's file."""
    if not user.is_authenticated:
        return ReportExport.objects.none()
    if user.is_superuser:
        return ReportExport.objects.all()
    return ReportExport.objects.filter(requested_by=user)


def report_view_for(job: ReportExport):
    """The job's report view, set up as if its requester had asked for the export."""
    request = HttpRequest()
    request.method = "GET"
    request.user = job.requested_by
    query = QueryDict(mutable=True)
    for name, values in job.filters.items():
        query.setlist(name, [str(value) for value in values])
    query["export"] = job.file_format
    request.GET = query
    view = import_string(EXPORTABLE_REPORTS[job.report])()
    view.setup(request)
    return view


def _progress_marks(total: int) -> set[int]:
    return {total * step // PROGRESS_STEPS for step in range(1, PROGRESS_STEPS)} if total else set()


def _write(view, job: ReportExport, rows: list) -> bytes:
    marks = _progress_marks(len(rows))

    def counted(items: Iterable) -> Iterable:
        for index, item in enumerate(items):
            if index in marks:
                ReportExport.objects.filter(pk=job.pk).update(processed=index)
            yield item

    if job.file_format == ReportExportFormat.XLSX:
        output = io.BytesIO()
        view.write_xlsx(counted(rows), output)
        return output.getvalue()
    return b"".join(view.stream_csv(counted(rows)))


def report_export_build(*, export_id: int) -> str:
    """Build the file of one export. Safe to run twice: only a pending job (or one whose
    claim is stale) is claimed, and a finished job is never built again."""
    now = timezone.now()
    claimed = (
        ReportExport.objects.filter(pk=export_id)
        .filter(
            Q(status=ReportExportStatus.PENDING)
            | Q(status=ReportExportStatus.RUNNING, claimed_at__lt=now - REPORT_EXPORT_STALE_AFTER)
        )
        .update(status=ReportExportStatus.RUNNING, claimed_at=now, processed=0)
    )
    if not claimed:
        return ReportExportOutcome.SKIPPED
    job = ReportExport.objects.select_related("requested_by").get(pk=export_id)
    try:
        view = report_view_for(job)
        rows = list(view.get_filtered_queryset())
        ReportExport.objects.filter(pk=job.pk).update(total=len(rows))
        content = _write(view, job, rows)
        name = f"{job.report}-{job.pk}-{secrets.token_urlsafe(12)}.{job.file_format}"
        job.file.save(name, ContentFile(content), save=False)
        ReportExport.objects.filter(pk=job.pk, status=ReportExportStatus.RUNNING).update(
            status=ReportExportStatus.DONE,
            file=job.file.name,
            total=len(rows),
            processed=len(rows),
            finished_at=timezone.now(),
        )
        return ReportExportOutcome.DONE
    except Exception as exc:  # recorded on the job for the coordinator; the traceback is logged
        logger.exception("Report export %s failed", export_id)
        ReportExport.objects.filter(pk=job.pk, status=ReportExportStatus.RUNNING).update(
            status=ReportExportStatus.FAILED,
            error=_("The export could not be built (%(reason)s). Try again, or ask an administrator.")
            % {"reason": type(exc).__name__},
            processed=0,
            finished_at=timezone.now(),
        )
        return ReportExportOutcome.FAILED


def report_exports_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports older than REPORT_EXPORT_KEEP_DAYS; the rows stay, marked
    expired, so a link to one says what happened. Idempotent."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REPORT_EXPORT_KEEP_DAYS)
    deleted = 0
    for job in ReportExport.objects.filter(created_at__lt=cutoff, status=ReportExportStatus.DONE):
        if job.file:
            job.file.storage.delete(job.file.name)
        deleted += ReportExport.objects.filter(pk=job.pk, status=ReportExportStatus.DONE).update(
            status=ReportExportStatus.EXPIRED, file="", finished_at=now
        )
    return deleted
