"""Every hostile string posted into every free-text field learners and coordinators fill.

Never a 500; plain fields come back escaped where they are shown; rich text keeps no
script, handler or ``javascript:`` URL; a certificate with a hostile name prints it as
text and fetches nothing. The counts are printed (run with ``-s``) for the closing note.

FIELDS get one post per (field, string). FORMS, the coordinators' admin forms (question
editor, question bank, GIFT import job), get several fields and strings per post, since
each post there costs about a second (a snippet with revisions, then its edit page).
"""

import csv
import io
import json
import re
from types import SimpleNamespace
from xml.sax.saxutils import escape as xml_escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from taggit.utils import parse_tags
from wagtail.models import Site

from assessments.models import Question, QuestionBank, RubricCriterion
from assessments.services import attempts
from assessments.services.gift_import import question_bank_import_gift
from certificates import services as certificate_services
from certificates.models import Certificate, CertificateStatus
from courses.models import Cohort, ModulePage
from courses.services import enrollment_create
from tests.assessments.test_admin import question_post
from tests.certificates.factories import CertificateFactory, complete_course
from tests.certificates.test_rendering import RecordingFetcher, only_allowed, read_pdf, squashed
from tests.factories import UserFactory, build_quiz, course_lessons
from tests.readiness.factories import role_with
from tests.security.hostile import STRINGS, HostileField, HostileForm, dangerous_markup, rotations
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


def _graded_response(ctx):
    """A submitted essay of the learner's, waiting for a grade (made once per test)."""
    if getattr(ctx, "graded_response", None) is None:
        quiz = build_quiz(
            ModulePage.objects.child_of(ctx.course).first(),
            questions=[Question.objects.get(title="Essay")],
            title="Graded essay",
        )
        attempt = attempts.quiz_start(learner=ctx.learner, quiz=quiz)
        attempts.attempt_submit(attempt_id=attempt.pk, learner=ctx.learner, data=QueryDict("q1=My answer"))
        ctx.graded_response = attempt.responses.get()
    return ctx.graded_response


def _grading_feedback(ctx, value: str):
    """A grader's written feedback, posted as the grading screen does (with the response's
    current grade token, so each post is a fresh save, not a conflict)."""
    response = _graded_response(ctx)
    response.refresh_from_db()
    criterion = response.grading_data["rubric"][0]["id"]
    return ctx.admin_client.post(
        reverse("grading:response", args=[response.pk]),
        {
            f"c-{criterion}": "1",
            "comment": value,
            "seen": response.graded_at.isoformat() if response.graded_at else "",
            "save": "",
        },
    )


def _revoke(ctx, value: str):
    Certificate.objects.filter(pk=ctx.certificate.pk).update(
        status=CertificateStatus.ISSUED, revoked_at=None, revoked_reason=""
    )
    return ctx.admin_client.post(
        reverse("certificate_admin:revoke", args=[ctx.certificate.pk]), {"reason": value}
    )


def _reinstate(ctx, value: str):
    Certificate.objects.filter(pk=ctx.certificate.pk).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now(), revoked_reason="Revoked for the test"
    )
    return ctx.admin_client.post(
        reverse("certificate_admin:reinstate", args=[ctx.certificate.pk]), {"reason": value}
    )


def _gift_upload(ctx, value: str):
    ctx.gift_count += 1
    text = f"::Upload {ctx.gift_count}::[html]Pick {value}{{=yes ~no}}\n"
    upload = SimpleUploadedFile("hostile.gift", text.encode())
    return ctx.admin_client.post(reverse("gift:import"), {"file": upload, "bank": "hostile", "tags": ""})


def _gift_job(ctx, values: dict[str, list[str]]):
    """Confirm an import (the job runs in-process once the request's work commits)."""
    ctx.gift_count += 1
    [stem], [bank], [tags] = values["stem"], values["bank path"], values["tags"]
    text = f"::Hostile {ctx.gift_count}::[html]Pick {stem}{{=yes ~no}}\n"
    with ctx.on_commit(execute=True):
        response = ctx.admin_client.post(
            reverse("gift:import"), {"confirm": "1", "text": text, "bank": bank, "tags": tags}
        )
    ctx.shown_url = response.get("Location")
    return response


def _moodle_xml(title: str, stem: str) -> str:
    """A Moodle XML file with one multichoice question whose HTML stem holds ``stem``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz><question type="multichoice">'
        f"<name><text>{xml_escape(title)}</text></name>"
        f'<questiontext format="html"><text>Pick {xml_escape(stem)}</text></questiontext>'
        '<single>true</single><answer fraction="100"><text>yes</text></answer>'
        '<answer fraction="0"><text>no</text></answer></question></quiz>\n'
    )


def _moodle_upload(ctx, value: str):
    ctx.gift_count += 1
    upload = SimpleUploadedFile("hostile.xml", _moodle_xml(f"Moodle upload {ctx.gift_count}", value).encode())
    return ctx.admin_client.post(
        reverse("moodle_xml:import"), {"file": upload, "bank": "hostile", "tags": ""}
    )


def _moodle_confirm(ctx, values: dict[str, list[str]]):
    """Confirm a Moodle XML import (it runs in the request); the saved bank and tags are
    shown in the message on the page it redirects to."""
    ctx.gift_count += 1
    [stem], [bank], [tags] = values["stem"], values["bank path"], values["tags"]
    text = _moodle_xml(f"Moodle hostile {ctx.gift_count}", stem)
    response = ctx.admin_client.post(
        reverse("moodle_xml:import"), {"confirm": "1", "text": text, "bank": bank, "tags": tags}
    )
    ctx.shown_url = response.get("Location")
    return response


def _bulk_csv(ctx, values: dict[str, list[str]]):
    """A bulk-enrollment dry run of a CSV whose rows carry the strings (the dry run shows
    every cell back, in error rows too)."""
    ctx.bulk_count += 1
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "first name", "last name", "name on certificate", "cohort"])
    for m, row in enumerate(zip(*values.values(), strict=True)):
        writer.writerow([f"hostile{ctx.bulk_count}-{m}@example.org", *row])
    upload = SimpleUploadedFile("hostile.csv", out.getvalue().encode())
    return ctx.admin_client.post(reverse("bulk_enrollment:index"), {"file": upload, "expires_days": "30"})


def _bulk_paste(ctx, values: dict[str, list[str]]):
    return ctx.admin_client.post(
        reverse("bulk_enrollment:index"),
        {"emails": "\n".join(values["addresses"]), "cohort": ctx.cohort.pk, "expires_days": "30"},
    )


def _pasted_lines(strings: list[str]) -> list[str]:
    """Pasted addresses are one per line: each line comes back as a row of its own."""
    return [line.strip() for value in strings for line in re.split(r"\r\n|\r|\n", value) if line.strip()]


def _contentstate(values: list[str]) -> str:
    """The editor's JSON with a paragraph per value, holding it as text (bold) and as the
    URL of a link over it: what a crafted post, not the editor, can send."""
    blocks, links = [], {}
    for number, value in enumerate(values):
        span = {"offset": 0, "length": len(value)}
        blocks.append(
            {
                "key": f"h{number}",
                "type": "unstyled",
                "text": value,
                "depth": 0,
                "inlineStyleRanges": [{**span, "style": "BOLD"}],
                "entityRanges": [{**span, "key": number}],
                "data": {},
            }
        )
        links[str(number)] = {"type": "LINK", "mutability": "MUTABLE", "data": {"url": value}}
    return json.dumps({"blocks": blocks, "entityMap": links})


def _question(ctx, values: dict[str, list[str]]):
    """The admin question editor: a single-choice question whose options, rubric rows, stem
    and general feedback paragraphs and tags each carry several strings (every kind's
    panels are in the form and saved, whatever the type)."""
    ctx.question_count += 1
    options = [
        {"text": text, "fraction": "1" if row == 0 else "0", "feedback": feedback}
        for row, (text, feedback) in enumerate(
            zip(values["option text"], values["option feedback"], strict=True)
        )
    ]
    criteria = [{"criterion": text, "points": "1", "levels": "[]"} for text in values["rubric criterion"]]
    data = question_post(
        ctx.editor_bank.pk,
        qtype="single_choice",
        title=f"Hostile {ctx.question_count}",
        options=options,
        rubric_criteria=criteria,
    )
    data["stem"] = _contentstate(values["stem"])
    data["general_feedback"] = _contentstate(values["general feedback"])
    data["tags"] = _typed_tags(values["tags"])
    return ctx.admin_client.post(reverse("wagtailsnippets_assessments_question:add"), data)


def _question_shown(ctx) -> str:
    question = Question.objects.filter(bank=ctx.editor_bank).latest("pk")
    return reverse("wagtailsnippets_assessments_question:edit", args=[question.pk])


def _bank(ctx, values: dict[str, list[str]]):
    ctx.bank_count += 1
    [name] = values["name"]
    data = {"name": name, "parent": "", "path": f"hostile-bank-{ctx.bank_count:03d}", "description": ""}
    return ctx.admin_client.post(reverse("wagtailsnippets_assessments_questionbank:add"), data)


def _banks_listed(ctx) -> list[str]:
    """The bank listing, every page of it (sorted by path, so the hostile banks are together)."""
    pages = -(-QuestionBank.objects.count() // 20)
    url = reverse("wagtailsnippets_assessments_questionbank:list")
    return [f"{url}?p={page}" for page in range(1, pages + 1)]


def _typed_tags(strings: list[str]) -> str:
    """Several tags as the tag widget posts them: quoted when they hold a space, joined by
    commas."""
    return ", ".join(f'"{tag}"' if " " in tag else tag for tag in strings)


def _tags_shown(strings: list[str]) -> list[str]:
    """The tags the tag field makes of what was typed (taggit's parsing)."""
    return parse_tags(_typed_tags(strings))


def _job_tags_shown(strings: list[str]) -> list[str]:
    return [tag.strip() for value in strings for tag in value.split(",") if tag.strip()]


def _stored_rich(ctx) -> list[str]:
    return [html for row in Question.objects.values_list("stem", "general_feedback") for html in row]


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
    HostileField("GIFT stem (upload preview)", _gift_upload, None, rich=True),
    HostileField("Moodle XML stem (upload preview)", _moodle_upload, None, rich=True),
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
    HostileField(
        "reinstatement reason",
        _reinstate,
        lambda ctx: reverse("certificate_admin:history", args=[ctx.certificate.pk]),
        max_length=2000,
    ),
    HostileField(
        "grading feedback",
        _grading_feedback,
        lambda ctx: reverse("attempts:detail", args=[_graded_response(ctx).attempt_id]),
        max_length=5000,
    ),
    HostileField(
        "grading feedback, learner's result",
        _grading_feedback,
        lambda ctx: reverse("assessments:result", args=[_graded_response(ctx).attempt_id]),
        max_length=5000,
    ),
]


def _record_post(ctx, kind: str, base: dict, values: dict[str, list[str]]):
    """A learner's record form (posted by the admin user, who has a record like anyone)."""
    data = dict(base)
    data.update({name: strings[0] for name, strings in values.items()})
    return ctx.admin_client.post(reverse("readiness:entry_add", args=[kind]), data)


EXPERIENCE_BASE = {
    "category": "community_outreach",
    "started_on": "2025-01-06",
    "total_hours": "10",
    "supervisor_email": "supervisor@school.example",
}
PATHWAY_FORMS = [
    HostileForm(
        "experience log",
        ("organization", "role_title", "communities_served", "supervisor_name", "description"),
        lambda ctx, values: _record_post(ctx, "experience", EXPERIENCE_BASE, values),
        lambda ctx: reverse("readiness:record"),
    ),
    HostileForm(
        "education entry",
        ("field_of_study", "institution"),
        lambda ctx, values: _record_post(ctx, "education", {"level": "associate", "year": "2015"}, values),
        lambda ctx: reverse("readiness:record"),
    ),
    HostileForm(
        "certification held",
        ("name", "issuer", "credential_number"),
        lambda ctx, values: _record_post(ctx, "certifications", {"issued_on": "2024-02-01"}, values),
        lambda ctx: reverse("readiness:record"),
    ),
    HostileForm(
        "skills reflection",
        ("reflection_0",),
        lambda ctx, values: ctx.admin_client.post(
            reverse("readiness:skills"), {"level_0": "3", "reflection_0": values["reflection_0"][0]}
        ),
        lambda ctx: reverse("readiness:record"),
    ),
]

# Forms whose free-text fields are filled together, different strings in each field.
FORMS: list[HostileForm] = [
    HostileForm(
        "question editor",
        ("stem", "option text", "option feedback", "general feedback", "rubric criterion", "tags"),
        _question,
        _question_shown,
        rich=frozenset({"stem", "general feedback"}),
        stored_rich=_stored_rich,
        shown_as={"tags": _tags_shown},
        # Eight rows, paragraphs and tags a post: 12 posts instead of 89 (each about a second).
        per_post=8,
    ),
    HostileForm("question bank", ("name",), _bank, show_all=_banks_listed),
    # The dry run shows what it read and saves nothing; eight CSV rows (or pasted lines) a post.
    HostileForm(
        "bulk enrollment CSV",
        ("first name", "last name", "name on certificate", "cohort"),
        _bulk_csv,
        per_post=8,
    ),
    HostileForm(
        "bulk enrollment pasted addresses",
        ("addresses",),
        _bulk_paste,
        shown_as={"addresses": _pasted_lines},
        per_post=8,
    ),
    HostileForm(
        "GIFT import job",
        ("stem", "bank path", "tags"),
        _gift_job,
        lambda ctx: ctx.shown_url,
        rich=frozenset({"stem"}),
        stored_rich=_stored_rich,
        shown_as={"tags": _job_tags_shown},
    ),
    HostileForm(
        "Moodle XML import",
        ("stem", "bank path", "tags"),
        _moodle_confirm,
        lambda ctx: ctx.shown_url,
        rich=frozenset({"stem"}),
        stored_rich=_stored_rich,
        shown_as={"tags": _job_tags_shown},
    ),
]


LEARNER_FIELDS = {
    "reflection note",
    "essay autosave",
    "short-answer autosave",
    "profile display name",
    "profile certificate name",
    "grading feedback, learner's result",
}


@pytest.fixture
def ctx(learner, course, django_capture_on_commit_callbacks):
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
        course=course,
        lesson=lesson,
        reflection_url=reverse("courses:reflection_save", args=[lesson.pk, lesson.reflection_block_ids[0]]),
        attempt=attempt,
        attempt_url=reverse("assessments:attempt", args=[attempt.pk]),
        certificate=certificate,
        settings_url=reverse("wagtailsettings:edit", args=["certificates", "certificatesettings", site.pk]),
        gift_count=0,
        cohort=Cohort.objects.create(name="Hostile cohort"),
        bank_count=0,
        question_count=0,
        editor_bank=QuestionBank.objects.ensure_path("hostile-editor"),
        on_commit=django_capture_on_commit_callbacks,
        shown_url=None,
        skill_role=role_with({"step": "skills", "skill": "Communication", "skill_level": 3}),
        bulk_count=0,
    )


def _shown_escaped(html: str, value: str, max_length: int | None) -> bool:
    text = value.strip()[: max_length or None].strip()
    sample = escape(text[:40])
    return sample in html


def _display_problems(
    name: str, value: str, html: str, *, rich: bool, max_length: int | None = None
) -> list[tuple]:
    """What is wrong with how ``value`` (posted into field ``name``) comes back in ``html``."""
    problems = []
    if any(c in value for c in "<>\"'") and value.strip() in html:
        problems.append((name, value[:60], "shown unescaped"))
    plain_text = not rich and not has_control_characters(value) and value.strip()
    if plain_text and not _shown_escaped(html, value, max_length):
        problems.append((name, value[:60], "not shown as text"))
    return problems


def _form_display_problems(form: HostileForm, name: str, strings: list[str], html: str) -> list[tuple]:
    """Display problems of the strings one post put into one field of ``form``."""
    label = f"{form.name}: {name}"
    if name in form.shown_as:
        # Shown as something else (tags as the tag field parses what was typed): each
        # string must not come back unescaped, and each piece must come back as text.
        problems = [
            (label, value[:60], "shown unescaped")
            for value in strings
            if any(c in value for c in "<>\"'") and value.strip() in html
        ]
        # Tags match case-insensitively: a tag typed again in other case is the first one.
        pieces = form.shown_as[name](strings)
        if not all(_shown_escaped(html.lower(), piece.lower(), None) for piece in pieces):
            problems.append((label, repr(strings)[:60], "not shown as text"))
        return problems
    return [p for value in strings for p in _display_problems(label, value, html, rich=name in form.rich)]


def _refused(response, name: str, value: str, problems: list) -> bool:
    """True when the post was refused (nothing to look at); a 500 is recorded."""
    if response.status_code >= 500:
        problems.append((name, value[:60], response.status_code))
        return True
    if response.status_code >= 400:
        # Refused with a message (control characters, over-long, tampered): nothing stored.
        assert response.status_code == 400, (name, value[:60], response.status_code)
        return True
    return False


def test_every_hostile_string_in_every_field(ctx, capsys):
    problems = []
    checked = 0
    for field in FIELDS:
        for value in STRINGS:
            checked += 1
            response = field.post(ctx, value)
            if _refused(response, field.name, value, problems):
                continue
            if response.status_code == 200 or not field.show:
                # Shown on the response itself: the results page, or the form re-rendered
                # with its errors (too long, say) and the value as typed.
                html = response.content.decode()
            else:
                viewer = ctx.learner_client if field.name in LEARNER_FIELDS else ctx.admin_client
                html = viewer.get(field.show(ctx)).content.decode()
            problems += _display_problems(
                field.name, value, html, rich=field.rich, max_length=field.max_length
            )
    with capsys.disabled():
        print(  # noqa: T201 - the count goes in the closing note
            f"\nhostile inputs: {len(FIELDS)} fields × {len(STRINGS)} strings = {checked} posts"
        )
    assert checked == len(FIELDS) * len(STRINGS) >= 10 * 80
    assert problems == [], "\n".join(map(repr, problems))


def _forms_problems(ctx, forms: list[HostileForm]) -> tuple[list, set, int, int]:
    """Post every string into every field of ``forms`` (see hostile.rotations); what is
    wrong, what was reached, how many posts, how many saved."""
    problems, reached, posts, saved = [], set(), 0, 0
    for form in forms:
        listed = []  # saved values displayed by show_all at the end
        for values in rotations(form.fields, STRINGS, per_post=form.per_post):
            posts += 1
            reached.update((form.name, name, value) for name, strings in values.items() for value in strings)
            response = form.post(ctx, values)
            first = next(iter(values.values()))[0]
            if _refused(response, f"{form.name}: {', '.join(values)}", first, problems):
                continue
            typed = [(name, value) for name, strings in values.items() for value in strings]
            if response.status_code == 200:
                # The form re-rendered with its errors and the values as typed.
                html = response.content.decode()
            elif form.show_all:
                saved += 1
                listed += typed
                continue
            else:
                saved += 1
                html = ctx.admin_client.get(form.show(ctx)).content.decode()
            for name, strings in values.items():
                problems += _form_display_problems(form, name, strings, html)
        if listed:
            html = "".join(ctx.admin_client.get(url).content.decode() for url in form.show_all(ctx))
            for name, value in listed:
                problems += _display_problems(f"{form.name}: {name}", value, html, rich=False)
        if form.stored_rich:
            problems += [
                (form.name, html[:60], "script stored", found)
                for html in form.stored_rich(ctx)
                if (found := dangerous_markup(html))
            ]
    return problems, reached, posts, saved


def test_every_hostile_string_in_every_field_of_the_coordinators_forms(ctx, capsys):
    """The admin's forms get several strings per post, a different one in each field (see
    hostile.rotations), so every string still reaches every field. Rich text is checked
    where it is stored: no script, handler or javascript: URL survives."""
    problems, reached, posts, saved = _forms_problems(ctx, FORMS)
    fields = sum(len(form.fields) for form in FORMS)
    with capsys.disabled():
        print(  # noqa: T201 - the count goes in the closing note
            f"\nhostile inputs, coordinators' forms: {fields} fields × {len(STRINGS)} strings "
            f"({len(reached)} reached) in {posts} posts, {saved} saved"
        )
    assert len(reached) == fields * len(STRINGS)
    assert saved > posts // 2, "most posts must be saved, or the stored values go untested"
    assert problems == [], "\n".join(map(repr, problems))


def test_every_hostile_string_in_every_field_of_the_pathway_record_forms(ctx, capsys):
    """The learner's pathway record forms (experience log, education, certifications, skills
    reflection), the same way: shown escaped on the record page, or refused; never a 500."""
    problems, reached, posts, saved = _forms_problems(ctx, PATHWAY_FORMS)
    fields = sum(len(form.fields) for form in PATHWAY_FORMS)
    with capsys.disabled():
        print(  # noqa: T201 - the count goes in the closing note
            f"\nhostile inputs, pathway record forms: {fields} fields × {len(STRINGS)} strings "
            f"({len(reached)} reached) in {posts} posts, {saved} saved"
        )
    assert len(reached) == fields * len(STRINGS)
    assert saved > posts // 2, "most posts must be saved, or the stored values go untested"
    assert problems == [], "\n".join(map(repr, problems))


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


@pytest.mark.parametrize(
    ("html", "dangerous"),
    [
        ('<p><a href="javascript:alert(1)">x</a></p>', True),
        ('<p><a href=" java\tscript:alert(1)">x</a></p>', True),
        ('<a href="DATA:text/html,x">x</a>', True),
        ("<p><img src=x onerror=alert(1)></p>", True),
        ("<p><script>alert(1)</script></p>", True),
        ("<svg/onload=alert(1)>", True),
        ('<p><a href="&lt;img src=x onerror=alert(1)&gt;">x</a></p>', False),
        ('<p><a href="https://example.org/?q=javascript:">x</a></p>', False),
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt; onclick=x</p>", False),
    ],
)
def test_dangerous_markup_reads_html_as_a_browser_would(html, dangerous, db):
    """The rich-text check finds script, handlers and script URLs as parsed, and not text
    or escaped attribute values that only look like them."""
    assert bool(dangerous_markup(html)) is dangerous


def test_reminder_and_digest_emails_print_hostile_names_as_text(
    index, capsys, django_capture_on_commit_callbacks
):
    """Both scheduled emails print cohort names, course titles and learner names: every
    hostile string in all three comes back escaped in the HTML part, never as markup."""
    from content.notifications import coordinator_digest_context
    from courses import reminders
    from courses.models import CohortCourse, CoursePage
    from courses.services import cohort_member_add
    from tests.factories import build_course, make_coordinator
    from training_site.accounts.models import Notice, User
    from training_site.notifications import BY_KEY, notification_email_build

    learner = UserFactory(display_name="Safe")
    cohort = Cohort.objects.create(name="Safe cohort")
    cohort_member_add(cohort=cohort, learner=learner)
    coordinator = make_coordinator(cohorts=[cohort])
    soon = build_course(index, title="Soon", modules=1, lessons_per_module=1)
    late = build_course(index, title="Late", modules=1, lessons_per_module=1)
    done = build_course(index, title="Done", modules=1, lessons_per_module=1)
    today = reminders.learner_now(time_zone=learner.time_zone, now=timezone.now()).date()
    tomorrow = today + timezone.timedelta(days=1)
    soon_assignment = CohortCourse.objects.create(cohort=cohort, course=soon, due_on=tomorrow)
    CohortCourse.objects.create(cohort=cohort, course=late, due_on=today - timezone.timedelta(days=3))
    for course in (soon, late):
        enrollment_create(learner=learner, course=course)
    complete_course(learner, done)
    notice = Notice(batch_key=f"course_due:day_before:{tomorrow.isoformat()}", subject_id=soon_assignment.pk)
    problems = []
    # The email frame's own markup (its <meta> charset) is not what is being tested.
    baseline = None
    for value in ["Safe", *STRINGS]:
        Cohort.objects.filter(pk=cohort.pk).update(name=value)
        CoursePage.objects.filter(pk__in=[soon.pk, late.pk, done.pk]).update(title=value)
        User.objects.filter(pk=learner.pk).update(display_name=value)
        emails = {
            "due reminder": (
                learner,
                "course_due_reminder",
                course_due_context(learner=learner, notice=notice),
            ),
            "coordinator digest": (
                coordinator,
                "coordinator_digest",
                coordinator_digest_context(recipient=coordinator, notices=[]),
            ),
        }
        for name, (recipient, key, context) in emails.items():
            assert context is not None, name
            email = notification_email_build(notification=BY_KEY[key], recipient=recipient, context=context)
            html = email.alternatives[0][0]
            problems += _display_problems(f"{name} email", value, html, rich=False)
            baseline = baseline if baseline is not None else dangerous_markup(html)
            if (found := dangerous_markup(html)) != baseline:
                problems.append((name, value[:60], "markup", found))
    with capsys.disabled():
        print(f"\nscheduled emails: 2 emails × 3 free-text fields × {len(STRINGS)} strings")  # noqa: T201
    assert problems == [], "\n".join(map(repr, problems))


def course_due_context(*, learner, notice):
    from courses.notifications import course_due_reminder_context

    learner.refresh_from_db()
    return course_due_reminder_context(recipient=learner, notices=[notice])
