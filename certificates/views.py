import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certificates import services
from certificates.forms import VerifyForm
from certificates.models import CertificateStatus
from certificates.selectors import certificate_for_download, certificate_verification

VERIFY_LIMIT = 30
VERIFY_WINDOW_SECONDS = 60
STATUS_REFRESH_SECONDS = 5


@require_GET
def download(request, public_id: str):
    """The PDF for its owner and coordinators; a status page while it is being prepared.

    On the embedded default the first download renders the PDF (done when read).

    Anyone else, signed in or not, gets the same 404 as for an id that does not exist.
    """
    certificate = certificate_for_download(public_id=public_id, user=request.user)
    if certificate is None:
        raise Http404
    certificate = services.certificate_render_on_read(certificate=certificate)
    if certificate.status == CertificateStatus.ISSUED and certificate.pdf:
        response = FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=f"certificate-{certificate.code}.pdf",
            content_type="application/pdf",
        )
    else:
        response = render(
            request,
            "certificates/certificate_status.html",
            {
                "certificate": certificate,
                "refresh_seconds": STATUS_REFRESH_SECONDS if certificate.is_being_prepared else None,
            },
        )
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _lookup_allowed(request) -> bool:
    """At most VERIFY_LIMIT look-ups per client address per minute (shared through the cache).

    REMOTE_ADDR is the client as the app server sees it; behind a proxy, set it from the
    proxy's header there (see docs/certificates.md).
    """
    window = int(time.time() // VERIFY_WINDOW_SECONDS)
    key = f"certificates:verify:{request.META.get('REMOTE_ADDR', '')}:{window}"
    cache.add(key, 0, timeout=VERIFY_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=VERIFY_WINDOW_SECONDS * 2)
        count = 1
    return count <= VERIFY_LIMIT


def _too_many(request):
    response = render(
        request,
        "certificates/verify_limited.html",
        {"limit": VERIFY_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
    return response


def _not_found(request):
    # The same body for every unknown value: it never echoes what was looked up.
    return render(request, "certificates/verify_not_found.html", {"form": VerifyForm()}, status=404)


def _verification_response(request, verification):
    # Done when read: a certificate verified before anyone downloaded it gets its PDF now.
    services.certificate_render_on_read(certificate=verification.certificate)
    response = render(
        request,
        "certificates/verify_detail.html",
        {
            "verification": verification,
            "certificate": verification.certificate,
            "base_url": settings.BASE_URL,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def verify(request):
    """The public form for a certificate's code; a submitted code is one look-up."""
    if "code" not in request.GET:
        return render(request, "certificates/verify_form.html", {"form": VerifyForm()})
    if not _lookup_allowed(request):
        return _too_many(request)
    form = VerifyForm(request.GET)
    if not form.is_valid():
        return render(request, "certificates/verify_form.html", {"form": form}, status=400)
    verification = certificate_verification(code=form.cleaned_data["code"])
    if verification is None:
        return _not_found(request)
    return _verification_response(request, verification)


@never_cache
@require_GET
def verify_detail(request, public_id: str):
    """The QR code's target: public, no login."""
    if not _lookup_allowed(request):
        return _too_many(request)
    verification = certificate_verification(public_id=public_id)
    if verification is None:
        return _not_found(request)
    return _verification_response(request, verification)


@require_GET
def verify_short(request, code: str):
    """The printed short address: on to the verification form's look-up of the code, which
    checks its format and counts against the look-up limit like a typed code."""
    return redirect(reverse("certificates:verify") + "?" + urlencode({"code": code}))
