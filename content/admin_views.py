"""Admin screens of report exports built in the background: the status page and the file.

Both take the job's id, so both look it up through ``report_exports_visible_to``: a job of
someone else is a 404, whoever they coordinate.
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from content.exports import report_exports_visible_to
from content.jobs import ReportExportStatus

RECENT_EXPORTS = 10


def _require(request) -> None:
    # Whoever may see cohorts (coordinators, administrators) may export their reports.
    if not request.user.has_perm("courses.view_cohort"):
        raise PermissionDenied


def report_export_status(request, pk: int):
    """The job's progress while it is queued or building (the page refreshes itself), then
    a download link, or the reason it failed."""
    _require(request)
    job = get_object_or_404(report_exports_visible_to(user=request.user), pk=pk)
    recent = (
        report_exports_visible_to(user=request.user)
        .filter(requested_by=request.user)
        .exclude(pk=job.pk)
        .only("pk", "report", "status", "file_format", "created_at")[:RECENT_EXPORTS]
    )
    return TemplateResponse(
        request,
        "content/admin/report_export.html",
        {"job": job, "recent": recent, "page_title": _("Report export")},
    )


def report_export_download(request, pk: int):
    _require(request)
    job = get_object_or_404(report_exports_visible_to(user=request.user), pk=pk)
    if job.status != ReportExportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{job.report.replace('_', '-')}-{job.pk}.{job.file_format}",
    )
