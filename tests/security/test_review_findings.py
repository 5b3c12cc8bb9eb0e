"""One test per row of the security review (issue 12, S1–S12 and the CSP half of S14).

Each request is probed with ``Client(raise_request_exception=False)`` so a crash shows up
as the 500 a visitor would get rather than as a test error.
"""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage

from assessments.models import Question
from assessments.services import attempts
from tests.factories import PASSWORD, UserFactory, build_quiz, course_lessons, gift_questions, make_questions

pytestmark = pytest.mark.django_db


def probe(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def admin_user(db):
    return UserFactory(is_superuser=True, is_staff=True, display_name="Ada Admin")


def test_s1_django_admin_login_does_not_sign_anyone_in(admin_user):
    """/django-admin/login/ is not a second login form: it sends the visitor to the
    allauth login (rate limited, verified) and a POST to it signs nobody in."""
    client = probe()
    response = client.post(
        "/django-admin/login/", {"username": admin_user.email, "password": PASSWORD}, follow=False
    )
    assert response.status_code in (301, 302)
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_s2_wagtail_password_reset_is_gone(learner):
    """Only allauth's rate-limited reset mails accounts; Wagtail's own form is off."""
    client = probe()
    assert client.get("/admin/password_reset/").status_code == 404
    client.post("/admin/password_reset/", {"email": learner.email})
    assert mail.outbox == []


def test_s3_certificate_never_prints_the_email(learner, course):
    """A learner without a name is asked for one; the email is never the printed name."""
    from certificates.models import Certificate, CertificateStatus
    from certificates.services import RenderOutcome, certificate_render
    from tests.certificates.factories import complete_course

    client = probe(learner)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": " ", "certificate_name": "", "time_zone": "UTC", "preferred_language": "en"},
    )
    assert response.status_code == 200
    assert "printed on your certificates" in response.content.decode()
    learner.refresh_from_db()
    assert learner.display_name

    type(learner).objects.filter(pk=learner.pk).update(display_name="", certificate_name="")
    learner.refresh_from_db()
    assert learner.name_for_certificate == ""
    complete_course(learner, course)
    certificate = Certificate.objects.get(learner=learner)
    assert learner.email not in certificate.learner_name
    assert certificate_render(certificate_id=certificate.pk) != RenderOutcome.RENDERED
    certificate.refresh_from_db()
    assert certificate.status != CertificateStatus.ISSUED
    page = client.get(certificate.get_download_url()).content.decode()
    assert reverse("accounts:profile") in page
    assert (
        learner.email
        not in client.get(reverse("certificates:verify_detail", args=[certificate.code])).content.decode()
    )


def test_s4_gift_import_caps_and_preview_writes_nothing(admin_user):
    """Over 1,000 questions or 1 MB is refused with a message; the preview only reads."""
    client = probe(admin_user)
    url = reverse("gift:import")
    too_many = gift_questions(1001).encode()
    response = client.post(url, {"file": SimpleUploadedFile("big.gift", too_many)})
    assert response.status_code == 200
    assert "1,000 questions" in response.content.decode()
    too_big = ("// padding\n" * 100_000).encode()
    assert len(too_big) > 1024 * 1024
    response = client.post(url, {"file": SimpleUploadedFile("big.gift", too_big)})
    assert "1 MB" in response.content.decode()
    assert not Question.objects.exists()

    make_questions(2, prefix="Q")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"file": SimpleUploadedFile("q.gift", gift_questions(4).encode())})
    assert response.status_code == 200 and "Q 004" in response.content.decode()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]
    assert writes == []


@pytest.fixture
def enrolled_with_essay(learner, course):
    from assessments.models import RubricCriterion
    from assessments.services.gift_import import question_bank_import_gift
    from courses.models import ModulePage
    from courses.services import enrollment_create

    enrollment_create(learner=learner, course=course)
    question_bank_import_gift(text="::Essay::Tell us.{}\n\n::Word::Say it.{=yes}", bank_path="free")
    essay = Question.objects.get(title="Essay")
    RubricCriterion.objects.create(question=essay, criterion="Clear", points=1)
    essay.save_revision().publish()
    quiz = build_quiz(
        ModulePage.objects.child_of(course).first(), questions=list(Question.objects.order_by("title"))
    )
    return attempts.quiz_start(learner=learner, quiz=quiz)


def test_s5_nul_byte_is_a_clear_400_everywhere(learner, course, enrolled_with_essay):
    """A NUL byte in any GET or POST value is refused with a message before any view."""
    attempt = enrolled_with_essay
    lesson = course_lessons(course)[0]
    client = probe(learner)
    responses = [
        probe().get(reverse("search"), {"q": "trust\x00"}),
        client.post(
            reverse("courses:reflection_save", args=[lesson.pk, lesson.reflection_block_ids[0]]),
            {"text": "a\x00b"},
        ),
        client.post(reverse("assessments:save", args=[attempt.pk]), {"sequence": "0", "q1": "es\x00say"}),
        client.post(reverse("assessments:save", args=[attempt.pk]), {"sequence": "0", "q2": "ye\x00s"}),
    ]
    for response in responses:
        assert response.status_code == 400
        assert "control character" in response.content.decode()


def test_s6_search_with_query_syntax_never_fails(course):
    """Search treats what a visitor types as words, on every backend."""
    client = probe()
    for query in ['"', "a < b", "x=1", "(", 'say "hi', "AND", "NEAR(a b)", "*", "^a", "a OR", "-x", "a:b"]:
        assert client.get(reverse("search"), {"q": query}).status_code == 200, query


def test_s6_search_still_finds_words_next_to_operators(course):
    html = probe().get(reverse("search"), {"q": '"Conflict" (Basics'}).content.decode()
    assert "Conflict Basics" in html


def test_s9_unicode_digits_are_not_a_sequence_number(learner, enrolled_with_essay):
    """Only ASCII digits are numbers in a form: anything else is a 400."""
    client = probe(learner)
    url = reverse("assessments:save", args=[enrolled_with_essay.pk])
    for sequence in ["²", "١", "٣٤", "1²", "0"]:
        expected = 302 if sequence == "0" else 400
        assert client.post(url, {"sequence": sequence}).status_code == expected, sequence


def test_s9_unicode_next_lesson_is_400(learner, course):
    from courses.services import enrollment_create

    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    response = probe(learner).post(reverse("courses:lesson_complete", args=[lesson.pk]), {"next": "²"})
    assert response.status_code == 400


def test_s10_gift_stem_empty_after_cleaning_is_a_line_error(admin_user, django_capture_on_commit_callbacks):
    """A stem the cleaner empties is reported on its line at upload and, for a confirm
    posted anyway, on the import job's page."""
    text = "::Good::Fine.{=yes}\n\n::Bad::[html]<img src=x onerror=alert(1)>{=yes}\n"
    client = probe(admin_user)
    url = reverse("gift:import")
    response = client.post(url, {"file": SimpleUploadedFile("q.gift", text.encode())})
    assert response.status_code == 200
    html = response.content.decode()
    assert "line 3" in html.lower() or ">3<" in html
    assert "empty" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "1", "text": text, "bank": "", "tags": ""})
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert job_page.status_code == 200 and "empty" in job_page.content.decode()
    assert not Question.objects.exists()


def test_s11_get_admin_logout_keeps_the_session(admin_user):
    """Logging out takes a POST; a GET (a link, an image tag) changes nothing."""
    client = probe(admin_user)
    response = client.get("/admin/logout/")
    assert response.status_code in (200, 405)
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    assert client.get("/admin/").status_code == 302


def _upload(client, content: bytes, name: str):
    return client.post(
        reverse("wagtailimages:add"),
        {"title": "Upload", "file": SimpleUploadedFile(name, content), "collection": 1},
    )


def test_s12_malformed_image_is_a_form_error(admin_user):
    """A GIF/JS polyglot or a truncated image gets a form error, not a 500."""
    client = probe(admin_user)
    polyglot = b"GIF89a/*\x01\x00\x01\x00\x80\x00\x00*/=1;alert(document.domain)//"
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 40), "red").save(buffer, format="PNG")
    truncated = buffer.getvalue()[:60]
    for content, name in [(polyglot, "x.gif"), (truncated, "t.png")]:
        response = _upload(client, content, name)
        assert response.status_code == 200, name
        assert "error" in response.content.decode().lower()


def test_s12_huge_image_is_refused(admin_user, settings):
    """Images over WAGTAILIMAGES_MAX_IMAGE_PIXELS (40 megapixels) are refused at upload."""
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 40_000_000
    buffer = io.BytesIO()
    PILImage.new("1", (7000, 6000)).save(buffer, format="PNG")
    response = _upload(probe(admin_user), buffer.getvalue(), "big.png")
    assert response.status_code == 200
    assert "pixels" in response.content.decode()
    from wagtail.images.models import Image

    assert not Image.objects.exists()


def test_s5_control_characters_in_a_gift_file_are_a_form_error(admin_user):
    """The upload's text is checked by its form (files are not form values)."""
    text = "::One::Fine.{=yes}\n\n::Two::Bell\x07 here.{=yes}\n"
    response = probe(admin_user).post(
        reverse("gift:import"), {"file": SimpleUploadedFile("q.gift", text.encode())}
    )
    assert response.status_code == 200
    assert "Line 3 contains a control character" in response.content.decode()
    assert not Question.objects.exists()


def test_ascii_int_reads_only_ascii_digits():
    from training_site.input_cleaning import ascii_int

    assert [ascii_int(v) for v in ["0", "42", "", None, "²", "١", "-1", " 1", "1.0"]] == [
        0,
        42,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]


def test_s3_database_refuses_an_issued_certificate_without_a_name(learner, course):
    from django.db import IntegrityError, transaction

    from certificates.models import Certificate, CertificateStatus
    from tests.certificates.factories import complete_course

    complete_course(learner, course)
    certificate = Certificate.objects.get(learner=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.ISSUED, learner_name="")


def test_s3_a_name_set_later_is_printed(learner, course):
    """A certificate issued while the learner had no name takes the name set since."""
    from certificates.models import Certificate
    from certificates.services import RenderOutcome, certificate_render
    from tests.certificates.factories import complete_course

    type(learner).objects.filter(pk=learner.pk).update(display_name="", certificate_name="")
    learner.refresh_from_db()
    complete_course(learner, course)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.learner_name == ""
    type(learner).objects.filter(pk=learner.pk).update(certificate_name="  Rosa   Parks ")
    assert certificate_render(certificate_id=certificate.pk) == RenderOutcome.RENDERED
    certificate.refresh_from_db()
    assert certificate.learner_name == "Rosa Parks"


def test_s12_oversized_settings_logo_is_left_out_without_decoding(settings, tmp_path, caplog):
    """A logo above the pixel cap (stored before it existed) is not decoded per render:
    the certificate prints without it and the problem is logged."""
    from certificates import rendering
    from certificates.services import _settings_image_uri
    from tests.certificates.factories import wagtail_image

    settings.MEDIA_ROOT = tmp_path
    rendering._print_image_data_uri.cache_clear()
    logo = wagtail_image(size=(400, 300))
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 100_000
    assert _settings_image_uri(logo, rendering.LOGO_BOX_MM, what="logo") is None
    assert "could not be read" in caplog.text
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 200_000
    rendering._print_image_data_uri.cache_clear()
    assert _settings_image_uri(logo, rendering.LOGO_BOX_MM, what="logo").startswith("data:image/jpeg")
