"""Report exports built in the background: one row per requested file.

A report whose export would have more than REPORT_EXPORT_DIRECT_MAX_ROWS rows is not
streamed in the request: the view records a ReportExport (who asked, which report, the
filters as they were in the query string, the format) and queues ``report_export_build``
after commit. The task claims the row with a conditional update, builds the rows with the
report's own view (so scope, filters and formula neutralization are the same as on screen)
and writes the file to the private ``reports`` storage (never under MEDIA_URL). Only the
requester, or a site administrator, may see the job or download the file; files older than
REPORT_EXPORT_KEEP_DAYS are deleted by a periodic task, the row stays as "expired".
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def report_export_storage() -> Storage:
    return storages["reports"]


class ReportExportStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Deleted after 7 days")


class ReportExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ReportExport(models.Model):
    """One export file of a report, requested by a coordinator and built by a task."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_exports"
    )
    #: The key of the report in ``content.exports.EXPORTABLE_REPORTS``.
    report = models.CharField(_("report"), max_length=50)
    #: The report's filters as they were in the query string (name → list of values).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    file_format = models.CharField(_("format"), max_length=10, choices=ReportExportFormat.choices)
    status = models.CharField(
        max_length=20, choices=ReportExportStatus.choices, default=ReportExportStatus.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="report-exports/", storage=report_export_storage, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report export")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReportExportStatus.values), name="content_reportexport_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=ReportExportFormat.values),
                name="content_reportexport_format_valid",
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="content_reportexport_processed_lte_total"
            ),
            # A ready export has its file; nothing else has one.
            models.CheckConstraint(
                condition=Q(status="done") & ~Q(file="") | ~Q(status="done") & Q(file=""),
                name="content_reportexport_file_when_done",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed", "expired"], finished_at__isnull=False)
                | Q(status__in=["pending", "running"], finished_at__isnull=True),
                name="content_reportexport_finished_when_over",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} export {self.pk} ({self.get_status_display()})"

    @property
    def is_over(self) -> bool:
        return self.status not in (ReportExportStatus.PENDING, ReportExportStatus.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == ReportExportStatus.DONE:
            return 100
        return (100 * self.processed) // self.total if self.total else 0
