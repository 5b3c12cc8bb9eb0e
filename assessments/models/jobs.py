"""Background jobs that coordinators start from the admin: the GIFT import.

A plain record, not a snippet: it has no drafts or revisions, only the state of one run.
The uploaded text is kept on the job (at most GIFT_MAX_BYTES, checked by the upload form)
so a worker on another machine can read it and a requeued run starts from the same input.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class GiftImportStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class GiftImportJob(models.Model):
    """One confirmed GIFT import, run by the ``gift_import_run`` task.

    The task claims the job with a conditional update (``claim`` is the Celery task id), so
    a repeated delivery does nothing while the claim is live; a claim older than
    GIFT_IMPORT_STALE_AFTER belongs to a worker that died and may be taken over. The import
    itself is one transaction: the job ends done with every question, or failed with none.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gift_import_jobs"
    )
    bank_path = models.CharField(_("bank path"), max_length=400, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    text = models.TextField(_("GIFT text"))
    status = models.CharField(
        max_length=20, choices=GiftImportStatus.choices, default=GiftImportStatus.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # The banks the questions went into, as paths, for the outcome's links.
    bank_paths = models.JSONField(default=list, blank=True)
    # Line errors of a file that cannot be imported, as [line, message] pairs.
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    runs = models.PositiveSmallIntegerField(default=0, help_text=_("How many times a worker claimed it."))
    claim = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("GIFT import")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GiftImportStatus.values), name="assessments_giftimport_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="assessments_giftimport_processed_lte_total"
            ),
            # Finished exactly when done or failed; running exactly when claimed.
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["pending", "running"], finished_at__isnull=True),
                name="assessments_giftimport_finished_when_over",
            ),
            models.CheckConstraint(
                condition=~Q(status="running") | (~Q(claim="") & Q(claimed_at__isnull=False)),
                name="assessments_giftimport_running_is_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"GIFT import {self.pk} ({self.get_status_display()})"

    @property
    def is_over(self) -> bool:
        return self.status in (GiftImportStatus.DONE, GiftImportStatus.FAILED)
