"""Consistency checks for certificates and what they depend on (see training_site/consistency.py)."""

import datetime
import hashlib

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateStatus
from courses.models import Enrollment
from courses.models.records import EnrollmentStatus
from training_site.consistency import Finding

CHUNK = 500


def _requeue(certificate_id: int) -> None:
    services.certificate_render_queue(certificate_id=certificate_id)


def completed_enrollments_without_certificate(*, fix: bool) -> list[Finding]:
    """Completed enrollments with no certificate at all (none revoked or superseded either),
    while completion issues certificates. ``fix`` issues them (their PDFs are queued)."""
    if "certificates.services.certificate_issue" not in settings.COURSE_COMPLETION_HANDLERS:
        return []
    missing = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).exclude(
        Exists(Certificate.objects.filter(enrollment=OuterRef("pk")))
    )
    findings = []
    for enrollment in missing.select_related("learner", "course"):
        fixed = False
        if fix:
            services.certificate_issue(enrollment=enrollment)
            fixed = True
        findings.append(
            Finding(
                "completed_enrollments_without_certificate",
                f"enrollment {enrollment.pk}",
                f"{enrollment.learner.email} completed “{enrollment.course.title}” but has no certificate",
                fixed,
            )
        )
    return findings


def certificates_stuck(*, fix: bool) -> list[Finding]:
    """Certificates pending or rendering for longer than CERTIFICATE_RENDER_STUCK_AFTER:
    several sweeps should have finished them. ``fix`` queues the render again. On the
    embedded default (rendered when read) only a render claim that was never finished is."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.CERTIFICATE_RENDER_STUCK_AFTER)
    late = Q(status=CertificateStatus.RENDERING, render_started_at__lt=cutoff)
    if not settings.CERTIFICATE_RENDER_ON_READ:
        # On the embedded default a pending certificate waits for its first download.
        late |= Q(status=CertificateStatus.PENDING, created_at__lt=cutoff)
    stuck = Certificate.objects.filter(late).values_list("pk", "code", "status")
    findings = []
    for pk, code, status in stuck:
        if fix:
            _requeue(pk)
        findings.append(Finding("certificates_stuck", f"certificate {code}", f"{status} past its limit", fix))
    return findings


def certificates_without_pdf(*, fix: bool) -> list[Finding]:
    """Issued certificates whose PDF is not in storage. ``fix`` sets them pending again and
    queues the render (the learner is not emailed a second time)."""
    findings = []
    issued = Certificate.objects.filter(status=CertificateStatus.ISSUED).only("pk", "code", "pdf")
    for certificate in issued.iterator(chunk_size=CHUNK):
        if certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name):
            continue
        fixed = False
        if fix:
            fixed = bool(
                Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.ISSUED).update(
                    status=CertificateStatus.PENDING, render_claim="", render_started_at=None
                )
            )
            if fixed:
                _requeue(certificate.pk)
        findings.append(
            Finding(
                "certificates_without_pdf",
                f"certificate {certificate.code}",
                "issued with no stored PDF",
                fixed,
            )
        )
    return findings


def certificates_checksum_mismatch(*, fix: bool) -> list[Finding]:
    """Issued certificates whose stored PDF does not hash to the recorded SHA-256. Never
    fixed automatically: the file may have been tampered with or damaged, and replacing it
    would destroy the evidence; an administrator reissues after looking."""
    findings = []
    issued = Certificate.objects.filter(status=CertificateStatus.ISSUED).exclude(pdf="")
    for certificate in issued.only("pk", "code", "pdf", "sha256").iterator(chunk_size=CHUNK):
        storage = certificate.pdf.storage
        if not storage.exists(certificate.pdf.name):
            continue  # certificates_without_pdf reports it
        digest = hashlib.sha256()
        with storage.open(certificate.pdf.name, "rb") as handle:
            for block in iter(lambda handle=handle: handle.read(1 << 16), b""):
                digest.update(block)
        if digest.hexdigest() != certificate.sha256:
            findings.append(
                Finding(
                    "certificates_checksum_mismatch",
                    f"certificate {certificate.code}",
                    f"stored PDF hashes to {digest.hexdigest()[:12]}…, recorded {certificate.sha256[:12]}…",
                )
            )
    return findings
