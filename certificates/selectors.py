"""Reads for certificates: the learner's dashboard list, downloads and public verification.

Query budgets are pinned in tests/certificates/test_views.py.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from certificates.models import CODE_ALPHABET, CODE_PREFIX, Certificate, CertificateStatus
from courses.selectors import learner_records_scope_filter
from training_site.accounts.roles import is_coordinator

# What people type for the code: any case, spaces or dashes, the prefix or not, and the
# letters Crockford's base32 reads as digits.
_CODE_TYPOS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CODE_BODY = re.compile(f"^[{CODE_ALPHABET}]{{8}}$")


def certificate_list_for_dashboard(*, learner, enrollments: Iterable) -> list[Certificate]:
    """The learner's certificates for the enrollments the dashboard shows, newest first.

    A certificate only exists for a completed enrollment, so a learner who has completed
    nothing costs no query. Superseded certificates are left out: their replacement is
    listed instead.
    """
    completed_ids = [enrollment.pk for enrollment in enrollments if enrollment.is_completed]
    if not completed_ids:
        return []
    return list(
        Certificate.objects.filter(learner=learner, enrollment_id__in=completed_ids)
        .exclude(status=CertificateStatus.SUPERSEDED)
        .order_by("-issued_on", "-pk")
    )


def certificate_visible_to(*, user) -> QuerySet[Certificate]:
    """The certificates ``user`` may see in full (download, admin): their own, and for
    coordinators those of the learners in their cohorts and the cohorts below them; every
    certificate for site administrators. Every view and admin screen asks this. The public
    verification page shows less, to anyone."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    if is_coordinator(user):
        scope = learner_records_scope_filter(user=user)
        if scope is None:
            return Certificate.objects.all()
        return Certificate.objects.filter(scope | Q(learner=user))
    return Certificate.objects.filter(learner=user)


def certificate_for_download(*, public_id: str, user) -> Certificate | None:
    """The certificate if ``user`` may download it, else None."""
    return (
        certificate_visible_to(user=user).filter(public_id=public_id).select_related("superseded_by").first()
    )


def certificate_code_normalize(raw: str) -> str | None:
    """``SCL-XXXX-XXXX`` from what a person typed, or None if it cannot be a code."""
    text = re.sub(r"[\s\-_.]", "", raw or "").upper()
    if text.startswith(CODE_PREFIX):
        text = text[len(CODE_PREFIX) :]
    text = text.translate(_CODE_TYPOS)
    if not _CODE_BODY.match(text):
        return None
    return f"{CODE_PREFIX}-{text[:4]}-{text[4:]}"


@dataclass
class Verification:
    """What the public verification page may show: no email, no score, no enrollment."""

    certificate: Certificate
    state: str  # valid, expired, revoked, superseded
    current: Certificate | None = None


def certificate_verification(*, public_id: str | None = None, code: str | None = None) -> Verification | None:
    """Look a certificate up by public id or normalized code for public verification."""
    lookup = Q(public_id=public_id) if public_id is not None else Q(code=code)
    certificate = (
        Certificate.objects.filter(lookup)
        .select_related("superseded_by")
        .only(
            "public_id",
            "code",
            "status",
            "learner_name",
            "course_title",
            "contact_hours",
            "issued_on",
            "expires_on",
            "issuer_name",
            "revoked_at",
            "superseded_by__public_id",
            "superseded_by__code",
            "superseded_by__status",
        )
        .first()
    )
    if certificate is None:
        return None
    if certificate.status == CertificateStatus.REVOKED:
        return Verification(certificate=certificate, state="revoked")
    if certificate.status == CertificateStatus.SUPERSEDED:
        return Verification(certificate=certificate, state="superseded", current=certificate.superseded_by)
    if certificate.is_expired:
        return Verification(certificate=certificate, state="expired")
    return Verification(certificate=certificate, state="valid")
