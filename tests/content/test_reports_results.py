"""Coordinator reports: the matrix's extra filters and module mode, course results, the
cohort summary, and exports built in the background (job, download, cleanup, query counts)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Attempt, AttemptState
from certificates.models import Certificate, CertificateStatus
from content.exports import report_export_build, report_exports_delete_old
from content.jobs import ReportExport, ReportExportStatus
from courses.models import ActivityResult, Cohort, CohortMembership, Enrollment, LearnerEvent
from courses.models.events import LearnerEventKind
from courses.models.records import ActivityStatus
from courses.services import activity_result_record, cohort_member_add, enrollment_create, lesson_complete
from tests.certificates.factories import CertificateFactory, complete_course
from tests.factories import UserFactory, build_quiz, course_lessons, make_coordinator
from training_site.accounts.models import User

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def _member(cohort, name, course=None):
    learner = UserFactory(display_name=name.title(), email=f"{name}@example.org")
    cohort_member_add(cohort=cohort, learner=learner)
    if course is not None:
        enrollment_create(learner=learner, course=course)
    return learner


def _graded(learner, quiz, number, percent):
    return Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        number=number,
        state=AttemptState.GRADED,
        started_at=timezone.now(),
        pass_mark=quiz.pass_mark,
        review_level="score_only",
        percent=Decimal(percent),
    )


@pytest.fixture
def final(course):
    return build_quiz(course, title="Final", required_for_completion=True, pass_mark=70)


def test_failed_the_final_twice_is_told_from_once_from_passed_since_and_from_a_module_quiz(course, final):
    cohort = Cohort.objects.create(name="F")
    twice, once, recovered, module_twice = (
        _member(cohort, n, course) for n in ("twice", "once", "back", "mod")
    )
    module_quiz = build_quiz(
        course.get_children().first().specific, title="Module quiz", required_for_completion=True
    )
    for n in (1, 2):
        _graded(twice, final, n, "50")
        _graded(recovered, final, n, "40")
        _graded(module_twice, module_quiz, n, "10")
    _graded(twice, final, 3, "75").delete()  # a deleted attempt is not a pass
    _graded(once, final, 1, "60")
    _graded(once, final, 2, "90")  # above the pass mark: only one failure
    activity_result_record(learner=recovered, activity=final, status=ActivityStatus.PASSED, score_percent=80)
    client = _client(make_coordinator(cohorts=[cohort]))
    rows = _csv(client.get(reverse("progress_matrix"), {"export": "csv", "status": "failed_final_twice"}))
    assert [row[1] for row in rows[1:]] == ["twice@example.org"]


def test_certificate_expiring_within_90_days_includes_day_90_not_91_nor_revoked_nor_expired(index, course):
    from tests.factories import build_course

    cohort = Cohort.objects.create(name="E")
    today = timezone.localdate()
    expected = []
    for name, days, status in [
        ("day90", 90, CertificateStatus.ISSUED),
        ("today", 0, CertificateStatus.ISSUED),
        ("day91", 91, CertificateStatus.ISSUED),
        ("gone", -1, CertificateStatus.ISSUED),
        ("revoked", 10, CertificateStatus.REVOKED),
    ]:
        other = build_course(index, title=f"C {name}", modules=1, lessons_per_module=1)
        learner = _member(cohort, name)
        enrollment = complete_course(learner, other)
        Certificate.objects.filter(enrollment=enrollment).delete()
        CertificateFactory(
            enrollment=enrollment,
            status=status,
            expires_on=today + datetime.timedelta(days=days),
            revoked_at=timezone.now() if status == CertificateStatus.REVOKED else None,
        )
        if name in ("day90", "today"):
            expected.append(f"{name}@example.org")
    client = _client(make_coordinator(cohorts=[cohort]))
    rows = _csv(client.get(reverse("progress_matrix"), {"export": "csv", "status": "certificate_expiring"}))
    assert sorted(row[1] for row in rows[1:]) == sorted(expected)


def test_module_matrix_gives_each_module_its_own_status(course):
    cohort = Cohort.objects.create(name="M")
    learner = _member(cohort, "ann", course)
    lessons = course_lessons(course)  # two modules of two lessons
    lesson_complete(learner=learner, lesson=lessons[0])
    lesson_complete(learner=learner, lesson=lessons[1])
    other = _member(cohort, "bob", course)
    lesson_complete(learner=other, lesson=lessons[2])
    client = _client(make_coordinator(cohorts=[cohort]))
    rows = _csv(client.get(reverse("module_matrix"), {"export": "csv", "course": course.pk}))
    table = {(row[1], row[3]): (row[4], row[5], row[6]) for row in rows[1:]}
    first, second = (m.title for m in course.get_children().specific().order_by("path"))
    assert table[("ann@example.org", first)] == ("Completed", "100", "2/2")
    assert table[("ann@example.org", second)] == ("Not started", "0", "0/2")
    assert table[("bob@example.org", first)] == ("Not started", "0", "0/2")
    assert table[("bob@example.org", second)] == ("In progress", "50", "1/2")
    # Without a course there is nothing to show, and the screen says what to do.
    assert len(_csv(client.get(reverse("module_matrix"), {"export": "csv"}))) == 1
    assert "Choose a course" in client.get(reverse("module_matrix")).content.decode()


def test_course_results_count_submitted_attempts_with_best_and_last_grade(course, final):
    cohort = Cohort.objects.create(name="R")
    learner = _member(cohort, "res", course)
    _graded(learner, final, 1, "40")
    _graded(learner, final, 2, "90")
    _graded(learner, final, 3, "75")
    Attempt.objects.create(
        learner=learner,
        quiz=final,
        number=4,
        state=AttemptState.IN_PROGRESS,
        started_at=timezone.now(),
        pass_mark=70,
        review_level="score_only",
    )
    activity_result_record(learner=learner, activity=final, status=ActivityStatus.PASSED, score_percent=75)
    idle = _member(cohort, "idle", course)
    _member(Cohort.objects.create(name="Other"), "stranger", course)
    client = _client(make_coordinator(cohorts=[cohort]))
    rows = _csv(client.get(reverse("course_results"), {"export": "csv"}))
    assert rows[0] == [
        *("Course", "Learner", "Email", "Attempts", "Best grade"),
        *("Last grade", "Passed", "Completed on", "Certificate"),
    ]
    by_email = {row[2]: row for row in rows[1:]}
    assert set(by_email) == {"res@example.org", "idle@example.org"}
    assert by_email["res@example.org"][3:7] == ["3", "90.00", "75.00", "Yes"]
    assert by_email[idle.email][3:7] == ["0", "", "", "No"]


def test_course_results_show_completion_date_and_certificate(course):
    cohort = Cohort.objects.create(name="C")
    learner = _member(cohort, "done")
    enrollment = complete_course(learner, course)
    code = Certificate.objects.get(enrollment=enrollment).code
    coordinator = make_coordinator(cohorts=[cohort])
    rows = _csv(_client(coordinator).get(reverse("course_results"), {"export": "csv"}))
    response = _client(coordinator).get(reverse("course_results"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    row = list(sheet.iter_rows(min_row=2, values_only=True))[0]
    assert row[6] == "Yes" and row[8] == code
    assert row[7] is not None
    assert rows[1][6:] == ["Yes", timezone.localdate().isoformat(), code]


def test_cohort_summary_counts_statuses_and_charts_completions_per_week(course):
    cohort = Cohort.objects.create(name="S")
    done = _member(cohort, "done")
    complete_course(done, course)
    busy = _member(cohort, "busy", course)
    lesson_complete(learner=busy, lesson=course_lessons(course)[0])
    _member(cohort, "idle", course)
    outsider = _member(Cohort.objects.create(name="Beside"), "outside")
    complete_course(outsider, course)
    client = _client(make_coordinator(cohorts=[cohort]))
    rows = _csv(client.get(reverse("cohort_summary"), {"export": "csv"}))
    assert rows[1] == [course.title, "1", "1", "0", "1", "3"]
    page = client.get(reverse("cohort_summary")).content.decode()
    assert "<svg" in page and 'aria-hidden="true"' in page
    assert "1 completion in the last 12 weeks." in page
    # An old completion (13 weeks ago) is outside the chart.
    LearnerEvent.objects.filter(learner=done, kind=LearnerEventKind.COURSE_COMPLETED).update(
        occurred_at=timezone.now() - datetime.timedelta(weeks=13)
    )
    assert "0 completions in the last 12 weeks." in client.get(reverse("cohort_summary")).content.decode()


@pytest.mark.parametrize("name", ["module_matrix", "course_results", "cohort_summary"])
def test_a_coordinator_of_no_cohort_sees_a_notice_and_no_rows(course, name):
    _member(Cohort.objects.create(name="X"), "x", course)
    client = _client(make_coordinator(cohorts=[]))
    assert "do not coordinate any cohort" in client.get(reverse(name)).content.decode()
    rows = _csv(client.get(reverse(name), {"export": "csv", "course": course.pk}))
    assert len(rows) == 1
    learner_client = _client(UserFactory())
    assert learner_client.get(reverse(name)).status_code in (302, 403)


def test_reports_are_in_the_training_menu(course):
    page = _client(make_coordinator(cohorts=[])).get(reverse("wagtailadmin_home")).content.decode()
    for name in ("progress_matrix", "module_matrix", "course_results", "cohort_summary"):
        assert reverse(name) in page


# --- Exports built in the background ------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = 2
    return settings


def _cohort_of(course, size, name):
    cohort = Cohort.objects.create(name=name)
    users = User.objects.bulk_create(
        [User(email=f"{name}-{n}@example.org", display_name=f"{name} {n}") for n in range(size)]
    )
    CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, learner=u) for u in users])
    Enrollment.objects.bulk_create([Enrollment(learner=u, course=course) for u in users])
    return cohort


def test_an_export_over_the_limit_becomes_a_job_only_its_requester_downloads(
    course, small_limit, django_capture_on_commit_callbacks
):
    cohort = _cohort_of(course, 3, "big")
    User.objects.filter(email="big-0@example.org").update(display_name="=HYPERLINK(1)")
    requester = make_coordinator(cohorts=[cohort])
    client = _client(requester)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.get(reverse("progress_matrix"), {"export": "csv", "cohort": cohort.pk})
    assert len(queued) == 1
    job = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "report_export_status", args=[job.pk]
    )
    assert (job.requested_by, job.report, job.filters) == (
        requester,
        "progress_matrix",
        {"cohort": [str(cohort.pk)]},
    )
    # Eager tasks (the embedded default): built after commit, before the status page.
    assert job.status == ReportExportStatus.DONE and job.total == 3
    page = client.get(response["Location"]).content.decode()
    assert "Download the file" in page
    download = client.get(reverse("report_export_download", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert len(rows) == 4 and "'=HYPERLINK(1)" in {row[0] for row in rows}
    # Another coordinator of the same cohort: 404 for the page and the file; an admin sees it.
    colleague = _client(make_coordinator(cohorts=[cohort]))
    assert colleague.get(reverse("report_export_status", args=[job.pk])).status_code == 404
    assert colleague.get(reverse("report_export_download", args=[job.pk])).status_code == 404
    admin = _client(UserFactory(is_superuser=True, is_staff=True))
    assert admin.get(reverse("report_export_download", args=[job.pk])).status_code == 200


def test_an_export_under_the_limit_renders_directly(course, small_limit):
    cohort = _cohort_of(course, 2, "few")
    response = _client(make_coordinator(cohorts=[cohort])).get(reverse("course_results"), {"export": "csv"})
    assert response.status_code == 200 and len(_csv(response)) == 3
    assert not ReportExport.objects.exists()


def test_xlsx_job_keeps_formulas_as_text(course, small_limit, django_capture_on_commit_callbacks):
    cohort = _cohort_of(course, 3, "xl")
    User.objects.filter(email="xl-1@example.org").update(display_name="+SUM(A1)")
    client = _client(make_coordinator(cohorts=[cohort]))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("course_results"), {"export": "xlsx"})
    job = ReportExport.objects.get()
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("report_export_download", args=[job.pk])).getvalue())
    ).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'+SUM(A1)" in names


def test_a_failed_build_records_its_reason_and_the_page_shows_it(
    course, small_limit, monkeypatch, django_capture_on_commit_callbacks
):
    cohort = _cohort_of(course, 3, "fail")
    import content.reports

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(content.reports, "progress_matrix_rows", broken)
    client = _client(make_coordinator(cohorts=[cohort]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("progress_matrix"), {"export": "csv"})
    job = ReportExport.objects.get()
    assert job.status == ReportExportStatus.FAILED and not job.file
    assert "RuntimeError" in job.error
    page = client.get(response["Location"]).content.decode()
    assert 'role="alert"' in page and "could not be built" in page
    assert client.get(reverse("report_export_download", args=[job.pk])).status_code == 404


def test_the_build_is_idempotent(course, small_limit, django_capture_on_commit_callbacks):
    cohort = _cohort_of(course, 3, "twice")
    with django_capture_on_commit_callbacks(execute=True):
        _client(make_coordinator(cohorts=[cohort])).get(reverse("progress_matrix"), {"export": "csv"})
    job = ReportExport.objects.get()
    name = job.file.name
    assert report_export_build(export_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert job.file.name == name and job.status == ReportExportStatus.DONE


def test_files_older_than_seven_days_are_deleted_and_the_page_says_so(
    course, small_limit, django_capture_on_commit_callbacks
):
    cohort = _cohort_of(course, 3, "old")
    client = _client(make_coordinator(cohorts=[cohort]))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("progress_matrix"), {"export": "csv"})
        client.get(reverse("progress_matrix"), {"export": "xlsx"})
    old, new = ReportExport.objects.order_by("pk")
    ReportExport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=7, minutes=1)
    )
    ReportExport.objects.filter(pk=new.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=6, hours=23)
    )
    storage, old_name = old.file.storage, old.file.name
    assert report_exports_delete_old() == 1
    assert report_exports_delete_old() == 0
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == ReportExportStatus.EXPIRED and not old.file and not storage.exists(old_name)
    assert new.status == ReportExportStatus.DONE and storage.exists(new.file.name)
    assert (
        "deleted after 7 days" in client.get(reverse("report_export_status", args=[old.pk])).content.decode()
    )
    assert client.get(reverse("report_export_download", args=[old.pk])).status_code == 404


def test_the_cleanup_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "content.tasks.report_exports_delete_old" in tasks
    from training_site.celery import app

    app.loader.import_default_modules()
    assert "content.tasks.report_exports_delete_old" in app.tasks


def test_a_job_row_with_a_file_is_done_and_only_then(course):
    from django.db import IntegrityError, transaction

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportExport.objects.create(
            requested_by=user, report="course_results", file_format="csv", file="x.csv"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportExport.objects.create(
            requested_by=user,
            report="course_results",
            file_format="csv",
            status="done",
            finished_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportExport.objects.create(requested_by=user, report="course_results", file_format="pdf")


@pytest.mark.parametrize("report", ["progress_matrix", "course_results"])
def test_unpaginated_export_and_the_task_cost_the_same_queries_at_100_and_2000(course, final, report):
    small, large = _cohort_of(course, 100, "small"), _cohort_of(course, 2000, "large")
    for cohort in (small, large):  # some graded finals, so the attempt rows are read too
        learners = list(
            CohortMembership.objects.filter(cohort=cohort).values_list("learner_id", flat=True)[:50]
        )
        Attempt.objects.bulk_create(
            [
                Attempt(
                    learner_id=pk, quiz=final, number=1, state=AttemptState.GRADED, started_at=timezone.now(),
                    pass_mark=70, review_level="score_only", percent=Decimal(50),
                )
                for pk in learners
            ]
        )  # fmt: skip
        enrollments = Enrollment.objects.filter(learner_id__in=learners, course=course)
        ActivityResult.objects.bulk_create(
            [
                ActivityResult(enrollment=e, activity=final, status="failed", score_percent=50)
                for e in enrollments
            ]
        )
    _client(make_coordinator(cohorts=[small])).get(
        reverse(report), {"export": "csv"}
    )  # warm the course cache
    direct, task = {}, {}
    for cohort in (small, large):
        coordinator = make_coordinator(cohorts=[cohort])
        with CaptureQueriesContext(connection) as queries:
            rows = _csv(_client(coordinator).get(reverse(report), {"export": "csv"}))
        assert len(rows) == 1 + (100 if cohort is small else 2000)
        direct[cohort.name] = len(queries)
        job = ReportExport.objects.create(requested_by=coordinator, report=report, file_format="csv")
        with CaptureQueriesContext(connection) as queries:
            assert report_export_build(export_id=job.pk) == "done"
        task[cohort.name] = len(queries)
        job.refresh_from_db()
        assert job.total == len(rows) - 1
    assert task["small"] == task["large"] and task["large"] <= 40, (direct, task)
    assert direct["small"] == direct["large"] and direct["large"] <= 40, (direct, task)
