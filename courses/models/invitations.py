"""Invitations and bulk-enrollment jobs: how a coordinator brings a group of people in.

An ``Invitation`` is the link a person who had no account gets by email to set a password.
Only a SHA-256 hash of its token is stored (the token is 32 random bytes, so a hash without
salt is enough): the database alone cannot be used to accept someone's invitation, and
resending makes a new token, so an older email's link stops working. The account is made
when the invitation is, with an unusable password, so the person is a cohort member (and is
enrolled in its courses) from the start and shows as "invited" until they accept.

A ``BulkEnrollmentJob`` is one applied file too large to apply in the request: the Celery
task claims it with a conditional update and applies it in one transaction, like the GIFT
import job (assessments/models/jobs.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    JOINED = "joined", _("Joined")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """An emailed link to set a password and join ``cohort``, for the account made for
    ``email``. At most one open (neither accepted nor revoked) invitation per address."""

    email = models.EmailField(_("email address"))
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    cohort = models.ForeignKey(
        "courses.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("invited on"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("joined on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="courses_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="courses_invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("sent_at")), name="courses_invitation_expires_after_sent"
            ),
            models.CheckConstraint(condition=~Q(token_hash=""), name="courses_invitation_has_token"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.JOINED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.INVITED

    @property
    def status_label(self) -> str:
        return str(InvitationStatus(self.status).label)


class BulkEnrollmentStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Applying")
    DONE = "done", _("Applied")
    FAILED = "failed", _("Failed")


class BulkEnrollmentJob(models.Model):
    """One confirmed bulk enrollment of more rows than a request should apply. The text is
    kept (at most 2 MB, checked before) so a worker on another machine applies the same
    input; the task applies it in one transaction: done with every row, or failed with none."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_enrollment_jobs"
    )
    source = models.CharField(max_length=10)  # "csv" or "paste"
    text = models.TextField()
    cohort = models.ForeignKey(
        "courses.Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_days = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20,
        choices=BulkEnrollmentStatus.choices,
        default=BulkEnrollmentStatus.PENDING,
        db_index=True,
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    invited_count = models.PositiveIntegerField(default=0)
    added_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    # Row errors found when the task re-checked the file, as [row, message] pairs.
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    claim = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulk enrollment")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BulkEnrollmentStatus.values), name="courses_bulkjob_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["csv", "paste"]), name="courses_bulkjob_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="courses_bulkjob_processed_lte_total"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["pending", "running"], finished_at__isnull=True),
                name="courses_bulkjob_finished_when_over",
            ),
            models.CheckConstraint(
                condition=Q(expires_days__gte=1, expires_days__lte=365), name="courses_bulkjob_expiry_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Bulk enrollment {self.pk} ({self.get_status_display()})"

    @property
    def is_over(self) -> bool:
        return self.status in (BulkEnrollmentStatus.DONE, BulkEnrollmentStatus.FAILED)
