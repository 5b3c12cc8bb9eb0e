"""The coordinators' attempts listing and export, the read-only attempt, reopening after a
technical fault and granting one learner an extra attempt (issue 17); query budgets of the
grading queue and the export at two sizes."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from assessments.models import Attempt, AttemptGrant, AttemptState, Response
from assessments.services import attempts as services
from assessments.services.coordinator import attempt_grant_extra, attempt_reopen
from courses.models import Cohort, CohortMembership
from courses.services import cohort_open_enrollment_get, enrollment_create
from tests.assessments.test_grading import essay_question, post_grade, submit_essay
from tests.factories import UserFactory, build_quiz, make_coordinator

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return make_coordinator(display_name="Grace Grader")


@pytest.fixture
def grader(coordinator):
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    return client


@pytest.fixture
def two_tries(module, questions):
    return build_quiz(
        module, questions=questions[2:4], title="Two tries", max_attempts=2, time_limit_minutes=20
    )


def answer_and_submit(learner, quiz, *, answers="q1=false", now=None):
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=now)
    services.attempt_save(
        attempt_id=attempt.pk, learner=learner, data=QueryDict(answers), sequence=0, now=now
    )
    return services.attempt_submit(attempt_id=attempt.pk, learner=learner, now=now)


# --- Listing, detail, export ----------------------------------------------------------------


def test_listing_shows_each_attempt_with_its_duration_and_grade(grader, learner, enrolled, two_tries):
    learner.display_name = "Lena Learner"
    learner.save()
    start = timezone.now() - timedelta(hours=1)
    attempt = services.quiz_start(learner=learner, quiz=two_tries, now=start)
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, now=start + timedelta(minutes=12, seconds=30)
    )
    html = grader.get(reverse("attempts:index"), {"quiz": two_tries.pk}).content.decode()
    assert "Lena Learner" in html and "Two tries" in html and "12.5" in html and "Graded" in html
    assert reverse("attempts:detail", args=[attempt.pk]) in html


def test_export_neutralizes_formulas_and_lists_only_the_scope(grader, learner, enrolled, two_tries, course):
    learner.display_name = '=HYPERLINK("https://evil.example")'
    learner.save()
    answer_and_submit(learner, two_tries)
    outsider = UserFactory(display_name="Out Sider")
    enrollment_create(learner=outsider, course=course)
    CohortMembership.objects.filter(learner=outsider).delete()
    answer_and_submit(outsider, two_tries)
    response = grader.get(reverse("attempts:index"), {"quiz": two_tries.pk, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Learner", "Email", "Quiz", "Attempt"]
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("https://evil.example")']


def test_detail_shows_answers_marks_and_feedback_read_only(grader, learner, enrolled, module):
    quiz = build_quiz(module, questions=[essay_question()], title="Essay quiz")
    attempt = submit_essay(learner, quiz, text="<b>I would listen</b>")
    post_grade(grader, attempt.responses.get(), comment="Name a <next> step.")
    html = grader.get(reverse("attempts:detail", args=[attempt.pk])).content.decode()
    assert "&lt;b&gt;I would listen&lt;/b&gt;" in html
    assert "Name a &lt;next&gt; step." in html and "Concrete" not in html and "Vague" in html
    assert "3 / 4" in html
    assert 'name="comment"' not in html  # read-only: no grading form here


def test_attempt_screens_outside_the_coordinators_cohorts_are_404(learner, enrolled, two_tries):
    attempt = answer_and_submit(learner, two_tries)
    outsider = Client(raise_request_exception=False)
    outsider.force_login(make_coordinator(cohorts=[Cohort.objects.create(name="Beside")]))
    for name in ("detail", "reopen", "grant"):
        assert outsider.get(reverse(f"attempts:{name}", args=[attempt.pk])).status_code == 404
    assert outsider.post(reverse("attempts:grant", args=[attempt.pk]), {"reason": "x"}).status_code == 404
    assert not AttemptGrant.objects.exists()
    html = outsider.get(reverse("attempts:index")).content.decode()
    assert reverse("attempts:detail", args=[attempt.pk]) not in html


def test_learners_cannot_reach_the_attempts_screens(learner_client, learner, enrolled, two_tries):
    attempt = answer_and_submit(learner, two_tries)
    assert learner_client.get(reverse("attempts:index")).status_code in (302, 403)
    assert learner_client.get(reverse("attempts:detail", args=[attempt.pk])).status_code in (302, 403, 404)


# --- Extra attempts -------------------------------------------------------------------------


def test_the_limit_check_honours_a_grant_for_that_learner_only(
    learner, enrolled, two_tries, course, coordinator
):
    classmate = UserFactory()
    enrollment_create(learner=classmate, course=course)
    for person in (learner, classmate):
        answer_and_submit(person, two_tries)
        answer_and_submit(person, two_tries)
    for person in (learner, classmate):
        with pytest.raises(ValidationError, match="all 2 attempts"):
            services.quiz_start(learner=person, quiz=two_tries)
    last = Attempt.objects.get(learner=learner, quiz=two_tries, number=2)
    attempt_grant_extra(attempt_id=last.pk, by=coordinator, reason="Power cut at the library.")
    third = services.quiz_start(learner=learner, quiz=two_tries)
    assert third.number == 3
    with pytest.raises(ValidationError, match="all 2 attempts"):
        services.quiz_start(learner=classmate, quiz=two_tries)
    services.attempt_submit(attempt_id=third.pk, learner=learner)
    with pytest.raises(ValidationError, match="all 3 attempts"):
        services.quiz_start(learner=learner, quiz=two_tries)


def test_a_grant_on_one_quiz_is_not_a_grant_on_another(
    learner, enrolled, two_tries, module, questions, coordinator
):
    other = build_quiz(module, questions=questions[2:3], title="One try", max_attempts=1)
    answer_and_submit(learner, other)
    attempt = answer_and_submit(learner, two_tries)
    attempt_grant_extra(attempt_id=attempt.pk, by=coordinator, reason="Fault.")
    with pytest.raises(ValidationError):
        services.quiz_start(learner=learner, quiz=other)


def test_attempts_left_counts_the_grant(learner, learner_client, enrolled, two_tries, coordinator):
    from assessments.selectors import quiz_overview_for_learner

    attempt = answer_and_submit(learner, two_tries)
    assert quiz_overview_for_learner(quiz=two_tries, user=learner)["attempts_left"] == 1
    attempt_grant_extra(attempt_id=attempt.pk, by=coordinator, reason="Fault.")
    assert quiz_overview_for_learner(quiz=two_tries, user=learner)["attempts_left"] == 2


def test_granting_is_audited_and_needs_a_reason(grader, coordinator, learner, enrolled, two_tries):
    attempt = answer_and_submit(learner, two_tries)
    url = reverse("attempts:grant", args=[attempt.pk])
    assert grader.get(url).status_code == 200
    assert grader.post(url, {"reason": "  "}).status_code == 400
    assert not AttemptGrant.objects.exists()
    assert grader.post(url, {"reason": "Browser crashed mid-quiz."}).status_code == 302
    grant = AttemptGrant.objects.get()
    assert (grant.learner, grant.granted_by, grant.reason) == (
        learner,
        coordinator,
        "Browser crashed mid-quiz.",
    )
    entry = ModelLogEntry.objects.for_instance(attempt).get()
    assert entry.action == "assessments.attempt_grant" and entry.user == coordinator
    assert entry.data["reason"] == "Browser crashed mid-quiz."
    assert (
        "Browser crashed mid-quiz."
        in grader.get(reverse("attempts:detail", args=[attempt.pk])).content.decode()
    )


def test_no_grant_on_a_quiz_without_a_limit(learner, enrolled, quiz, coordinator):
    attempt = answer_and_submit(learner, quiz, answers="")
    with pytest.raises(ValidationError, match="unlimited"):
        attempt_grant_extra(attempt_id=attempt.pk, by=coordinator, reason="Fault.")


def test_a_grant_without_a_reason_is_refused_by_the_database(learner, two_tries, coordinator):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AttemptGrant.objects.create(
            learner=learner, quiz=two_tries, granted_by=coordinator, granted_at=timezone.now(), reason=""
        )


# --- Reopening ------------------------------------------------------------------------------


def test_reopened_attempt_keeps_its_answers_and_runs_a_new_clock(learner, enrolled, two_tries, coordinator):
    now = timezone.now()
    attempt = services.quiz_start(learner=learner, quiz=two_tries, now=now - timedelta(minutes=30))
    first = attempt.responses.order_by("position").first()
    field = services.field_name(first)
    answer = "true" if first.grading_data["type"] == "true_false" else "x"
    services.attempt_save(
        attempt_id=attempt.pk,
        learner=learner,
        data=QueryDict(f"{field}={answer}"),
        sequence=0,
        now=now - timedelta(minutes=29),
    )
    services.attempts_finalise_expired(now=now)  # the 20-minute clock ran out mid-fault
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    saved = dict(attempt.responses.values_list("position", "answer"))
    attempt_reopen(attempt_id=attempt.pk, by=coordinator, minutes=15, reason="Network outage.", now=now)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.deadline == now + timedelta(minutes=15)
    assert attempt.percent is None and attempt.submitted_at is None
    assert dict(attempt.responses.values_list("position", "answer")) == saved
    # The learner carries on with the same attempt, not a new one, and submits it again.
    assert (
        services.quiz_start(learner=learner, quiz=two_tries, now=now + timedelta(minutes=1)).pk == attempt.pk
    )
    services.attempt_submit(attempt_id=attempt.pk, learner=learner, now=now + timedelta(minutes=2))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED and attempt.percent is not None
    assert Attempt.objects.filter(learner=learner, quiz=two_tries).count() == 1
    entry = ModelLogEntry.objects.for_instance(attempt).get()
    assert entry.action == "assessments.attempt_reopen" and entry.data["reason"] == "Network outage."
    assert entry.data["minutes"] == 15 and entry.data["previous"]["state"] == AttemptState.GRADED


def test_reopen_changes_nothing_for_other_learners(learner, enrolled, two_tries, course, coordinator):
    classmate = UserFactory()
    enrollment_create(learner=classmate, course=course)
    theirs = answer_and_submit(classmate, two_tries)
    mine = answer_and_submit(learner, two_tries)
    before = Attempt.objects.filter(pk=theirs.pk).values().get()
    attempt_reopen(attempt_id=mine.pk, by=coordinator, minutes=10, reason="Fault.")
    assert Attempt.objects.filter(pk=theirs.pk).values().get() == before


@pytest.mark.parametrize("case", ["passed", "not_latest", "in_progress", "graded_by_hand"])
def test_reopen_refuses_what_the_rule_excludes(case, learner, enrolled, two_tries, module, coordinator):
    if case == "passed":
        attempt = answer_and_submit(learner, two_tries)
        Attempt.objects.filter(pk=attempt.pk).update(percent=Decimal("100"))
    elif case == "not_latest":
        attempt = answer_and_submit(learner, two_tries)
        answer_and_submit(learner, two_tries)
    elif case == "in_progress":
        attempt = services.quiz_start(learner=learner, quiz=two_tries)
    else:
        quiz = build_quiz(module, questions=[essay_question()], title="Essay quiz")
        attempt = submit_essay(learner, quiz)
        response = attempt.responses.get()
        services.response_grade_manual(
            response_id=response.pk,
            selections={c["id"]: 0 for c in response.grading_data["rubric"]},
            grader=coordinator,
        )
    before = Attempt.objects.filter(pk=attempt.pk).values().get()
    with pytest.raises(ValidationError):
        attempt_reopen(attempt_id=attempt.pk, by=coordinator, minutes=10, reason="Fault.")
    assert Attempt.objects.filter(pk=attempt.pk).values().get() == before
    assert not ModelLogEntry.objects.for_instance(attempt).exists()


def test_reopen_form_shows_why_it_was_refused(grader, learner, enrolled, two_tries):
    attempt = answer_and_submit(learner, two_tries)
    answer_and_submit(learner, two_tries)
    result = grader.post(reverse("attempts:reopen", args=[attempt.pk]), {"minutes": "10", "reason": "Fault."})
    assert result.status_code == 400 and "latest attempt" in result.content.decode()
    result = grader.post(reverse("attempts:reopen", args=[attempt.pk]), {"minutes": "0", "reason": "Fault."})
    assert result.status_code == 400


def test_reopen_view_reopens(grader, learner, enrolled, two_tries):
    attempt = answer_and_submit(learner, two_tries)
    result = grader.post(
        reverse("attempts:reopen", args=[attempt.pk]), {"minutes": "10", "reason": "Wi-Fi dropped."}
    )
    assert result.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS


# --- Query budgets --------------------------------------------------------------------------


def _bulk_attempts(quiz, template: Response, count: int, *, tag: str, state=AttemptState.NEEDS_GRADING):
    """``count`` learners in Open enrollment, each with one submitted attempt copying
    ``template``'s response (bulk_create: the fixture itself stays cheap)."""
    from training_site.accounts.models import User

    stamp = timezone.now()
    users = User.objects.bulk_create([User(email=f"{tag}{n}@example.com") for n in range(count)])
    cohort = cohort_open_enrollment_get()
    CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, learner=u) for u in users])
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                learner=u,
                quiz=quiz,
                number=1,
                state=state,
                started_at=stamp - timedelta(minutes=n + 10),
                submitted_at=stamp - timedelta(minutes=n),
                pass_mark=50,
                review_level=quiz.review_level,
                max_score=template.marks,
            )
            for n, u in enumerate(users)
        ]
    )
    Response.objects.bulk_create(
        [
            Response(
                attempt=a,
                position=1,
                stem=template.stem,
                grading_data=template.grading_data,
                answer="Bulk answer",
                needs_manual=True,
            )
            for a in attempts
        ]
    )


def _queries(django_assert_max_num_queries, client, url, params, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url, params)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("view", ["queue", "export"])
def test_query_counts_are_equal_at_10_and_500_attempts(
    view, grader, module, learner, enrolled, django_assert_max_num_queries
):
    quiz = build_quiz(module, questions=[essay_question()], title="Essay quiz")
    template = submit_essay(learner, quiz).responses.get()
    if view == "queue":
        url, params = reverse("grading:index"), {"quiz": quiz.pk}
    else:
        url, params = reverse("attempts:index"), {"quiz": quiz.pk, "export": "csv"}
    _bulk_attempts(quiz, template, 9, tag="small")
    small = _queries(django_assert_max_num_queries, grader, url, params, 40)
    _bulk_attempts(quiz, template, 490, tag="large")
    assert Attempt.objects.filter(quiz=quiz).count() == 500
    large = _queries(django_assert_max_num_queries, grader, url, params, 40)
    assert small == large
