"""Regrade: a dry run that writes nothing, then a job that is audited and idempotent."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core import signing
from django.http import QueryDict
from django.urls import reverse
from wagtail.models import PageLogEntry

from assessments.models import (
    Attempt,
    AttemptState,
    Question,
    RegradeJob,
    RegradeRecord,
    RegradeStatus,
    Response,
    RubricCriterion,
)
from assessments.services import attempts as attempt_services
from assessments.services.gift_import import question_bank_import_gift
from assessments.services.regrade import (
    RegradeOutcome,
    regrade_apply,
    regrade_job_create,
    regrade_plan,
)
from certificates.models import Certificate, CertificateStatus
from courses.models import (
    ActivityResult,
    Cohort,
    CohortMembership,
    Enrollment,
    LearnerEvent,
    LearnerEventKind,
    LessonProgress,
)
from courses.models.records import ActivityStatus, EnrollmentStatus
from courses.services import cohort_member_add, cohort_open_enrollment_get, enrollment_create, lesson_complete
from tests.factories import UserFactory, build_quiz, course_lessons, make_coordinator

pytestmark = pytest.mark.django_db

GIFT = "::SC::Pick the right one.{=Right ~Wrong ~Other}\n\n::TF::The sky is blue.{T}\n"


@pytest.fixture
def quiz(module):
    question_bank_import_gift(text=GIFT, bank_path="regrade")
    sc, tf = Question.objects.get(title="SC"), Question.objects.get(title="TF")
    return build_quiz(
        module, questions=[sc, tf], title="Regraded", required_for_completion=True, pass_mark=70
    )


@pytest.fixture
def coordinator(db):
    return make_coordinator()


def submit(learner, quiz, *, choice: str, tf: bool = True) -> Attempt:
    attempt = attempt_services.quiz_start(learner=learner, quiz=quiz)
    data = QueryDict(mutable=True)
    for response in attempt.responses.all():
        name = attempt_services.field_name(response)
        if response.grading_data["type"] == "true_false":
            data[name] = "true" if tf else "false"
        else:
            data[name] = next(o["id"] for o in response.grading_data["options"] if o["text"] == choice)
    return attempt_services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data)


def set_fraction(title: str, text: str, fraction: str) -> Question:
    question = Question.objects.get(title=title)
    option = question.options.get(text=text)
    option.fraction = Decimal(fraction)
    option.save()
    Question.objects.get(pk=question.pk).save_revision().publish()
    return Question.objects.get(pk=question.pk)


def failed_learner(course, quiz) -> tuple:
    """A learner who finished every lesson but failed the required quiz by picking "Wrong"."""
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    attempt = submit(learner, quiz, choice="Wrong")
    assert attempt.percent == 50 and not attempt.passed
    return learner, attempt


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def apply(plan, actor, capture) -> RegradeJob:
    with capture(execute=True):
        job = regrade_job_create(plan=plan, actor=actor)
    job.refresh_from_db()
    return job


def test_dry_run_lists_the_change_and_writes_nothing(
    course, quiz, coordinator, django_capture_on_commit_callbacks
):
    """The plan names learner, attempt, question, old/new marks and grade, the pass, the
    completion and the certificate it would cause; no row changes and nothing is queued."""
    learner, attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    before = row_counts()
    snapshot = list(Response.objects.order_by("pk").values())
    with django_capture_on_commit_callbacks() as callbacks:
        plan = regrade_plan(quiz=quiz, question_ids=[question.pk], attempt_ids=None, actor=coordinator)
    assert callbacks == []
    assert row_counts() == before
    assert list(Response.objects.order_by("pk").values()) == snapshot
    [change] = plan.changes
    assert change.learner == learner and change.attempt_id == attempt.pk
    [item] = change.responses
    assert item.question_id == question.pk and item.new_revision_id == question.live_revision_id
    assert (item.old_score, item.new_score, item.old_marks, item.new_marks) == (0, 1, 1, 1)
    assert (change.old_percent, change.new_percent) == (Decimal("50.00"), Decimal("100.00"))
    assert change.old_passed is False and change.new_passed is True and plan.pass_changes == [change]
    [outcome] = plan.learners
    assert (outcome.old_status, outcome.new_status) == (ActivityStatus.FAILED, ActivityStatus.PASSED)
    assert outcome.would_complete and outcome.would_issue_certificate and not outcome.certificate_mismatch


def test_no_completion_predicted_while_a_lesson_is_left(course, quiz, coordinator):
    """Passing the quiz completes the course only if every lesson is done as well."""
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    submit(learner, quiz, choice="Wrong")
    question = set_fraction("SC", "Wrong", "1")
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    [outcome] = plan.learners
    assert outcome.new_status == ActivityStatus.PASSED
    assert not outcome.would_complete and not outcome.would_issue_certificate


def test_apply_writes_marks_audit_events_and_one_certificate(
    course, quiz, coordinator, django_capture_on_commit_callbacks
):
    learner, attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    old_revision = Response.objects.get(attempt=attempt, question=question).revision_id
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    job = apply(plan, coordinator, django_capture_on_commit_callbacks)
    assert job.status == RegradeStatus.DONE and job.changed_responses == 1 and job.processed == 1
    attempt.refresh_from_db()
    assert attempt.percent == 100 and attempt.passed
    response = Response.objects.get(attempt=attempt, question=question)
    assert response.score == 1 and response.revision_id == question.live_revision_id
    [record] = RegradeRecord.objects.all()
    assert record.job == job and record.actor == coordinator and record.response == response
    assert record.question == question and record.created_at is not None
    assert (record.old_revision_id, record.new_revision_id) == (old_revision, question.live_revision_id)
    assert (record.old_score, record.new_score, record.old_marks, record.new_marks) == (0, 1, 1, 1)
    assert (record.old_attempt_percent, record.new_attempt_percent) == (50, 100)
    assert (record.old_attempt_state, record.new_attempt_state) == (AttemptState.GRADED, AttemptState.GRADED)
    assert not record.manual_overwritten
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert (
        ActivityResult.objects.get(enrollment=enrollment, activity_id=quiz.pk).status == ActivityStatus.PASSED
    )
    passed = LearnerEvent.objects.get(learner=learner, kind=LearnerEventKind.ACTIVITY_PASSED)
    assert f"regrade:{job.pk}:attempt:{attempt.pk}" in passed.idempotency_key
    assert LearnerEvent.objects.filter(learner=learner, kind=LearnerEventKind.COURSE_COMPLETED).count() == 1
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert PageLogEntry.objects.filter(action="assessments.regrade", user=coordinator).count() == 1


def test_apply_marks_the_quiz_statistics_out_of_date(
    course, quiz, coordinator, django_capture_on_commit_callbacks, settings
):
    """Changed marks make the quiz's cached item analysis out of date, whether or not a pass
    changed (no learner event says so when none did)."""
    from assessments.models import QuizStatisticsRefresh

    settings.LEARNER_EVENT_SUBSCRIBERS = ["training_site.notifications.learner_event_notify"]
    failed_learner(course, quiz)
    QuizStatisticsRefresh.objects.all().delete()
    question = set_fraction("SC", "Wrong", "1")
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    apply(plan, coordinator, django_capture_on_commit_callbacks)
    assert QuizStatisticsRefresh.objects.filter(quiz=quiz, dirty_since__isnull=False).exists()


def test_apply_is_idempotent(course, quiz, coordinator, django_capture_on_commit_callbacks):
    """The same job again, or a second job from the same inputs, changes nothing more: no
    audit row, event, certificate or log entry is added."""
    learner, _attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    job = apply(plan, coordinator, django_capture_on_commit_callbacks)
    responses = list(Response.objects.order_by("pk").values())
    counts = (RegradeRecord.objects.count(), LearnerEvent.objects.count(), Certificate.objects.count())
    assert regrade_apply(job_id=job.pk) == RegradeOutcome.SKIPPED
    again = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    assert again.changes == () and again.learners == ()
    second = apply(again, coordinator, django_capture_on_commit_callbacks)
    assert second.status == RegradeStatus.DONE and second.changed_responses == 0
    assert list(Response.objects.order_by("pk").values()) == responses
    assert (
        RegradeRecord.objects.count(),
        LearnerEvent.objects.count(),
        Certificate.objects.count(),
    ) == counts
    assert Certificate.objects.filter(learner=learner).count() == 1


def test_a_repeated_delivery_of_a_running_job_is_busy_and_a_resumed_one_adds_no_rows(
    course, quiz, coordinator
):
    """The claim is a conditional update: another worker gets BUSY; the same claim resumes
    and finds the attempts already regraded."""
    failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    job = RegradeJob.objects.create(
        created_by=coordinator,
        quiz=quiz,
        revision_ids={str(k): v for k, v in plan.revision_ids.items()},
        attempt_ids=list(plan.attempt_ids),
        total=1,
    )
    assert regrade_apply(job_id=job.pk, claim="first") == RegradeOutcome.DONE
    RegradeJob.objects.filter(pk=job.pk).update(status=RegradeStatus.RUNNING, finished_at=None)
    assert regrade_apply(job_id=job.pk, claim="second") == RegradeOutcome.BUSY
    assert regrade_apply(job_id=job.pk, claim="first") == RegradeOutcome.DONE
    assert RegradeRecord.objects.count() == 1


def test_pass_to_fail_is_listed_and_the_certificate_is_not_revoked(
    course, quiz, coordinator, django_capture_on_commit_callbacks
):
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    attempt = submit(learner, quiz, choice="Right")
    certificate = Certificate.objects.get(learner=learner)
    set_fraction("SC", "Right", "0")
    question = set_fraction("SC", "Wrong", "1")
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    [change] = plan.pass_changes
    assert change.attempt_id == attempt.pk and change.old_passed and change.new_passed is False
    [outcome] = plan.certificate_mismatches
    assert outcome.learner == learner and not outcome.would_complete
    apply(plan, coordinator, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    assert certificate.status != CertificateStatus.REVOKED
    assert Enrollment.objects.get(learner=learner, course=course).status == EnrollmentStatus.COMPLETED
    assert LearnerEvent.objects.filter(learner=learner, kind=LearnerEventKind.ACTIVITY_FAILED).exists()


def test_an_option_the_learner_was_shown_that_is_gone_is_not_regradable(
    course, quiz, coordinator, django_capture_on_commit_callbacks
):
    learner, attempt = failed_learner(course, quiz)
    question = Question.objects.get(title="SC")
    question.options.get(text="Other").delete()
    Question.objects.get(pk=question.pk).save_revision().publish()
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    assert plan.changes == ()
    [item] = plan.not_regradable
    assert item.attempt_id == attempt.pk and item.learner == learner and item.question_id == question.pk
    assert "Other" in item.reason and "gone from the new revision" in item.reason
    job = apply(plan, coordinator, django_capture_on_commit_callbacks)
    assert job.changed_responses == 0 and RegradeRecord.objects.count() == 0


def test_an_option_removed_but_not_shown_to_this_learner_does_not_block_others(course, quiz, coordinator):
    """The rule compares what was shown with the new revision: a new option added is fine."""
    failed_learner(course, quiz)
    question = Question.objects.get(title="SC")
    question.options.create(text="Added later", fraction=0)
    Question.objects.get(pk=question.pk).save_revision().publish()
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    assert plan.not_regradable == ()
    assert len(plan.changes) == 1  # the copy moves to the new revision, the marks stay
    assert plan.changes[0].responses[0].new_score == 0


@pytest.fixture
def essay_quiz(module):
    question_bank_import_gift(text="::Essay::Tell us.{}\n\n::TF2::Water is wet.{T}\n", bank_path="essays")
    essay = Question.objects.get(title="Essay")
    essay.marks = 4
    RubricCriterion.objects.create(
        question=essay,
        criterion="Clear",
        points=4,
        levels=[
            {"points": 0, "descriptor": "No"},
            {"points": 2, "descriptor": "Some"},
            {"points": 4, "descriptor": "Yes"},
        ],
    )
    essay.save_revision().publish()
    return build_quiz(module, questions=[essay, Question.objects.get(title="TF2")], title="Essay quiz")


def _hand_graded(learner, quiz, grader) -> Attempt:
    attempt = attempt_services.quiz_start(learner=learner, quiz=quiz)
    data = QueryDict(mutable=True)
    for response in attempt.responses.all():
        essay = response.grading_data["type"] == "essay"
        data[attempt_services.field_name(response)] = "My thoughts." if essay else "true"
    attempt_services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data)
    response = attempt.responses.get(needs_manual=True)
    criterion = response.grading_data["rubric"][0]["id"]
    return attempt_services.response_grade_manual(
        response_id=response.pk, selections={criterion: 2}, grader=grader
    )


@pytest.mark.parametrize("keep_manual", [True, False])
def test_a_hand_grade_is_kept_unless_the_coordinator_chooses_otherwise(
    course, essay_quiz, coordinator, keep_manual, django_capture_on_commit_callbacks
):
    """Doubling the essay's marks: kept, the hand score stays 2 of 4; rescored, the grader's
    level (2 of 4 points) becomes 4 of 8 and the audit says it overwrote a hand grade."""
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    attempt = _hand_graded(learner, essay_quiz, coordinator)
    assert attempt.score == 3 and attempt.percent == 60
    essay = Question.objects.get(title="Essay")
    essay.marks = 8
    essay.save_revision().publish()
    essay.refresh_from_db()
    plan = regrade_plan(quiz=essay_quiz, question_ids=[essay.pk], keep_manual=keep_manual, actor=coordinator)
    apply(plan, coordinator, django_capture_on_commit_callbacks)
    response = Response.objects.get(attempt=attempt, question=essay)
    attempt.refresh_from_db()
    if keep_manual:
        assert [k.response_id for k in plan.kept_manual] == [response.pk] and plan.changes == ()
        assert response.score == 2 and response.grading_data["marks"] == "4"
        assert attempt.percent == 60 and RegradeRecord.objects.count() == 0
    else:
        assert plan.kept_manual == ()
        assert response.score == 4 and response.grading_data["marks"] == "8"
        assert response.grader == coordinator and response.graded_at is not None
        assert attempt.score == 5 and attempt.max_score == 9 and attempt.percent == Decimal("55.56")
        [record] = RegradeRecord.objects.all()
        assert record.manual_overwritten and (record.old_score, record.new_score) == (2, 4)


def test_a_slot_marks_override_is_kept(module, coordinator, course):
    """A quiz that gave a question 3 marks keeps them when the question is fixed."""
    from assessments.models import QuizSlot

    question_bank_import_gift(text=GIFT, bank_path="override")
    sc = Question.objects.get(title="SC", bank__path="override")
    quiz = build_quiz(module, title="Override")
    quiz.slots = [QuizSlot(question=sc, marks=3)]
    quiz.save_revision().publish()
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    submit(learner, quiz, choice="Wrong")
    option = sc.options.get(text="Wrong")
    option.fraction = 1
    option.save()
    Question.objects.get(pk=sc.pk).save_revision().publish()
    plan = regrade_plan(quiz=quiz, question_ids=[sc.pk], actor=coordinator)
    [item] = plan.changes[0].responses
    assert (item.old_marks, item.new_marks, item.new_score) == (3, 3, 3)


def test_attempts_outside_the_coordinators_cohorts_are_not_regradable(course, quiz):
    """A coordinator of another cohort cannot name the attempt (DoesNotExist, a 404 in the
    admin) and sees no change when regrading all attempts."""
    learner, attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    elsewhere = make_coordinator(cohorts=[Cohort.objects.create(name="Elsewhere")])
    with pytest.raises(Attempt.DoesNotExist):
        regrade_plan(quiz=quiz, question_ids=[question.pk], attempt_ids=[attempt.pk], actor=elsewhere)
    assert regrade_plan(quiz=quiz, question_ids=[question.pk], actor=elsewhere).changes == ()
    mine = make_coordinator(cohorts=[Cohort.objects.create(name="Mine")])
    cohort_member_add(cohort=Cohort.objects.get(name="Mine"), learner=learner)
    assert len(regrade_plan(quiz=quiz, question_ids=[question.pk], actor=mine).changes) == 1


def grow(*, quiz, course, attempt, to: int, responses=None) -> None:
    """Copies of ``attempt`` (and its learner's enrollment, lessons done and cohort) for new
    learners, made with bulk_create, until ``quiz`` has ``to`` attempts."""
    from training_site.accounts.models import User

    responses = responses or list(attempt.responses.order_by("position"))
    enrollment = Enrollment.objects.get(learner=attempt.learner_id, course=course)
    lessons = course_lessons(course)
    have = Attempt.objects.filter(quiz=quiz).count()
    learners = [UserFactory.build(email=f"bulk{have + n}@example.com") for n in range(to - have)]
    User.objects.bulk_create(learners)
    learners = list(User.objects.filter(email__in=[u.email for u in learners]))
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(learner=u, course=course, source=enrollment.source) for u in learners
    )
    LessonProgress.objects.bulk_create(
        LessonProgress(enrollment=e, lesson=lesson) for e in enrollments for lesson in lessons
    )
    # In the coordinator's cohort (Open enrollment), as enrolling would have put them.
    open_cohort = cohort_open_enrollment_get()
    CohortMembership.objects.bulk_create(CohortMembership(cohort=open_cohort, learner=u) for u in learners)
    copies = Attempt.objects.bulk_create(
        Attempt(
            learner=u,
            quiz=quiz,
            number=1,
            state=attempt.state,
            started_at=attempt.started_at,
            submitted_at=attempt.submitted_at,
            graded_at=attempt.graded_at,
            pass_mark=attempt.pass_mark,
            review_level=attempt.review_level,
            score=attempt.score,
            max_score=attempt.max_score,
            percent=attempt.percent,
        )
        for u in learners
    )
    Response.objects.bulk_create(
        Response(
            attempt=copy,
            position=r.position,
            question_id=r.question_id,
            revision_id=r.revision_id,
            stem=r.stem,
            grading_data=r.grading_data,
            answer=r.answer,
            score=r.score,
            parts=r.parts,
            feedback=r.feedback,
        )
        for copy in copies
        for r in responses
    )


def test_plan_query_count_is_the_same_at_10_and_100_attempts(
    course, quiz, coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _learner, attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    # Warm what is cached per process (content types, the course's steps) before counting.
    regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    counts = []
    for size in (10, 100):
        grow(quiz=quiz, course=course, attempt=attempt, to=size)
        with CaptureQueriesContext(connection) as queries:
            plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
        assert len(plan.changes) == size and len(plan.completions) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)


def test_dry_run_page_and_job_page_queries_do_not_grow(
    course, quiz, coordinator_client, coordinator, django_capture_on_commit_callbacks
):
    """The dry-run page reads as many queries with 5 changed attempts as with 35, and so
    does the job page with 5 audit rows as with 35."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _learner, attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    responses = list(attempt.responses.order_by("position"))  # as submitted, before any regrade
    dry_counts, jobs = [], []
    for size, changed in ((5, 5), (40, 35)):
        grow(quiz=quiz, course=course, attempt=attempt, to=size, responses=responses)
        # Warm again: the previous apply changed records that the caches hang on.
        _dry_run(coordinator_client, quiz, question)
        with CaptureQueriesContext(connection) as queries:
            _url, page = _dry_run(coordinator_client, quiz, question)
        assert len(page.context["plan"].changes) == changed
        dry_counts.append(len(queries))
        jobs.append(apply(page.context["plan"], coordinator, django_capture_on_commit_callbacks))
    assert [job.changed_responses for job in jobs] == [5, 35]
    status_counts = []
    for job in jobs:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_client.get(reverse("regrade:job", args=[job.pk])).status_code == 200
        status_counts.append(len(queries))
    assert dry_counts[0] == dry_counts[1]
    assert status_counts[0] == status_counts[1]


# --- the admin screens and the learner's note --------------------------------------------------


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def _dry_run(client, quiz, question):
    url = reverse("regrade:quiz", args=[quiz.pk])
    page = client.get(url, {"questions": [question.pk], "scope": "all", "keep_manual": "on"})
    assert page.status_code == 200
    return url, page


def test_admin_flow_dry_run_then_apply_then_job_page(
    course, quiz, coordinator_client, django_capture_on_commit_callbacks
):
    learner, attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    index = coordinator_client.get(reverse("regrade:index"))
    assert index.status_code == 200 and quiz.title in index.content.decode()
    choose = coordinator_client.get(reverse("regrade:quiz", args=[quiz.pk]))
    assert "newer revision" in choose.content.decode()
    url, page = _dry_run(coordinator_client, quiz, question)
    html = page.content.decode()
    assert "fail → pass" in html and "Completes the course." in html and "A certificate is issued." in html
    assert RegradeJob.objects.count() == 0
    reference = page.context["reference"]
    with django_capture_on_commit_callbacks(execute=True):
        applied = coordinator_client.post(url, {"reference": reference})
    job = RegradeJob.objects.get()
    assert applied.status_code == 302 and applied["Location"] == reverse("regrade:job", args=[job.pk])
    status = coordinator_client.get(applied["Location"])
    assert status.status_code == 200 and "1 response changed" in status.content.decode()
    attempt.refresh_from_db()
    assert attempt.passed


def test_a_tampered_reference_is_refused_and_changes_nothing(course, quiz, coordinator_client, coordinator):
    _learner, _attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    url, page = _dry_run(coordinator_client, quiz, question)
    inputs = signing.loads(page.context["reference"], salt="assessments.regrade.plan")
    forged = signing.dumps({**inputs, "keep_manual": False}, salt="wrong salt")
    for reference in (page.context["reference"] + "x", forged, "", "not-a-token"):
        assert coordinator_client.post(url, {"reference": reference}).status_code == 400
    other = signing.dumps({**inputs, "user": coordinator.pk + 1}, salt="assessments.regrade.plan")
    assert coordinator_client.post(url, {"reference": other}).status_code == 400
    assert RegradeJob.objects.count() == 0 and RegradeRecord.objects.count() == 0


def test_invalid_choices_re_render_with_a_message(course, quiz, coordinator_client):
    failed_learner(course, quiz)
    question = Question.objects.get(title="SC")
    url = reverse("regrade:quiz", args=[quiz.pk])
    cases = (
        {"questions": ["abc"]},
        {"questions": ["999999"]},
        {"questions": [question.pk], "scope": "selected"},
    )
    for params in cases:
        page = coordinator_client.get(url, params)
        assert page.status_code == 200 and "plan" not in page.context and page.context["form"].errors


def test_another_cohorts_quiz_and_job_are_404(
    course, quiz, client, coordinator, django_capture_on_commit_callbacks
):
    _learner, _attempt = failed_learner(course, quiz)
    question = set_fraction("SC", "Wrong", "1")
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator)
    job = apply(plan, coordinator, django_capture_on_commit_callbacks)
    client.force_login(make_coordinator(cohorts=[Cohort.objects.create(name="Elsewhere")]))
    assert client.get(reverse("regrade:quiz", args=[quiz.pk])).status_code == 404
    assert client.get(reverse("regrade:job", args=[job.pk])).status_code == 404
    assert quiz.title not in client.get(reverse("regrade:index")).content.decode()
    client.force_login(UserFactory())
    assert client.get(reverse("regrade:job", args=[job.pk])).status_code in (302, 403)


def test_the_learner_sees_that_the_attempt_was_regraded(
    course, quiz, client, coordinator, django_capture_on_commit_callbacks
):
    learner, attempt = failed_learner(course, quiz)
    client.force_login(learner)
    url = reverse("assessments:result", args=[attempt.pk])
    assert "was regraded" not in client.get(url).content.decode()
    question = set_fraction("SC", "Wrong", "1")
    apply(
        regrade_plan(quiz=quiz, question_ids=[question.pk], actor=coordinator),
        coordinator,
        django_capture_on_commit_callbacks,
    )
    html = client.get(url).content.decode()
    assert "This attempt was regraded on" in html
    assert str(coordinator) not in html


def test_the_dry_run_escapes_learner_names_and_option_texts(course, module, coordinator_client):
    """Names and option texts reach the dry-run table (and a not-regradable reason) as text."""
    hostile = "<img src=x onerror=alert(1)>"
    question_bank_import_gift(text="::H::Pick.{=Right ~Wrong ~Gone}\n", bank_path="hostile")
    question = Question.objects.get(title="H")
    question.options.filter(text="Gone").update(text=hostile)
    Question.objects.get(pk=question.pk).save_revision().publish()
    quiz = build_quiz(module, questions=[question], title="Hostile")
    learner = UserFactory(display_name=hostile)
    enrollment_create(learner=learner, course=course)
    submit(learner, quiz, choice="Wrong")
    question.options.filter(text=hostile).delete()
    Question.objects.get(pk=question.pk).save_revision().publish()
    _url, page = _dry_run(coordinator_client, quiz, question)
    html = page.content.decode()
    assert page.context["plan"].not_regradable
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
