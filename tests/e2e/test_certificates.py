"""A learner finishes a course, downloads the certificate, and a stranger verifies it, in Chromium."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Certificate, CertificateStatus
from courses.services import enrollment_create
from tests.e2e.test_learner_journey import assert_accessible_basics
from tests.factories import PASSWORD, UserFactory, build_course, course_lessons, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_complete_download_and_verify_a_certificate(browser, page, live_server, screenshot):
    _home, index = site_tree()
    course = build_course(index, title="Listening Basics", modules=1, lessons_per_module=1)
    learner = UserFactory(email="cert.learner@example.org", display_name="Rosa Delgado")
    enrollment_create(learner=learner, course=course)

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(learner.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/learning/")

    # Completing the last lesson issues the certificate; without Redis its PDF is rendered
    # when first downloaded ("done when read"), not in the completing request.
    page.goto(f"{live_server.url}{course_lessons(course)[0].url}")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("Congratulations! You have completed")).to_be_visible()

    page.goto(f"{live_server.url}/learning/")
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.status == CertificateStatus.PENDING
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    assert_accessible_basics(page)
    screenshot("dashboard-certificate")
    # The learner was told it is ready, so My learning offers the download itself.
    expect(page.get_by_text("we will email you")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{certificate.code}.pdf"
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    assert len(reader.pages) == 1
    text = "".join(reader.pages[0].extract_text().split())
    assert "RosaDelgado" in text
    assert certificate.code in text
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED

    # Someone the learner shows it to: no account, types the code as printed, in lower case.
    stranger = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor = stranger.new_page()
    visitor.goto(f"{live_server.url}/verify/")
    assert_accessible_basics(visitor)
    visitor.get_by_label("Certificate code").fill(certificate.code.lower())
    visitor.keyboard.press("Enter")
    expect(visitor.get_by_text("Valid.")).to_be_visible()
    expect(visitor.get_by_text("Rosa Delgado")).to_be_visible()
    expect(visitor.get_by_text("Listening Basics")).to_be_visible()
    assert learner.email not in visitor.content()
    assert_accessible_basics(visitor)

    # The short address printed on the certificate, typed as printed (no scheme, no slash).
    assert f"/v/{certificate.code}" in "".join(reader.pages[0].extract_text().split())
    visitor.goto(f"{live_server.url}/v/{certificate.code}")
    expect(visitor.get_by_text("Valid.")).to_be_visible()
    expect(visitor.get_by_text("Rosa Delgado")).to_be_visible()

    # The download link is the owner's alone.
    response = visitor.goto(f"{live_server.url}/certificates/{certificate.public_id}/download/")
    assert response.status == 404
    stranger.close()
