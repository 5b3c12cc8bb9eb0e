"""Item analysis through the service, the refresh task and the admin report (issue 17)."""

import csv
import io
import re
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from assessments.admin_statistics import report_tables
from assessments.models import AttemptSet, QuizStatistics, QuizStatisticsRefresh
from assessments.services import statistics as service
from courses.models import Cohort
from tests.assessments.statistics_fixtures import MATRIX, graded_attempts
from tests.factories import UserFactory, build_quiz, make_coordinator, make_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(db):
    # single choice, multiple response, true/false, short answer: one mark each
    return make_questions(4, bank="stats/bank")


@pytest.fixture
def stats_quiz(module, four):
    return build_quiz(module, questions=four, title="Item analysis quiz")


@pytest.fixture
def admin_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _url(quiz, **query):
    url = reverse("quiz_statistics:detail", args=[quiz.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_service_reads_the_hand_worked_matrix_from_graded_attempts(stats_quiz, four):
    """Stored attempts give the figures worked by hand in test_statistics_maths.py."""
    graded_attempts(stats_quiz, four, MATRIX)
    data = service.quiz_statistics_compute(
        quiz_id=stats_quiz.pk, attempt_set=AttemptSet.FIRST, cohort_ids=None
    )
    assert data["quiz"]["attempts"] == 6
    assert data["quiz"]["cic"] == pytest.approx(45.528, abs=5e-4)
    assert data["quiz"]["standard_error"] == pytest.approx(0.86283, abs=5e-4)
    assert [p["place"] for p in data["places"]] == ["1", "2", "3", "4"]
    assert data["places"][3]["discrimination"] == pytest.approx(54.772, abs=1e-3)
    assert {i["question_id"] for i in data["items"]} == {q.pk for q in four}


def test_attempt_sets_pick_first_last_or_all_graded_attempts(stats_quiz, four):
    """A learner's second attempt counts under "last" and "all" but not "first"."""
    learners = graded_attempts(stats_quiz, four, MATRIX)
    graded_attempts(stats_quiz, four, [[1, 1, 1, 1]] * 2, learners=learners[4:], number=2)

    def figures(which):
        return service.quiz_statistics_compute(quiz_id=stats_quiz.pk, attempt_set=which, cohort_ids=None)[
            "quiz"
        ]

    first, last, every = figures(AttemptSet.FIRST), figures(AttemptSet.LAST), figures(AttemptSet.ALL)
    assert (first["attempts"], last["attempts"], every["attempts"]) == (6, 6, 8)
    assert first["mean"] == pytest.approx(13 / 6)
    assert last["mean"] == pytest.approx((4 + 3 + 2 + 2 + 4 + 4) / 6)
    assert every["mean"] == pytest.approx((13 + 8) / 8)


def test_attempts_waiting_for_grading_are_left_out(stats_quiz, four):
    from assessments.models import Attempt, AttemptState

    graded_attempts(stats_quiz, four, MATRIX)
    Attempt.objects.filter(pk=Attempt.objects.filter(quiz=stats_quiz).first().pk).update(
        state=AttemptState.NEEDS_GRADING
    )
    data = service.quiz_statistics_compute(quiz_id=stats_quiz.pk, attempt_set=AttemptSet.ALL, cohort_ids=None)
    assert data["quiz"]["attempts"] == 5


def test_an_option_no_one_chose_is_flagged_on_the_page(stats_quiz, four, admin_client):
    """Question 1's "Also wrong" option was never chosen: listed with 0 and flagged."""
    graded_attempts(stats_quiz, four, MATRIX)
    response = admin_client.get(_url(stats_quiz))
    assert response.status_code == 200
    table = next(t for t in response.context["tables"] if t.key == "responses")
    never = [row for row in table.rows if row[1] == "Also wrong"]
    assert len(never) == 1 and never[0][3] == 0 and never[0][5]
    chosen = [row for row in table.rows if row[1] == "Right"]
    assert chosen[0][3] == 5 and chosen[0][5] == ""
    assert "An option no one chose" in response.content.decode()


def test_negative_discrimination_is_flagged_on_the_page(stats_quiz, four, admin_client):
    """Question 4 right only for the three lowest scorers: shown with its flag."""
    graded_attempts(
        stats_quiz,
        four,
        [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 0, 1]],
    )
    response = admin_client.get(_url(stats_quiz))
    positions = next(t for t in response.context["tables"] if t.key == "positions")
    assert positions.rows[3][5] < 0
    assert "Negative discrimination" in positions.rows[3][7]
    assert "Negative discrimination" not in positions.rows[0][7]


def test_fewer_than_ten_attempts_shows_a_note(stats_quiz, four, admin_client):
    graded_attempts(stats_quiz, four, MATRIX)
    assert "not reliable yet" in admin_client.get(_url(stats_quiz)).content.decode()
    graded_attempts(stats_quiz, four, MATRIX, prefix="more")
    admin_client.post(_url(stats_quiz))  # recalculate
    assert "not reliable yet" not in admin_client.get(_url(stats_quiz)).content.decode()


def test_typed_answers_are_escaped_on_the_page_and_neutralized_in_exports(stats_quiz, four, admin_client):
    graded_attempts(stats_quiz, four, MATRIX)
    page = admin_client.get(_url(stats_quiz)).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    exported = admin_client.get(_url(stats_quiz, export="csv"))
    assert exported["Content-Type"].startswith("text/csv")
    cells = [cell for row in csv.reader(io.StringIO(exported.content.decode())) for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(cell.startswith("=") for cell in cells)
    assert "Question statistics by position" in cells

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(admin_client.get(_url(stats_quiz, export="xlsx")).content))
    assert workbook.sheetnames[:2] == ["Quiz statistics", "Question statistics by position"]
    texts = [
        c.value for sheet in workbook for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert '\'=HYPERLINK("http://x")' in texts
    assert not any(t.startswith("=") for t in texts)
    quiz_sheet = workbook["Quiz statistics"]
    assert [c.value for c in next(quiz_sheet.iter_rows(min_row=2, max_row=2))] == ["Attempts", 6]


def test_the_page_has_the_chart_and_the_same_numbers_as_a_table(stats_quiz, four, admin_client):
    graded_attempts(stats_quiz, four, MATRIX)
    response = admin_client.get(_url(stats_quiz))
    page = response.content.decode()
    assert '<svg role="img"' in page
    bars = response.context["chart"]["bars"]
    table = next(t for t in response.context["tables"] if t.key == "distribution")
    assert [b["count"] for b in bars] == [row[1] for row in table.rows]
    # totals 4, 3, 2, 2, 1, 1 of 4: 100%, 75%, 50% ×2, 25% ×2
    assert [row[1] for row in table.rows] == [0, 0, 2, 0, 0, 2, 0, 1, 0, 1]


def test_tampered_parameters_get_a_400_and_change_nothing(stats_quiz, four, admin_client):
    graded_attempts(stats_quiz, four, MATRIX)
    assert admin_client.get(_url(stats_quiz, attempts="everything")).status_code == 400
    assert admin_client.get(_url(stats_quiz, export="pdf")).status_code == 400
    assert admin_client.post(_url(stats_quiz), {"attempts": "x"}).status_code == 400
    assert not QuizStatistics.objects.exists()


# --- scope -----------------------------------------------------------------------------------


@pytest.fixture
def cohorts(db):
    district = Cohort.objects.create(name="District")
    return {
        "district": district,
        "school": Cohort.objects.create(name="School", parent=district),
        "other": Cohort.objects.create(name="Other school", parent=district),
    }


def test_a_coordinator_sees_only_their_cohorts_learners(stats_quiz, four, cohorts):
    """Statistics over the coordinator's learners only; another cohort's quiz is a 404;
    the administrator sees everyone."""
    graded_attempts(stats_quiz, four, MATRIX[:3], cohort=cohorts["school"], prefix="in")
    graded_attempts(stats_quiz, four, MATRIX[3:], cohort=cohorts["other"], prefix="out")
    inside = Client(raise_request_exception=False)
    inside.force_login(make_coordinator(cohorts=[cohorts["school"]]))
    above = Client(raise_request_exception=False)
    above.force_login(make_coordinator(cohorts=[cohorts["district"]]))
    response = inside.get(_url(stats_quiz))
    assert response.status_code == 200
    assert response.context["tables"][0].rows[0] == ["Attempts", 3]
    assert above.get(_url(stats_quiz)).context["tables"][0].rows[0] == ["Attempts", 6]
    # Two scopes, two cached rows: one coordinator never reads the other's figures.
    assert QuizStatistics.objects.filter(quiz=stats_quiz).count() == 2


def test_a_quiz_without_attempts_in_scope_is_a_404_and_learners_are_refused(
    stats_quiz, four, cohorts, learner
):
    graded_attempts(stats_quiz, four, MATRIX, cohort=cohorts["other"])
    outside = Client(raise_request_exception=False)
    outside.force_login(make_coordinator(cohorts=[cohorts["school"]]))
    assert outside.get(_url(stats_quiz)).status_code == 404
    assert outside.get(_url(stats_quiz, export="csv")).status_code == 404
    assert outside.post(_url(stats_quiz)).status_code == 404
    assert stats_quiz.title not in outside.get(reverse("quiz_statistics:index")).content.decode()
    plain = Client(raise_request_exception=False)
    plain.force_login(learner)
    assert plain.get(_url(stats_quiz)).status_code in (302, 403)
    assert not QuizStatistics.objects.exists()


# --- refresh and debounce --------------------------------------------------------------------


def test_a_burst_of_changes_queues_one_refresh(
    stats_quiz, four, settings, django_capture_on_commit_callbacks
):
    """200 submissions while the cache is dirty queue one task (with the debounce countdown);
    the task claims the refresh, a repeat finds nothing, and the next change queues again."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.QUIZ_STATISTICS_DEBOUNCE_SECONDS = 45
    with mock.patch("assessments.tasks.quiz_statistics_refresh.apply_async") as queued:
        with django_capture_on_commit_callbacks(execute=True):
            results = [service.quiz_statistics_mark_dirty(quiz_id=stats_quiz.pk) for _ in range(200)]
        assert results.count(True) == 1
        queued.assert_called_once_with(args=[stats_quiz.pk], countdown=45)
        graded_attempts(stats_quiz, four, MATRIX)
        assert service.quiz_statistics_refresh(quiz_id=stats_quiz.pk) == 1
        assert service.quiz_statistics_refresh(quiz_id=stats_quiz.pk) == 0
        row = QuizStatistics.objects.get(quiz=stats_quiz)
        assert (row.attempt_set, row.scope_key, row.data["quiz"]["attempts"]) == ("first", "all", 6)
        with django_capture_on_commit_callbacks(execute=True):
            assert service.quiz_statistics_mark_dirty(quiz_id=stats_quiz.pk) is True
        assert queued.call_count == 2


def test_the_refresh_recomputes_every_cached_view(stats_quiz, four, settings, admin_client):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    graded_attempts(stats_quiz, four, MATRIX)
    for which in ("first", "all"):
        admin_client.get(_url(stats_quiz, attempts=which))
    graded_attempts(stats_quiz, four, MATRIX, prefix="later")
    with mock.patch("assessments.tasks.quiz_statistics_refresh.apply_async"):
        service.quiz_statistics_mark_dirty(quiz_id=stats_quiz.pk)
    # Without a worker yet, the page says the figures are out of date and keeps them.
    response = admin_client.get(_url(stats_quiz))
    assert response.context["stale"] is True
    assert response.context["tables"][0].rows[0] == ["Attempts", 6]
    assert service.quiz_statistics_refresh(quiz_id=stats_quiz.pk) == 2
    for which in ("first", "all"):
        assert QuizStatistics.objects.get(quiz=stats_quiz, attempt_set=which).data["quiz"]["attempts"] == 12
    assert QuizStatisticsRefresh.objects.get(quiz=stats_quiz).dirty_since is None


def test_a_lost_refresh_is_picked_up_by_the_overdue_sweep(stats_quiz, four, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch("assessments.tasks.quiz_statistics_refresh.apply_async"):
        service.quiz_statistics_mark_dirty(quiz_id=stats_quiz.pk)
    assert service.quiz_statistics_refresh_overdue() == 0  # not overdue yet
    later = timezone.now() + timedelta(seconds=2 * settings.QUIZ_STATISTICS_DEBOUNCE_SECONDS + 1)
    assert service.quiz_statistics_refresh_overdue(now=later) == 1
    assert QuizStatistics.objects.filter(quiz=stats_quiz).count() == 1


def test_the_task_runs_eagerly(stats_quiz, four):
    """With eager tasks (the embedded default) the task itself still works."""
    from assessments.tasks import quiz_statistics_refresh

    graded_attempts(stats_quiz, four, MATRIX)
    QuizStatisticsRefresh.objects.create(quiz=stats_quiz, dirty_since="2026-01-01T00:00Z")
    assert quiz_statistics_refresh.delay(stats_quiz.pk).get() == 1
    assert QuizStatistics.objects.get(quiz=stats_quiz).data["quiz"]["attempts"] == 6


def test_a_submitted_attempt_reaches_the_report_through_the_event_log(
    stats_quiz, learner, course, admin_client, django_capture_on_commit_callbacks
):
    """Eager default: submitting marks the quiz dirty (learner event subscriber, nothing
    queued), and the next read recomputes with the new attempt."""
    from django.http import QueryDict

    from assessments.services import attempts
    from courses.services import enrollment_create

    enrollment_create(learner=learner, course=course)
    other = UserFactory()
    enrollment_create(learner=other, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        first = attempts.quiz_start(learner=learner, quiz=stats_quiz)
        attempts.attempt_submit(attempt_id=first.pk, learner=learner, data=QueryDict())
    assert admin_client.get(_url(stats_quiz)).context["tables"][0].rows[0] == ["Attempts", 1]
    with django_capture_on_commit_callbacks(execute=True):
        second = attempts.quiz_start(learner=other, quiz=stats_quiz)
        attempts.attempt_submit(attempt_id=second.pk, learner=other, data=QueryDict())
    assert QuizStatisticsRefresh.objects.get(quiz=stats_quiz).dirty_since is not None
    assert admin_client.get(_url(stats_quiz)).context["tables"][0].rows[0] == ["Attempts", 2]


def test_recalculate_on_request(stats_quiz, four, settings, admin_client):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    graded_attempts(stats_quiz, four, MATRIX)
    admin_client.get(_url(stats_quiz, attempts="all"))
    graded_attempts(stats_quiz, four, MATRIX[:2], prefix="late")
    response = admin_client.post(_url(stats_quiz), {"attempts": "all"})
    assert response.status_code == 302 and response["Location"].endswith("?attempts=all")
    assert QuizStatistics.objects.get(quiz=stats_quiz, attempt_set="all").data["quiz"]["attempts"] == 8


# --- random draws ------------------------------------------------------------------------------


def test_random_draws_are_placed_per_draw_and_analysed_per_bank_item(module, settings):
    """A slot drawing 2 of 3 bank questions gives places 2.1 and 2.2, and a row per drawn
    question; a fixed question keeps its own place."""
    from assessments.models import QuestionBank

    fixed = make_questions(1, bank="stats/fixed")
    pool = make_questions(3, bank="stats/pool", prefix="P")
    bank = QuestionBank.objects.get(path="stats/pool")
    quiz = build_quiz(module, questions=fixed, draw=(bank, 2, ""))
    graded_attempts(quiz, [fixed[0], pool[0], pool[1]], [[1, 1, 0], [0, 1, 1], [1, 0, 0]], prefix="a")
    graded_attempts(quiz, [fixed[0], pool[2], pool[0]], [[1, 1, 1], [0, 0, 1]], prefix="b")
    data = service.quiz_statistics_compute(quiz_id=quiz.pk, attempt_set=AttemptSet.FIRST, cohort_ids=None)
    assert [p["place"] for p in data["places"]] == ["1", "2.1", "2.2"]
    assert [p["n"] for p in data["places"]] == [5, 5, 5]
    counts = {row["question_id"]: row["n"] for row in data["items"]}
    assert counts == {fixed[0].pk: 5, pool[0].pk: 5, pool[1].pk: 3, pool[2].pk: 2}
    assert data["quiz"]["positions"] == 3
    tables = report_tables(data)
    assert tables[1].rows[1][:2] == ["2 (draw 1 of 2)", "Random question from stats/pool"]


# --- query budgets -----------------------------------------------------------------------------


def _queries(django_assert_max_num_queries, call, limit):
    with django_assert_max_num_queries(limit) as captured:
        call()
    return len(captured.captured_queries)


@pytest.mark.parametrize("kind", ["task", "export"])
def test_query_counts_are_equal_at_10_and_500_attempts(
    module, four, kind, settings, django_assert_max_num_queries, admin_client
):
    """The refresh task and the unpaginated export (computed on the way) cost the same
    number of queries whatever the number of attempts."""
    from assessments.tasks import quiz_statistics_refresh

    settings.CELERY_TASK_ALWAYS_EAGER = False
    counts = []
    for size, name in ((10, "small"), (500, "large")):
        quiz = build_quiz(module, questions=four, title=name)
        graded_attempts(quiz, four, (MATRIX * 100)[:size], prefix=name)
        if kind == "task":
            QuizStatisticsRefresh.objects.create(quiz=quiz, dirty_since="2026-01-01T00:00Z")
            counts.append(
                _queries(django_assert_max_num_queries, lambda q=quiz: quiz_statistics_refresh(q.pk), 12)
            )
        else:
            counts.append(
                _queries(
                    django_assert_max_num_queries,
                    lambda q=quiz: admin_client.get(_url(q, export="csv", attempts="all")),
                    40,
                )
            )
        assert QuizStatistics.objects.get(quiz=quiz).data["quiz"]["attempts"] == size
    assert counts[0] == counts[1]


def test_the_hostile_corpus_as_typed_answers_adds_no_markup_and_no_formula(
    stats_quiz, four, admin_client, monkeypatch
):
    """Every string of the hostile corpus typed as a short answer (all listed, not only the
    top five): the page has no more script-capable markup than with harmless answers (the
    chart's own SVG is the baseline), and no exported text cell starts a formula."""
    from collections import Counter

    from assessments import statistics as stats
    from tests.security.hostile import STRINGS, dangerous_markup
    from training_site.input_cleaning import has_control_characters

    monkeypatch.setattr(stats, "TOP_RESPONSES", 10_000)

    graded_attempts(stats_quiz, four, MATRIX, prefix="calm")
    admin_client.post(_url(stats_quiz), {"attempts": "all"})  # the same message (and its icon)
    baseline = Counter(dangerous_markup(admin_client.get(_url(stats_quiz, attempts="all")).content.decode()))
    typed = [s for s in STRINGS if not has_control_characters(s)]
    graded_attempts(stats_quiz, four, [[0, 0, 0, 0]] * len(typed), prefix="hostile", typed=typed)
    admin_client.post(_url(stats_quiz), {"attempts": "all"})
    page = admin_client.get(_url(stats_quiz, attempts="all")).content.decode()
    assert Counter(dangerous_markup(page)) == baseline
    exported = admin_client.get(_url(stats_quiz, attempts="all", export="csv")).content.decode()
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    texts = [cell for cell in cells if not re.fullmatch(r"-?\d+(\.\d+)?", cell)]
    assert len(texts) > len(typed)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in texts)
