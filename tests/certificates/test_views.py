import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateStatus
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course

pytestmark = pytest.mark.django_db

DASHBOARD_QUERIES = 12


def download_url(certificate) -> str:
    return reverse("certificates:download", args=[certificate.public_id])


def verify_url(certificate) -> str:
    return reverse("certificates:verify_detail", args=[certificate.public_id])


# --- Download -------------------------------------------------------------------------------


def test_owner_downloads_the_pdf_as_a_private_attachment(client, issued, media_root):
    """The learner gets their PDF as an attachment that shared caches must not keep."""
    client.force_login(issued.learner)
    response = client.get(download_url(issued))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{issued.code}.pdf"'
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == issued.sha256


def test_coordinator_downloads_any_certificate(client, issued, coordinator):
    """Training coordinators can download a learner's certificate."""
    client.force_login(coordinator)
    response = client.get(download_url(issued))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_another_learner_gets_404(client, issued):
    """Another learner's certificate is a 404, like one that does not exist."""
    client.force_login(UserFactory())
    assert client.get(download_url(issued)).status_code == 404


def test_anonymous_visitor_gets_404_not_a_login_redirect(client, issued):
    """An anonymous visitor gets a 404: the URL does not confirm a certificate exists."""
    assert client.get(download_url(issued)).status_code == 404


def test_unknown_id_gets_404(learner_client):
    """A public id that does not exist is a 404."""
    assert learner_client.get("/certificates/not-a-real-id-0123456789abcdef/download/").status_code == 404


def test_while_rendering_the_page_says_so_and_refreshes(learner_client, certificate, settings):
    """With a worker, while the PDF is being prepared the download URL shows a page that
    refreshes itself (the embedded default renders on download: test_render_on_read.py)."""
    settings.CERTIFICATE_RENDER_ON_READ = False
    for status in (CertificateStatus.PENDING, CertificateStatus.RENDERING):
        Certificate.objects.filter(pk=certificate.pk).update(status=status)
        response = learner_client.get(download_url(certificate))
        html = response.content.decode()
        assert response.status_code == 200
        assert '<meta http-equiv="refresh" content="5">' in html
        assert "being prepared" in html
        assert "private" in response["Cache-Control"]


def test_failed_render_says_a_coordinator_has_been_told(learner_client, certificate):
    """A failed render explains that a coordinator has been told, without refreshing."""
    services.certificate_render_fail(certificate_id=certificate.pk, reason="OSError: disk full")
    html = learner_client.get(download_url(certificate)).content.decode()
    assert "A training coordinator has been told" in html
    assert "http-equiv" not in html
    assert "disk full" not in html


def test_revoked_certificate_is_not_downloadable(learner_client, issued, coordinator):
    """A revoked certificate's download URL says it was revoked instead of serving the PDF."""
    services.certificate_revoke(certificate=issued, reason="Issued in error", by=coordinator)
    response = learner_client.get(download_url(issued))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "was revoked on" in response.content.decode()


# --- Verification ---------------------------------------------------------------------------


def test_verify_page_shows_a_valid_certificate_and_nothing_personal(client, issued):
    """Public verification shows validity, name, course and dates: no email, no score."""
    response = client.get(verify_url(issued))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Valid." in html
    assert issued.learner_name in html
    assert issued.course_title in html
    assert issued.code in html
    assert issued.learner.email not in html
    assert "@" not in html.split("<main", 1)[1]
    assert "score" not in html.lower() and "%" not in html.split("<main", 1)[1]
    assert 'name="robots" content="noindex"' in html
    assert response["X-Robots-Tag"] == "noindex"


def test_verify_page_shows_an_expired_certificate(client, issued):
    """A certificate past its expiry date shows as expired, with the date."""
    Certificate.objects.filter(pk=issued.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    html = client.get(verify_url(issued)).content.decode()
    assert "Expired." in html
    assert "Valid." not in html


def test_verify_page_shows_a_revocation_and_its_date(client, issued, coordinator):
    """A revoked certificate shows as revoked, with the date but not the reason."""
    services.certificate_revoke(certificate=issued, reason="Confidential reason", by=coordinator)
    issued.refresh_from_db()
    html = client.get(verify_url(issued)).content.decode()
    assert "Revoked." in html
    assert "was revoked on" in html
    assert "Confidential reason" not in html


def test_verify_page_of_a_superseded_certificate_links_to_the_current_one(client, issued, coordinator):
    """A replaced certificate links to the verification page of its replacement."""
    new = services.certificate_reissue(certificate=issued, by=coordinator)
    html = client.get(verify_url(issued)).content.decode()
    assert "Replaced." in html
    assert f'href="{verify_url(new)}"' in html


def test_verify_by_code_as_typed(client, issued):
    """The form accepts the code in any case, with or without dashes and prefix."""
    typed = issued.code.removeprefix("SCL-").replace("-", " ").lower()
    response = client.get(reverse("certificates:verify"), {"code": typed})
    assert response.status_code == 200
    assert issued.learner_name in response.content.decode()


def test_verify_form_explains_a_malformed_code(client, db):
    """A value that cannot be a code re-renders the form with a clear message."""
    response = client.get(reverse("certificates:verify"), {"code": "hello"})
    assert response.status_code == 400
    assert "SCL-7K3M-9Q2P" in response.content.decode()


def test_verify_form_is_public(client, db):
    """The code form needs no login and has a labelled input."""
    response = client.get(reverse("certificates:verify"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_code">' in html


def test_unknown_id_and_unknown_code_get_the_same_404(client, issued):
    """Every unknown value gets an identical 404 body that does not echo it."""
    responses = [
        client.get(reverse("certificates:verify_detail", args=["UnknownPublicId0123456789abcdefgh"])),
        client.get(reverse("certificates:verify_detail", args=["another-unknown-id"])),
        client.get("/verify/not%20a%20slug%3F%20%3Cb%3E/"),
        client.get(reverse("certificates:verify"), {"code": "SCL-0000-0000"}),
        client.get(reverse("certificates:verify"), {"code": "SCL-ZZZZ-ZZZZ"}),
    ]
    assert {response.status_code for response in responses} == {404}
    bodies = {response.content for response in responses}
    assert len(bodies) == 1
    body = bodies.pop().decode()
    assert "No certificate matches" in body
    assert "0000" not in body and "ZZZZ" not in body and "nknown" not in body


def test_thirty_one_look_ups_in_a_minute_get_429(client, issued):
    """The 31st look-up from one address within a minute is refused with a message."""
    codes = [reverse("certificates:verify_detail", args=[issued.public_id])] * 20
    for url in codes:
        assert client.get(url).status_code == 200
    for _ in range(10):
        assert client.get(reverse("certificates:verify"), {"code": "SCL-0000-0000"}).status_code == 404
    response = client.get(verify_url(issued))
    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()
    assert response["Retry-After"] == "60"
    # The form itself is not a look-up, and another address is counted on its own.
    assert client.get(reverse("certificates:verify")).status_code == 200
    assert client.get(verify_url(issued), REMOTE_ADDR="192.0.2.7").status_code == 200


# --- Dashboard ------------------------------------------------------------------------------


def test_dashboard_lists_certificates_with_status_and_links(learner_client, issued, learner, index, settings):
    """My learning lists each certificate with its status, download and verification links
    (with a worker rendering PDFs; tests/certificates/test_render_on_read.py has the embedded
    default, where a pending certificate is downloadable at once)."""
    settings.CERTIFICATE_RENDER_ON_READ = False
    pending = Certificate.objects.get(
        enrollment=complete_course(learner, build_course(index, title="Second"))
    )
    html = learner_client.get(reverse("dashboard")).content.decode()
    assert "My certificates" in html
    assert f'href="{download_url(issued)}"' in html
    assert f'href="{verify_url(issued)}"' in html
    assert "Download PDF" in html
    assert f'href="{verify_url(pending)}"' in html
    assert "Being prepared" in html


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_dashboard_certificate_queries_do_not_grow(learner_client, learner, index):
    """The dashboard with 1 and with 4 certificates uses the same, exact number of queries."""
    complete_course(learner, build_course(index, title="Course 1", modules=1, lessons_per_module=1))
    url = reverse("dashboard")
    count_queries(learner_client, url)
    one = count_queries(learner_client, url)
    for n in range(2, 5):
        complete_course(learner, build_course(index, title=f"Course {n}", modules=1, lessons_per_module=2))
    html = learner_client.get(url).content.decode()
    assert html.count("Verification page") == 4
    four = count_queries(learner_client, url)
    assert one == four <= DASHBOARD_QUERIES


def test_prior_learning_shows_a_credit_not_an_empty_progress_bar(learner_client, learner, course):
    """A course credited for prior learning says so on My learning and on the course page,
    instead of "0 of N lessons complete" beside "Completed"."""
    services.certificate_award_prior_learning(learner=learner, course=course, note="County workshop")
    for url in (reverse("dashboard"), course.url):
        html = learner_client.get(url).content.decode()
        assert "for prior learning on" in html
        assert "lessons complete" not in html
        assert "<progress" not in html


@pytest.mark.parametrize("suffix", ["", "/"])
def test_short_address_leads_to_the_verification_of_its_code(client, issued, suffix):
    """/v/<code> (as printed, with or without the final slash) redirects to the verification
    form's look-up of that code, which shows the certificate."""
    certificate = issued
    response = client.get(f"/v/{certificate.code}{suffix}")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/?code={certificate.code}"
    page = client.get(response["Location"])
    assert page.status_code == 200 and certificate.learner_name in page.content.decode()


@pytest.mark.parametrize("value", ["SCL-0000-0000", "not a code", "<script>", "x" * 40])
def test_short_address_with_an_unknown_or_malformed_code_is_a_clear_answer(client, value):
    """An unknown code is the usual not-found page, a malformed one the form's message; the
    redirect itself never looks anything up and never fails."""
    from urllib.parse import quote

    response = client.get(f"/v/{quote(value)}", follow=True)
    assert response.status_code in (400, 404)
    assert "<script>" not in response.content.decode().split("</header>", 1)[-1]


def test_short_address_refuses_overlong_values(client):
    assert client.get("/v/" + "x" * 41, follow=True).status_code == 404
