"""Completion certificates (learner records) and the issuer's site settings (editorial).

A Certificate copies everything it prints when it is issued, so later edits to the
course, the learner's profile or the settings never change a certificate already
shown to a hiring district; a correction is a reissue (a new certificate that
supersedes the old one).
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

# Crockford's base32 without I, L, O and U: nothing a person can misread or mistype.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_PREFIX = "SCL"
CODE_GROUPS = 2
CODE_GROUP_LENGTH = 4


def certificate_code_generate() -> str:
    """A short code such as ``SCL-7K3M-9Q2P`` (40 random bits)."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS)
    )
    return "-".join([CODE_PREFIX, *groups])


def certificate_public_id_generate() -> str:
    """The id in download and verification URLs: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def certificate_pdf_storage() -> Storage:
    """The ``certificates`` entry of ``STORAGES`` (overwriting: a re-render replaces the file)."""
    return storages["certificates"]


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RENDERING = "rendering", _("Rendering")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Rendering failed")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


class Certificate(models.Model):
    """A completion certificate for one enrollment, with its PDF and public verification ids.

    Issued by ``certificates.services.certificate_issue`` inside the completing
    transaction; the PDF is rendered afterwards by a Celery task.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    enrollment = models.ForeignKey(
        "courses.Enrollment", on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="certificates")
    public_id = models.CharField(
        max_length=64, unique=True, default=certificate_public_id_generate, editable=False
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.PENDING, db_index=True
    )

    # What the certificate prints, copied when it is issued.
    learner_name = models.CharField(_("learner name"), max_length=200)
    course_title = models.CharField(_("course title"), max_length=255)
    contact_hours = models.DecimalField(_("contact hours"), max_digits=5, decimal_places=1)
    competencies = models.JSONField(_("competencies"), default=list, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    issuer_name = models.CharField(_("issuer"), max_length=200)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True)

    # The rendered PDF and the render job's state.
    pdf = models.FileField(upload_to="certificates/", storage=certificate_pdf_storage, blank=True)
    sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # Who holds the render: the Celery task id. A redelivery of the same message (its
    # worker died) may take the claim over at once; anyone else only once it is stale.
    render_claim = models.CharField(max_length=64, blank=True, editable=False)
    render_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_reason = models.TextField(blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Revoked and superseded certificates stay as history; only one other may exist.
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=~Q(status__in=["revoked", "superseded"]),
                name="certificates_certificate_one_current_per_enrollment",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False),
                name="certificates_certificate_revoked_has_date",
            ),
            # A PDF never goes out without a name (nor with the email in its place).
            models.CheckConstraint(
                condition=~Q(status="issued") | ~Q(learner_name=""),
                name="certificates_certificate_issued_has_name",
            ),
        ]
        indexes = [models.Index(fields=["learner", "status"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.learner_name}, {self.course_title}"

    @property
    def is_current(self) -> bool:
        return self.status not in {CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED}

    @property
    def is_being_prepared(self) -> bool:
        return self.status in {CertificateStatus.PENDING, CertificateStatus.RENDERING}

    @property
    def made_on_download(self) -> bool:
        """Waiting for its PDF on the embedded default, where the first download makes it
        ("done when read"): to the learner it is ready now, and they were told so."""
        return settings.CERTIFICATE_RENDER_ON_READ and self.status == CertificateStatus.PENDING

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def pdf_name(self) -> str:
        return f"certificates/{self.public_id}.pdf"

    def get_download_url(self) -> str:
        return reverse("certificates:download", args=[self.public_id])

    def get_verify_url(self) -> str:
        return reverse("certificates:verify_detail", args=[self.public_id])

    def get_absolute_verify_url(self) -> str:
        return settings.BASE_URL + self.get_verify_url()

    def get_short_verify_url(self) -> str:
        return reverse("certificates:verify_short", args=[self.code]).rstrip("/")

    @property
    def printed_verify_url(self) -> str:
        """The short address printed on the certificate, without the scheme and the final
        slash, as a person types it: ``academy.example.org/v/SCL-7K3M-9Q2P``."""
        return urlsplit(settings.BASE_URL).netloc + self.get_short_verify_url()


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """Who issues and signs certificates. Copied into each certificate when it is issued;
    the logo and signature images are read when its PDF is rendered."""

    issuer_name = models.CharField(_("issuer name"), max_length=200, default="Liaison Academy")
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Printed at the top, at most 60 × 16 mm. A PNG or JPEG; transparent areas print white."),
    )
    signatory_name = models.CharField(_("signatory name"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A scan of the signature, printed at most 55 × 16 mm above the signatory's name."),
    )

    panels = [
        MultiFieldPanel([FieldPanel("issuer_name"), FieldPanel("logo")], heading=_("Issuer")),
        MultiFieldPanel(
            [FieldPanel("signatory_name"), FieldPanel("signatory_title"), FieldPanel("signature")],
            heading=_("Signatory"),
        ),
    ]
    select_related = ["logo", "signature"]

    class Meta:
        verbose_name = _("certificate settings")
