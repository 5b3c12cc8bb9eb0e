"""Bulk enrollment: parse, dry run (writes nothing), apply (once, whole or not at all),
limits, scope, the Apply form's signature, large files as a job, and the matrix's columns."""

import csv
import datetime
import hashlib
import io

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from courses import bulk_enrollment as bulk
from courses.models import BulkEnrollmentJob, BulkEnrollmentStatus, Cohort, CohortCourse, Invitation
from courses.services import cohort_member_add
from tests.factories import UserFactory, make_coordinator
from training_site.accounts.models import User

pytestmark = pytest.mark.django_db

HEADER = "email,first name,last name,name on certificate,cohort\n"


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _table_counts() -> dict[str, int]:
    """Rows in every table of every installed model (the dry run must change none)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _csv(rows: list[list[str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or ["email", "first name", "last name", "name on certificate", "cohort"])
    writer.writerows(rows)
    return out.getvalue()


def _upload(text: str | bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


@pytest.fixture
def world():
    school = Cohort.objects.create(name="School S")
    other = Cohort.objects.create(name="School T")
    coordinator = make_coordinator(cohorts=[school])
    member = UserFactory(email="member@example.org")
    cohort_member_add(cohort=school, learner=member)
    existing = UserFactory(email="existing@example.org")
    return {
        "school": school,
        "other": other,
        "coordinator": coordinator,
        "member": member,
        "existing": existing,
    }


def _dry_run(client, text, **fields):
    data = {"file": _upload(text), "expires_days": "30", "preview": "1", **fields}
    return client.post(reverse("bulk_enrollment:index"), data)


def _apply(client, response):
    form = response.context["apply_form"]
    data = {name: form.initial[name] for name in form.fields}
    data["cohort"] = data["cohort"] or ""
    data["apply"] = "1"
    return client.post(reverse("bulk_enrollment:index"), data)


# Parsing ------------------------------------------------------------------------------------


def test_csv_columns_in_any_order_with_a_byte_order_mark_and_blank_lines():
    text = bulk.bulk_text_decode(
        "\ufeffCohort,Last_Name,EMAIL,First-Name\nSchool S,Diaz, Ana@Example.ORG ,Ana\n\n".encode()
    )
    [row] = bulk.bulk_csv_parse(text)
    assert (row.number, row.email, row.first_name, row.last_name, row.cohort_name) == (
        2,
        "Ana@example.org",
        "Ana",
        "Diaz",
        "School S",
    )
    assert row.problem == ""


def test_a_row_error_names_the_line_and_the_reason():
    rows = bulk.bulk_csv_parse(HEADER + "ok@example.org,A,B,,S\nnot-an-email,A,B,,S\nok@example.org,C,D,,S\n")
    assert [r.number for r in rows if r.problem] == [3, 4]
    assert "not-an-email" in rows[1].problem
    assert "line 2" in rows[2].problem


def test_row_numbers_are_file_lines_when_a_quoted_cell_spans_lines():
    rows = bulk.bulk_csv_parse(HEADER + 'a@example.org,"Two\nlines",B,,S\nbad,A,B,,S\n')
    assert [(r.number, bool(r.problem)) for r in rows] == [(2, False), (4, True)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a@example.org,Ana,Diaz\n", "first line must name the columns"),
        ("email,first name,shoe size\na@example.org,A,42\n", "shoe size"),
        ("email,email\na@example.org,b@example.org\n", "same column twice"),
        ("", "empty"),
        ("email,first name\n", "no rows"),
    ],
)
def test_a_file_without_a_proper_header_is_refused(text, message):
    with pytest.raises(bulk.BulkEnrollmentRefused) as refused:
        bulk.bulk_csv_parse(text)
    assert message in refused.value.message


def test_5000_rows_are_read_and_5001_refused():
    rows = "".join(f"p{n}@example.org,A,B,,S\n" for n in range(5000))
    assert len(bulk.bulk_csv_parse(HEADER + rows)) == 5000
    with pytest.raises(bulk.BulkEnrollmentRefused, match="more than 5,000 rows"):
        bulk.bulk_csv_parse(HEADER + rows + "last@example.org,A,B,,S\n")


def test_bytes_over_2_mb_or_not_utf8_or_binary_are_refused():
    with pytest.raises(bulk.BulkEnrollmentRefused, match="larger than 2 MB"):
        bulk.bulk_text_decode(b"a" * (bulk.BULK_MAX_BYTES + 1))
    with pytest.raises(bulk.BulkEnrollmentRefused, match="not UTF-8"):
        bulk.bulk_text_decode("email\nné@example.org\n".encode("latin-1"))
    with pytest.raises(bulk.BulkEnrollmentRefused, match="binary"):
        bulk.bulk_text_decode(b"PK\x03\x04\x00\x00email")


def test_pasted_addresses_one_per_line():
    rows = bulk.bulk_emails_parse("a@example.org\n\n  b@example.org  \nnope\n")
    assert [(r.number, r.email, bool(r.problem)) for r in rows] == [
        (1, "a@example.org", False),
        (3, "b@example.org", False),
        (4, "nope", True),
    ]


# Plan -----------------------------------------------------------------------------------------


def test_the_plan_gives_each_row_its_outcome(world):
    text = _csv(
        [
            ["new@example.org", "New", "Person", "", "School S"],
            ["existing@example.org", "", "", "", "school s"],
            ["member@example.org", "", "", "", ""],
            ["outside@example.org", "", "", "", "School T"],
            ["nowhere@example.org", "", "", "", "No such cohort"],
        ]
    )
    plan = bulk.bulk_enrollment_plan(
        rows=bulk.bulk_csv_parse(text), user=world["coordinator"], cohort=world["school"]
    )
    assert [o.kind for o in plan.outcomes] == [bulk.INVITE, bulk.ADD, bulk.MEMBER, bulk.ERROR, bulk.ERROR]
    outside, nowhere = plan.outcomes[3], plan.outcomes[4]
    # A cohort outside the scope reads like one that does not exist: nothing to probe.
    assert outside.message == "No cohort of yours is called “School T”."
    assert nowhere.message == "No cohort of yours is called “No such cohort”."
    assert (outside.row.number, nowhere.row.number) == (5, 6)


def test_a_row_without_a_cohort_needs_the_chosen_one(world):
    plan = bulk.bulk_enrollment_plan(
        rows=bulk.bulk_csv_parse(HEADER + "a@example.org,,,,\n"), user=world["coordinator"]
    )
    assert plan.outcomes[0].kind == bulk.ERROR


def test_the_chosen_cohort_must_be_in_scope(world):
    with pytest.raises(bulk.BulkEnrollmentRefused):
        bulk.bulk_enrollment_plan(
            rows=bulk.bulk_emails_parse("a@example.org"), user=world["coordinator"], cohort=world["other"]
        )


def test_the_plan_costs_the_same_queries_at_10_and_400_rows(world, django_assert_max_num_queries):
    def rows(n):
        return bulk.bulk_csv_parse(HEADER + "".join(f"p{i}@example.org,A,B,,School S\n" for i in range(n)))

    counts = []
    for size in (10, 400):
        parsed = rows(size)
        with django_assert_max_num_queries(6) as captured:
            bulk.bulk_enrollment_plan(rows=parsed, user=world["coordinator"])
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# Dry run and apply through the admin ------------------------------------------------------------


def test_the_dry_run_writes_nothing_to_any_table(world):
    client = _client(world["coordinator"])
    before = _table_counts()
    response = _dry_run(
        client,
        _csv(
            [
                ["new@example.org", "New", "Person", "N. Person", "School S"],
                ["existing@example.org", "", "", "", "School S"],
                ["member@example.org", "", "", "", "School S"],
            ]
        ),
    )
    assert response.status_code == 200
    assert [o.kind for o in response.context["plan"].outcomes] == [bulk.INVITE, bulk.ADD, bulk.MEMBER]
    assert "Dry run" in response.content.decode()
    assert _table_counts() == before
    assert mail.outbox == []


def test_apply_twice_is_the_same_as_once(world, django_capture_on_commit_callbacks):
    client = _client(world["coordinator"])
    text = _csv(
        [
            ["new@example.org", "New", "Person", "N. Person", "School S"],
            ["existing@example.org", "", "", "", ""],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _apply(client, _dry_run(client, text, cohort=str(world["school"].pk)))
    assert response.status_code == 302
    new = User.objects.get(email="new@example.org")
    assert (new.first_name, new.last_name, new.display_name, new.certificate_name) == (
        "New",
        "Person",
        "New Person",
        "N. Person",
    )
    assert not new.has_usable_password()
    assert set(world["school"].memberships.values_list("learner__email", flat=True)) == {
        "member@example.org",
        "existing@example.org",
        "new@example.org",
    }
    assert Invitation.objects.filter(email="new@example.org", cohort=world["school"]).count() == 1
    assert len(mail.outbox) == 1
    after_once = _table_counts()

    with django_capture_on_commit_callbacks(execute=True):
        second = _dry_run(client, text, cohort=str(world["school"].pk))
        assert [o.kind for o in second.context["plan"].outcomes] == [bulk.MEMBER, bulk.MEMBER]
        _apply(client, second)
    assert _table_counts() == after_once
    assert len(mail.outbox) == 1


def test_a_file_with_error_rows_cannot_be_applied_and_the_service_writes_nothing(world):
    client = _client(world["coordinator"])
    text = _csv([["new@example.org", "", "", "", "School S"], ["bad", "", "", "", "School S"]])
    response = _dry_run(client, text)
    assert "apply_form" not in response.context
    assert "line 3" in response.content.decode()
    before = _table_counts()
    with pytest.raises(bulk.BulkEnrollmentRefused) as refused:
        bulk.bulk_enrollment_apply(rows=bulk.bulk_csv_parse(text), user=world["coordinator"])
    assert refused.value.problems[0][0] == 3
    assert _table_counts() == before


def test_apply_plans_again_and_refuses_what_became_an_error(world):
    rows = bulk.bulk_csv_parse(HEADER + "new@example.org,,,,School S\n")
    world["school"].coordinator_links.all().delete()
    before = _table_counts()
    with pytest.raises(bulk.BulkEnrollmentRefused):
        bulk.bulk_enrollment_apply(rows=rows, user=world["coordinator"])
    assert _table_counts() == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_upload("email\n" + "a" * (2 * 1024 * 1024)), "larger than 2 MB"),
        (_upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "people.csv"), "not UTF-8"),
        (_upload(b"PK\x03\x04", "people.xlsx"), "Upload a .csv file"),
        (_upload("a@example.org,Ana\n"), "first line must name the columns"),
        (_upload(HEADER + "".join(f"p{n}@example.org,,,,\n" for n in range(5001))), "more than 5,000 rows"),
    ],
    ids=["over-2-mb", "not-text", "not-csv", "no-header", "5001-rows"],
)
def test_refused_uploads_say_why_and_write_nothing(world, upload, message):
    client = _client(world["coordinator"])
    before = _table_counts()
    response = client.post(
        reverse("bulk_enrollment:index"), {"file": upload, "expires_days": "30", "preview": "1"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "apply_form" not in response.context
    assert _table_counts() == before


def test_pasted_addresses_need_a_cohort_and_join_it(world, django_capture_on_commit_callbacks):
    client = _client(world["coordinator"])
    url = reverse("bulk_enrollment:index")
    response = client.post(url, {"emails": "a@example.org", "expires_days": "30", "preview": "1"})
    assert "Choose the cohort" in response.content.decode()
    response = client.post(
        url,
        {"emails": "a@example.org\nexisting@example.org", "cohort": world["school"].pk, "expires_days": "9"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        _apply(client, response)
    invitation = Invitation.objects.get(email="a@example.org")
    assert invitation.cohort == world["school"]
    assert (
        datetime.timedelta(days=8) < invitation.expires_at - invitation.sent_at <= datetime.timedelta(days=9)
    )
    assert world["school"].memberships.filter(learner=world["existing"]).exists()


def test_a_cohort_outside_the_scope_cannot_be_chosen(world):
    response = _client(world["coordinator"]).post(
        reverse("bulk_enrollment:index"),
        {"emails": "a@example.org", "cohort": world["other"].pk, "expires_days": "30"},
    )
    assert "apply_form" not in response.context
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda data, w: data.update(text=data["text"] + "evil@example.org,,,,School S\n"),
        lambda data, w: data.update(cohort=str(w["other"].pk)),
        lambda data, w: data.update(expires_days="365"),
        lambda data, w: data.update(signature="0" * 40),
        lambda data, w: data.pop("signature"),
    ],
    ids=["text", "cohort", "expiry", "signature", "no-signature"],
)
def test_a_tampered_apply_form_is_a_400_and_writes_nothing(world, change):
    client = _client(world["coordinator"])
    response = _dry_run(
        client, _csv([["new@example.org", "", "", "", "School S"]]), cohort=str(world["school"].pk)
    )
    form = response.context["apply_form"]
    data = {name: form.initial[name] for name in form.fields}
    change(data, world)
    before = _table_counts()
    tampered = client.post(reverse("bulk_enrollment:index"), {**data, "apply": "1"})
    assert tampered.status_code == 400
    assert _table_counts() == before


def test_another_coordinators_apply_form_is_a_400(world):
    client = _client(world["coordinator"])
    response = _dry_run(client, _csv([["new@example.org", "", "", "", "School S"]]))
    form = response.context["apply_form"]
    data = {name: form.initial[name] or "" for name in form.fields}
    colleague = _client(make_coordinator(cohorts=[world["school"]]))
    assert colleague.post(reverse("bulk_enrollment:index"), {**data, "apply": "1"}).status_code == 400
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_learner_cannot_open_bulk_enrollment(learner):
    assert _client(learner).get(reverse("bulk_enrollment:index")).status_code in (302, 403)


# Large files ---------------------------------------------------------------------------------------


def test_a_large_file_is_applied_as_a_job_with_progress_shown(world, django_capture_on_commit_callbacks):
    size = bulk.BULK_TASK_THRESHOLD + 1
    text = HEADER + "".join(f"p{n}@example.org,P,{n},,School S\n" for n in range(size))
    client = _client(world["coordinator"])
    preview = _dry_run(client, text)
    assert "applied in the background" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _apply(client, preview)
    job = BulkEnrollmentJob.objects.get()
    assert response["Location"] == reverse("bulk_enrollment:job", args=[job.pk])
    assert (job.status, job.total, job.processed, job.invited_count) == (
        BulkEnrollmentStatus.DONE,
        size,
        size,
        size,
    )
    assert world["school"].memberships.count() == size + 1
    page = client.get(response["Location"]).content.decode()
    assert f"{size} invited" in page
    # A second delivery of the task changes nothing.
    before = _table_counts()
    assert bulk.bulk_enrollment_run(job_id=job.pk) == "skipped"
    assert _table_counts() == before
    # Another coordinator's job is a 404.
    other = _client(make_coordinator(cohorts=[world["school"]]))
    assert other.get(response["Location"]).status_code == 404


def test_a_job_whose_rows_became_errors_fails_with_the_rows_and_writes_nothing(world):
    job = BulkEnrollmentJob.objects.create(
        created_by=world["coordinator"],
        source=bulk.CSV,
        text=HEADER + "a@example.org,,,,School T\n",
        expires_days=30,
        total=1,
    )
    users = User.objects.count()
    assert bulk.bulk_enrollment_run(job_id=job.pk) == BulkEnrollmentStatus.FAILED
    job.refresh_from_db()
    assert job.status == BulkEnrollmentStatus.FAILED
    assert job.problems == [[2, "No cohort of yours is called “School T”."]]
    assert User.objects.count() == users
    page = _client(world["coordinator"]).get(reverse("bulk_enrollment:job", args=[job.pk])).content.decode()
    assert "Nothing was applied" in page


# The progress matrix -------------------------------------------------------------------------------


def test_matrix_shows_invited_then_joined_and_formula_names_stay_text(
    world, course, django_capture_on_commit_callbacks
):
    CohortCourse.objects.create(cohort=world["school"], course=course)
    client = _client(world["coordinator"])
    text = _csv(
        [
            ['=HYPERLINK("http://evil.example","x")', "", "", "", "School S"],
            ["hyper@example.org", '=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "", "School S"],
        ]
    )
    assert _dry_run(client, text).context["plan"].outcomes[0].kind == bulk.ERROR
    text = _csv([["hyper@example.org", '=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "", "School S"]])
    with django_capture_on_commit_callbacks(execute=True):
        _apply(client, _dry_run(client, text))
    learner = User.objects.get(email="hyper@example.org")
    assert learner.first_name == '=HYPERLINK("http://evil.example","x")'
    from courses.services import enrollment_create

    enrollment_create(learner=learner, course=course)
    enrollment_create(learner=world["member"], course=course)
    response = client.get(reverse("progress_matrix"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-1] == "Account"
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["hyper@example.org"][0] == '\'=HYPERLINK("http://evil.example","x") @SUM(A1)'
    assert by_email["hyper@example.org"][-1] == "Invited"
    assert by_email["member@example.org"][-1] == "Joined"
    response = client.get(reverse("progress_matrix"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert cells["hyper@example.org"][0].value == '\'=HYPERLINK("http://evil.example","x") @SUM(A1)'
    assert cells["hyper@example.org"][0].data_type == "s"

    invitation = Invitation.objects.get(learner=learner)
    from courses.invitations import invitation_accept

    token = _token_from_mail(mail.outbox[-1].body)
    assert hashlib.sha256(token.encode()).hexdigest() == invitation.token_hash
    invitation_accept(token=token, password="a-Long-passw0rd!")
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(reverse("progress_matrix"), {"export": "csv"}).streaming_content).decode()
            )
        )
    )
    assert {row[1]: row[-1] for row in rows[1:]}["hyper@example.org"] == "Joined"


def _token_from_mail(body: str) -> str:
    marker = "/learning/invitations/"
    start = body.index(marker) + len(marker)
    return body[start:].split("/", 1)[0]


def test_the_apply_form_posted_back_with_crlf_line_breaks_still_applies(world):
    """Browsers send a form's text with CRLF line breaks; the signature is over the text
    with line feeds, so the form the coordinator saw applies (found by the browser test)."""
    client = _client(world["coordinator"])
    response = _dry_run(client, _csv([["new@example.org", "", "", "", "School S"]]))
    form = response.context["apply_form"]
    data = {name: form.initial[name] or "" for name in form.fields}
    data["text"] = data["text"].replace("\n", "\r\n")
    assert client.post(reverse("bulk_enrollment:index"), {**data, "apply": "1"}).status_code == 302
    assert User.objects.filter(email="new@example.org").exists()
