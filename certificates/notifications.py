"""The certificates rows of the notification table (training_site/notifications.py)."""

from django.conf import settings
from django.urls import reverse

from certificates.models import Certificate, CertificateStatus


def certificate_learner(*, event) -> list:
    """The learner whose certificate it is."""
    return [event.learner]


def certificate_ready_context(*, recipient, notices) -> dict | None:
    """The certificate to announce, or None if it has been revoked, replaced or has failed
    since (the learner is then told otherwise)."""
    certificate = (
        Certificate.objects.filter(
            pk__in=[notice.subject_id for notice in notices],
            learner=recipient,
            status__in=[CertificateStatus.PENDING, CertificateStatus.RENDERING, CertificateStatus.ISSUED],
        )
        .order_by("pk")
        .first()
    )
    if certificate is None:
        return None
    return {
        "certificate": certificate,
        "download_url": settings.BASE_URL + certificate.get_download_url(),
        "dashboard_url": settings.BASE_URL + reverse("dashboard"),
        "verify_url": certificate.get_absolute_verify_url(),
    }
