"""Every hostile string posted into every free-text field learners and coordinators fill.

Never a 500; plain fields come back escaped where they are shown; rich text keeps no
script, handler or ``javascript:`` URL; a certificate with a hostile name prints it as
text and fetches nothing. The counts are printed (run with ``-s``) for the closing note.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import Site

from assessments.models import Question, RubricCriterion
from assessments.services import attempts
from assessments.services.gift_import import question_bank_import_gift
from certificates import services as certificate_services
from certificates.models import Certificate, CertificateStatus
from courses.models import Cohort, ModulePage
from courses.services import enrollment_create
from tests.certificates.factories import CertificateFactory, complete_course
from tests.certificates.test_rendering import RecordingFetcher, only_allowed, read_pdf, squashed
from tests.factories import UserFactory, build_quiz, course_lessons
from tests.security.hostile import DANGEROUS_MARKUP, STRINGS, HostileField
from training_site.input_cleaning import has_control_characters

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _attempt_save(ctx, field: str, value: str):
    attempt = ctx.attempt
    attempt.refresh_from_db()
    return ctx.learner_client.post(
        reverse("assessments:save", args=[attempt.pk]), {"sequence": str(attempt.sequence), field: value}
    )


def _profile(ctx, **names):
    data = {
        "display_name": "Safe Name",
        "certificate_name": "",
        "time_zone": "America/New_York",
        "preferred_language": "en",
    }
    data.update(names)
    return ctx.learner_client.post(reverse("accounts:profile"), data)


def _settings_post(ctx, **fields):
    data = {
        "issuer_name": "Liaison Academy",
        "signatory_name": "",
        "signatory_title": "",
        "logo": "",
        "signature": "",
    }
    data.update(fields)
    return ctx.admin_client.post(ctx.settings_url, data)


def _revoke(ctx, value: str):
    Certificate.objects.filter(pk=ctx.certificate.pk).update(
        status=CertificateStatus.ISSUED, revoked_at=None, revoked_reason=""
    )
    return ctx.admin_client.post(
        reverse("certificate_admin:revoke", args=[ctx.certificate.pk]), {"reason": value}
    )


def _gift(ctx, value: str):
    ctx.gift_count += 1
    text = f"::Hostile {ctx.gift_count}::[html]Pick {value}{{=yes ~no}}\n"
    return ctx.admin_client.post(
        reverse("gift:import"), {"confirm": "1", "text": text, "bank": "hostile", "tags": ""}
    )


def _cohort(ctx, **fields):
    data = {"name": "Safe cohort", "description": "", "parent": "", "starts_on": "", "ends_on": ""}
    data.update(fields)
    return ctx.admin_client.post(reverse("cohorts:edit", args=[ctx.cohort.pk]), data)


# The registry: each free-text field, how its form posts it and where it is shown.
FIELDS: list[HostileField] = [
    HostileField(
        "search query", lambda ctx, v: ctx.anonymous.get(reverse("search"), {"q": v}), None, max_length=200
    ),
    HostileField(
        "reflection note",
        lambda ctx, v: ctx.learner_client.post(ctx.reflection_url, {"text": v}),
        lambda ctx: ctx.lesson.url,
    ),
    HostileField("essay autosave", lambda ctx, v: _attempt_save(ctx, "q1", v), lambda ctx: ctx.attempt_url),
    HostileField(
        "short-answer autosave", lambda ctx, v: _attempt_save(ctx, "q2", v), lambda ctx: ctx.attempt_url
    ),
    HostileField(
        "profile display name",
        lambda ctx, v: _profile(ctx, display_name=v),
        lambda ctx: reverse("accounts:profile"),
        max_length=150,
    ),
    HostileField(
        "profile certificate name",
        lambda ctx, v: _profile(ctx, certificate_name=v),
        lambda ctx: reverse("accounts:profile"),
        max_length=200,
    ),
    HostileField("GIFT stem (admin import)", _gift, None, rich=True),
    HostileField(
        "certificate settings issuer",
        lambda ctx, v: _settings_post(ctx, issuer_name=v),
        lambda ctx: ctx.settings_url,
    ),
    HostileField(
        "certificate settings signatory",
        lambda ctx, v: _settings_post(ctx, signatory_name=v, signatory_title=v),
        lambda ctx: ctx.settings_url,
    ),
    HostileField(
        "revocation reason",
        _revoke,
        lambda ctx: reverse("certificate_admin:inspect", args=[ctx.certificate.pk]),
        max_length=2000,
    ),
    HostileField(
        "cohort name",
        lambda ctx, v: _cohort(ctx, name=v),
        lambda ctx: reverse("cohorts:index"),
        max_length=200,
    ),
    HostileField(
        "cohort description",
        lambda ctx, v: _cohort(ctx, description=v),
        lambda ctx: reverse("cohorts:edit", args=[ctx.cohort.pk]),
        max_length=5000,
    ),
]


LEARNER_FIELDS = {
    "reflection note",
    "essay autosave",
    "short-answer autosave",
    "profile display name",
    "profile certificate name",
}


@pytest.fixture
def ctx(learner, course):
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    question_bank_import_gift(text="::Essay::Tell us.{}\n\n::Word::Say it.{=yes}", bank_path="free")
    essay = Question.objects.get(title="Essay")
    RubricCriterion.objects.create(question=essay, criterion="Clear", points=1)
    essay.save_revision().publish()
    quiz = build_quiz(
        ModulePage.objects.child_of(course).first(), questions=list(Question.objects.order_by("title"))
    )
    attempt = attempts.quiz_start(learner=learner, quiz=quiz)
    admin = UserFactory(is_superuser=True, is_staff=True)
    other = UserFactory()
    certificate = Certificate.objects.get(enrollment=complete_course(other, course))
    site = Site.objects.get(is_default_site=True)
    return SimpleNamespace(
        learner=learner,
        anonymous=_client(),
        learner_client=_client(learner),
        admin_client=_client(admin),
        lesson=lesson,
        reflection_url=reverse("courses:reflection_save", args=[lesson.pk, lesson.reflection_block_ids[0]]),
        attempt=attempt,
        attempt_url=reverse("assessments:attempt", args=[attempt.pk]),
        certificate=certificate,
        settings_url=reverse("wagtailsettings:edit", args=["certificates", "certificatesettings", site.pk]),
        gift_count=0,
        cohort=Cohort.objects.create(name="Hostile cohort"),
    )


def _shown_escaped(html: str, value: str, max_length: int | None) -> bool:
    text = value.strip()[: max_length or None].strip()
    sample = escape(text[:40])
    return sample in html


def test_every_hostile_string_in_every_field(ctx, capsys):
    problems = []
    checked = 0
    for field in FIELDS:
        for value in STRINGS:
            checked += 1
            response = field.post(ctx, value)
            if response.status_code >= 500:
                problems.append((field.name, value[:60], response.status_code))
                continue
            if response.status_code >= 400:
                # Refused with a message (control characters, over-long): nothing stored.
                assert response.status_code == 400, (field.name, value[:60], response.status_code)
                continue
            if response.status_code == 200 or not field.show:
                # Shown on the response itself: the results page, or the form re-rendered
                # with its errors (too long, say) and the value as typed.
                html = response.content.decode()
            else:
                viewer = ctx.learner_client if field.name in LEARNER_FIELDS else ctx.admin_client
                html = viewer.get(field.show(ctx)).content.decode()
            if any(c in value for c in "<>\"'") and value.strip() in html:
                problems.append((field.name, value[:60], "shown unescaped"))
            plain_text = not field.rich and not has_control_characters(value) and value.strip()
            if plain_text and not _shown_escaped(html, value, field.max_length):
                problems.append((field.name, value[:60], "not shown as text"))
        if field.rich:
            for stem in Question.objects.filter(bank__path="hostile").values_list("stem", flat=True):
                assert not DANGEROUS_MARKUP.search(stem), stem
    with capsys.disabled():
        print(  # noqa: T201 - the count goes in the closing note
            f"\nhostile inputs: {len(FIELDS)} fields × {len(STRINGS)} strings = {checked} posts"
        )
    assert checked == len(FIELDS) * len(STRINGS) >= 10 * 80
    assert problems == [], "\n".join(map(repr, problems))


def test_certificate_with_a_hostile_name_prints_text_and_fetches_nothing(learner, course, capsys):
    enrollment = complete_course(learner, course)
    base = Certificate.objects.get(enrollment=enrollment)
    names = [v for v in STRINGS if not has_control_characters(v) and v.strip()]
    for name in names:
        certificate = CertificateFactory.build(enrollment=enrollment, learner_name=name[:200], code=base.code)
        fetcher = RecordingFetcher()
        reader = read_pdf(
            certificate_services.certificate_pdf_bytes(certificate=certificate, url_fetcher=fetcher)
        )
        assert only_allowed(fetcher.requested), (name, fetcher.requested)
        if name.isascii() and name.isprintable() and len(name) <= 60:
            assert squashed(name) in squashed(reader.pages[0].extract_text()), name
    with capsys.disabled():
        print(f"\ncertificate PDF: {len(names)} hostile names rendered")  # noqa: T201


def test_rich_text_not_in_the_editors_format_is_refused_with_400(admin_user):
    """The admin's rich-text fields post the editor's JSON; raw HTML or broken JSON in
    their place is a tampered form: 400, nothing saved, never a 500."""
    from assessments.models import QuestionBank
    from tests.assessments.test_admin import question_post

    bank = QuestionBank.objects.ensure_path("tampered")
    client = _client(admin_user)
    url = reverse("wagtailsnippets_assessments_question:add")
    for raw in ["<p>Raw <script>alert(1)</script></p>", '{"blocks": "x"}', "[1, 2]", "{not json"]:
        data = question_post(bank.pk, qtype="true_false", title="Raw")
        data["tf_answer"] = "true"
        data["stem"] = raw
        response = client.post(url, data)
        assert response.status_code == 400, (raw, response.status_code)
    assert not Question.objects.exists()
