"""Writes and rules for certificates: issue, render, revoke, reissue, award.

Called the same way from the completion handler, Celery tasks, admin views and the
``award_certificate`` command.
"""

import calendar
import datetime
import hashlib
import logging
import time
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Site

from certificates import tasks
from certificates.models import (
    Certificate,
    CertificateSettings,
    CertificateStatus,
    certificate_code_generate,
)
from courses.events import learner_event_record
from courses.models import CoursePage, Enrollment, LearnerEventKind
from courses.models.records import EnrollmentSource, EnrollmentStatus
from courses.services import enrollment_complete, enrollment_create
from training_site.accounts.roles import COORDINATORS_GROUP

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 8


def render_stale_after() -> datetime.timedelta:
    """How old a render claim must be before another delivery may take it over.

    Longer than the render task's hard time limit (see CERTIFICATE_RENDER_STALE_AFTER), so
    an older claim belongs to a worker that is gone.
    """
    return datetime.timedelta(seconds=settings.CERTIFICATE_RENDER_STALE_AFTER)


class RenderOutcome:
    RENDERED = "rendered"
    BUSY = "busy"
    SKIPPED = "skipped"
    MISSING = "missing"
    FAILED = "failed"


def certificate_settings_current() -> CertificateSettings:
    """The default site's certificate settings (unsaved defaults when there is no site)."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return CertificateSettings()
    return CertificateSettings.for_site(site)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _completion_date(enrollment: Enrollment) -> datetime.date:
    # The date the learner saw when they finished, in their own time zone.
    completed_at = enrollment.completed_at or timezone.now()
    try:
        zone = zoneinfo.ZoneInfo(enrollment.learner.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    return completed_at.astimezone(zone).date()


def _snapshot(*, enrollment: Enrollment) -> dict:
    """What a certificate prints, copied from the learner, the course and the settings."""
    course = enrollment.course
    learner = enrollment.learner
    issuer = certificate_settings_current()
    issued_on = _completion_date(enrollment)
    months = course.certificate_validity_months
    return {
        "learner": learner,
        "enrollment": enrollment,
        "course": course,
        "learner_name": learner.name_for_certificate,
        "course_title": course.title,
        "contact_hours": course.contact_hours,
        "competencies": sorted(course.tags.names(), key=str.casefold),
        "issued_on": issued_on,
        "expires_on": add_months(issued_on, months) if months else None,
        "issuer_name": issuer.issuer_name,
        "signatory_name": issuer.signatory_name,
        "signatory_title": issuer.signatory_title,
    }


def _certificate_create(**fields) -> Certificate:
    """Create with a fresh code, retrying on the (rare) clash with an existing one."""
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Certificate.objects.create(code=certificate_code_generate(), **fields)
        except IntegrityError:
            enrollment = fields["enrollment"]
            if certificate_current_for_enrollment(enrollment=enrollment) is not None:
                raise
    raise IntegrityError("Could not find an unused certificate code.")


def certificate_current_for_enrollment(*, enrollment: Enrollment) -> Certificate | None:
    return (
        Certificate.objects.filter(enrollment=enrollment)
        .exclude(status__in=[CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED])
        .first()
    )


def certificate_issue(*, enrollment: Enrollment) -> Certificate:
    """Issue the certificate for a completed enrollment; the PDF is queued after commit.

    The default COURSE_COMPLETION_HANDLERS entry: runs inside the completing transaction,
    so a completion that rolls back leaves no certificate and queues no task. Returns the
    enrollment's current certificate if it already has one.
    """
    if enrollment.status != EnrollmentStatus.COMPLETED:
        raise ValidationError(_("Only a completed enrollment earns a certificate."), code="not_completed")
    existing = certificate_current_for_enrollment(enrollment=enrollment)
    if existing is not None:
        return existing
    with transaction.atomic():
        certificate = _certificate_create(**_snapshot(enrollment=enrollment))
        _event(certificate, LearnerEventKind.CERTIFICATE_ISSUED, key=f"certificate_issued:{certificate.pk}")
        _certificate_made(certificate)
    return certificate


def _certificate_made(certificate: Certificate) -> None:
    """After a certificate is issued or reissued: queue its render; on the embedded default
    it renders when first downloaded, so it can be downloaded now and the learner is told
    so (with a worker, the render tells them when it has finished)."""
    certificate_render_queue(certificate_id=certificate.pk)
    if settings.CERTIFICATE_RENDER_ON_READ and certificate.learner_name.strip():
        _ready_event(certificate)


def _ready_event(certificate: Certificate) -> None:
    # One per certificate: the notification "certificate ready" hangs on this key.
    _event(certificate, LearnerEventKind.CERTIFICATE_READY, key=f"certificate_ready:{certificate.pk}")


def certificate_render_queue(*, certificate_id: int) -> None:
    """Have the certificate's PDF rendered: by the pdf worker after commit, or, on the
    embedded default (CERTIFICATE_RENDER_ON_READ), when it is first downloaded or verified."""
    if not settings.CERTIFICATE_RENDER_ON_READ:
        tasks.certificate_render.delay_on_commit(certificate_id)


def certificate_render_on_read(*, certificate: Certificate) -> Certificate:
    """Render a certificate that is still waiting for its PDF, in this request ("done when
    read", the embedded default). Returns the certificate as it now is.

    A render that fails is recorded as failed (the coordinators are told), never raised:
    the page that asked shows the status instead of an error. A certificate claimed by a
    render that is still running is left to it; one whose claim went stale (the process
    died) is taken over.
    """
    if not settings.CERTIFICATE_RENDER_ON_READ or certificate.status not in {
        CertificateStatus.PENDING,
        CertificateStatus.RENDERING,
    }:
        return certificate
    try:
        certificate_render(certificate_id=certificate.pk)
    except Exception as exc:
        logger.exception("Rendering certificate %s on read failed", certificate.pk)
        certificate_render_fail(certificate_id=certificate.pk, reason=f"{type(exc).__name__}: {exc}")
    certificate.refresh_from_db()
    return certificate


def _event(certificate: Certificate, kind: str, *, key: str, **payload) -> None:
    enrollment = certificate.enrollment
    learner_event_record(
        learner=enrollment.learner,
        kind=kind,
        key=key,
        subject_type="certificate",
        subject_id=certificate.pk,
        course=enrollment.course,
        payload={"code": certificate.code, "course_title": certificate.course_title, **payload},
    )


def certificate_render(*, certificate_id: int, claim: str | None = None) -> str:
    """Render the certificate's PDF once, however many times it is asked for.

    Claims the render with a conditional update (pending → rendering), writes the PDF to
    a path derived from the public id (overwriting), stores its SHA-256 and sets issued.
    ``claim`` identifies the caller (the Celery task id): a redelivery of the same task
    may resume its own claim; another caller waits for the claim to go stale. Returns a
    RenderOutcome value.
    """
    claim = claim or uuid.uuid4().hex
    now = timezone.now()
    claimable = (
        Q(status=CertificateStatus.PENDING)
        | Q(status=CertificateStatus.RENDERING, render_claim=claim)
        | Q(status=CertificateStatus.RENDERING, render_started_at__lt=now - render_stale_after())
    )
    claimed = Certificate.objects.filter(claimable, pk=certificate_id).update(
        status=CertificateStatus.RENDERING, render_claim=claim, render_started_at=now
    )
    if not claimed:
        status = Certificate.objects.filter(pk=certificate_id).values_list("status", flat=True).first()
        if status is None:
            return RenderOutcome.MISSING
        return RenderOutcome.BUSY if status == CertificateStatus.RENDERING else RenderOutcome.SKIPPED

    certificate = Certificate.objects.get(pk=certificate_id)
    if not certificate.learner_name.strip():
        # Issued while the learner had no name (the email is never printed instead): take
        # the name they have set since, or stop and ask for one.
        name = certificate.learner.name_for_certificate
        if not name:
            certificate_render_fail(
                certificate_id=certificate_id,
                reason=_("The learner has no name to print; they are asked to add one to their profile."),
            )
            return RenderOutcome.FAILED
        Certificate.objects.filter(pk=certificate_id).update(learner_name=name)
        certificate.learner_name = name
    if settings.CERTIFICATE_RENDER_TEST_DELAY:
        # Test-only (off by default): holds the claim long enough for the fault tests to
        # kill the worker mid-render; the real render below still runs.
        time.sleep(settings.CERTIFICATE_RENDER_TEST_DELAY)
    pdf = certificate_pdf_bytes(certificate=certificate)
    storage = certificate.pdf.storage
    name = storage.save(certificate.pdf_name, ContentFile(pdf))
    with transaction.atomic():
        finished = Certificate.objects.filter(
            pk=certificate_id, status=CertificateStatus.RENDERING, render_claim=claim
        ).update(
            status=CertificateStatus.ISSUED,
            pdf=name,
            sha256=hashlib.sha256(pdf).hexdigest(),
            rendered_at=timezone.now(),
            failure_reason="",
        )
        if not finished:
            # Revoked, or taken over after our claim went stale, while we rendered.
            return RenderOutcome.SKIPPED
        # The learner is emailed through the notification table (training_site/notifications.py);
        # the event's key makes it once per certificate, however often the PDF is rendered.
        _ready_event(certificate)
    return RenderOutcome.RENDERED


def certificate_render_claim_expires_in(*, certificate_id: int) -> float | None:
    """Seconds until the current render claim goes stale (0 if it already has), or None
    when the certificate is not rendering: how long a busy delivery waits before retrying."""
    started = (
        Certificate.objects.filter(pk=certificate_id, status=CertificateStatus.RENDERING)
        .values_list("render_started_at", flat=True)
        .first()
    )
    if started is None:
        return None
    return max(0.0, (started + render_stale_after() - timezone.now()).total_seconds())


def _settings_image_uri(image, box_mm: tuple[int, int], *, what: str) -> str | None:
    """The settings image prepared for printing, or None when there is none or it cannot be
    read (a file missing from storage, a damaged upload): the certificate is then printed
    without it rather than not at all, and the problem is logged for a coordinator."""
    from PIL import Image as PILImage

    from certificates import rendering

    if image is None:
        return None
    try:
        return rendering.image_data_uri(image, box_mm=box_mm)
    except (OSError, ValueError, PILImage.DecompressionBombError):
        logger.warning(
            "Certificate settings %s %r could not be read; printing without it.",
            what,
            image.title,
            exc_info=True,
        )
        return None


def certificate_pdf_bytes(*, certificate: Certificate, url_fetcher=None) -> bytes:
    """The PDF for the certificate, with the issuer's current logo and signature.

    ``url_fetcher`` replaces the shipped CertificateURLFetcher (tests pass a recording one).
    """
    # Imported here: only processes that render (the pdf worker, eager `make run`) load
    # WeasyPrint and its native libraries.
    from certificates import rendering

    issuer = certificate_settings_current()
    logo_uri = _settings_image_uri(issuer.logo, rendering.LOGO_BOX_MM, what="logo")
    signature_uri = _settings_image_uri(issuer.signature, rendering.SIGNATURE_BOX_MM, what="signature")
    return rendering.certificate_pdf(
        certificate, logo_uri=logo_uri, signature_uri=signature_uri, url_fetcher=url_fetcher
    )


def certificate_render_fail(*, certificate_id: int, reason: str) -> bool:
    """Record that rendering failed for good and tell the coordinators. True if recorded."""
    failed = Certificate.objects.filter(
        pk=certificate_id, status__in=[CertificateStatus.PENDING, CertificateStatus.RENDERING]
    ).update(status=CertificateStatus.FAILED, failure_reason=reason[:2000], render_claim="")
    if failed:
        logger.error("Certificate %s could not be rendered: %s", certificate_id, reason)
        tasks.certificate_failed_email.delay_on_commit(certificate_id)
    return bool(failed)


def certificate_ready_announce(*, certificate_id: int) -> None:
    """Record that an issued certificate is ready (once; the notification table emails the
    learner). Kept for render messages queued before the email moved to the table."""
    certificate = Certificate.objects.filter(pk=certificate_id, status=CertificateStatus.ISSUED).first()
    if certificate is not None:
        _ready_event(certificate)


def certificate_failed_email_send(*, certificate_id: int) -> int:
    """Tell the coordinators a certificate could not be rendered. Returns the recipient count."""
    certificate = Certificate.objects.filter(pk=certificate_id, status=CertificateStatus.FAILED).first()
    if certificate is None:
        return 0
    recipients = sorted(
        set(
            get_user_model()
            .objects.filter(Q(groups__name=COORDINATORS_GROUP) | Q(is_superuser=True), is_active=True)
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        logger.error("No coordinator to tell that certificate %s failed to render.", certificate.code)
        return 0
    context = {
        "certificate": certificate,
        "admin_url": settings.BASE_URL + reverse("certificate_admin:inspect", args=[certificate.pk]),
    }
    subject = render_to_string("certificates/email/certificate_failed_subject.txt", context)
    body = render_to_string("certificates/email/certificate_failed_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, recipients)
    return len(recipients)


def certificate_render_requeue_stale(*, older_than: datetime.timedelta | None = None) -> int:
    """Queue again the renders whose message was lost (a broker restart) or whose worker
    died: certificates pending since before the cut-off, or rendering under a claim older
    than it (by default the claim age after which a render may be taken over).

    Run by Celery beat every CERTIFICATE_RENDER_SWEEP_INTERVAL seconds. The claim rules
    keep a render that is still running safe, and a certificate is queued at most once per
    cut-off period, so a long queue is not multiplied by the sweep. Returns how many.
    """
    older_than = older_than or render_stale_after()
    cutoff = timezone.now() - older_than
    stale = list(
        Certificate.objects.filter(
            Q(status=CertificateStatus.PENDING, created_at__lt=cutoff)
            | Q(status=CertificateStatus.RENDERING, render_started_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )
    queued = 0
    for certificate_id in stale:
        # The mark lives in the shared cache; losing it (a Redis restart) only means one
        # extra, harmless delivery.
        if cache.add(f"certificates:render-requeued:{certificate_id}", 1, timeout=older_than.total_seconds()):
            tasks.certificate_render.delay_on_commit(certificate_id)
            queued += 1
    return queued


def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke a certificate: verification shows it as revoked from now on."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for revoking the certificate."), code="reason_required")
    if not certificate.is_current:
        raise ValidationError(
            _("Only a current certificate can be revoked; this one is %(status)s.")
            % {"status": certificate.get_status_display().lower()},
            code="not_current",
        )
    with transaction.atomic():
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason
        certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
        log(instance=certificate, action="certificates.revoke", user=by, data={"reason": reason})
        _event(
            certificate,
            LearnerEventKind.CERTIFICATE_REVOKED,
            key=f"certificate_revoked:{certificate.pk}:{certificate.revoked_at.isoformat()}",
        )
    return certificate


def certificate_reinstate(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Undo a revocation: the certificate is valid again, as it was before.

    For a revocation made in error. The revocation's date and reason move to the audit log
    (with the reason for undoing it); the verification page shows the certificate valid
    again. Refused when the enrollment has gained another current certificate since.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for undoing the revocation."), code="reason_required")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != CertificateStatus.REVOKED:
            raise ValidationError(
                _("Only a revoked certificate can be reinstated; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()},
                code="not_revoked",
            )
        other = certificate_current_for_enrollment(enrollment=locked.enrollment)
        if other is not None:
            raise ValidationError(
                _("The learner has another current certificate for this course (%(code)s).")
                % {"code": other.code},
                code="other_current",
            )
        revoked_at, revoked_reason = locked.revoked_at, locked.revoked_reason
        # Back to where it was: issued if its PDF was made, else rendered again.
        rendered = bool(locked.pdf and locked.sha256)
        locked.status = CertificateStatus.ISSUED if rendered else CertificateStatus.PENDING
        locked.revoked_at = None
        locked.revoked_reason = ""
        locked.render_claim = ""
        locked.save(update_fields=["status", "revoked_at", "revoked_reason", "render_claim"])
        log(
            instance=locked,
            action="certificates.reinstate",
            user=by,
            data={
                "reason": reason,
                "revoked_at": revoked_at.isoformat() if revoked_at else None,
                "revoked_reason": revoked_reason,
            },
        )
        _event(
            locked,
            LearnerEventKind.CERTIFICATE_REINSTATED,
            key=f"certificate_reinstated:{locked.pk}:{revoked_at.isoformat() if revoked_at else ''}",
        )
        if locked.status == CertificateStatus.PENDING:
            certificate_render_queue(certificate_id=locked.pk)
    certificate.refresh_from_db()
    return certificate


def certificate_reissue(*, certificate: Certificate, by) -> Certificate:
    """Replace a certificate with a new one printing the current name, course and issuer.

    Used to correct a name. The new certificate keeps the original dates; the old one is
    marked superseded and its verification page links to the new one.
    """
    if certificate.status not in {CertificateStatus.ISSUED, CertificateStatus.FAILED}:
        raise ValidationError(
            _("Only an issued certificate, or one whose PDF failed, can be reissued."),
            code="not_reissuable",
        )
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status not in {CertificateStatus.ISSUED, CertificateStatus.FAILED}:
            raise ValidationError(_("This certificate has just been changed by someone else."), code="stale")
        # Free the enrollment's one-current-certificate slot before the new one takes it.
        Certificate.objects.filter(pk=old.pk).update(status=CertificateStatus.SUPERSEDED)
        fields = _snapshot(enrollment=old.enrollment)
        fields.update(issued_on=old.issued_on, expires_on=old.expires_on)
        new = _certificate_create(**fields)
        Certificate.objects.filter(pk=old.pk).update(superseded_by=new)
        log(instance=old, action="certificates.reissue", user=by, data={"new_code": new.code})
        _event(
            new,
            LearnerEventKind.CERTIFICATE_REISSUED,
            key=f"certificate_reissued:{new.pk}",
            replaces=old.code,
        )
        _certificate_made(new)
    certificate.refresh_from_db()
    return new


def certificate_award_prior_learning(*, learner, course: CoursePage, note: str, by=None) -> Certificate:
    """Award a certificate for prior learning: enroll (source prior_learning), complete, issue.

    An enrollment already in progress is converted; a course already completed is refused.
    """
    note = note.strip()
    if not note:
        raise ValidationError(_("Describe the prior learning in the note."), code="note_required")
    with transaction.atomic():
        enrollment = enrollment_create(
            learner=learner,
            course=course,
            source=EnrollmentSource.PRIOR_LEARNING,
            note=note,
            check_prerequisites=False,
        )
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if enrollment.is_completed:
            raise ValidationError(
                _("%(learner)s has already completed “%(course)s”.")
                % {"learner": learner.email, "course": course.title},
                code="already_completed",
            )
        if enrollment.source != EnrollmentSource.PRIOR_LEARNING or enrollment.note != note:
            enrollment.source = EnrollmentSource.PRIOR_LEARNING
            enrollment.note = note
            enrollment.save(update_fields=["source", "note"])
        enrollment_complete(enrollment=enrollment)
        # The completion handler normally issued it already; this returns that one.
        certificate = certificate_issue(enrollment=enrollment)
        log(instance=certificate, action="certificates.award", user=by, data={"note": note})
    return certificate
