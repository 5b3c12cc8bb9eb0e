"""Regrade races on PostgreSQL: parallel runs of one job, and two jobs over one attempt."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from assessments.models import Question, RegradeJob, RegradeRecord, RegradeStatus
from assessments.services import attempts as attempt_services
from assessments.services.gift_import import question_bank_import_gift
from assessments.services.regrade import RegradeOutcome, regrade_apply, regrade_plan
from certificates.models import Certificate
from courses.models import ModulePage
from courses.services import enrollment_create, lesson_complete
from tests.factories import UserFactory, build_course, build_quiz, course_lessons, site_tree
from tests.services.test_attempt_concurrency import run_parallel

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def setup():
    _home, index = site_tree()
    course = build_course(index)
    module = ModulePage.objects.child_of(course).first()
    question_bank_import_gift(text="::SC::Pick.{=Right ~Wrong ~Other}\n", bank_path="race")
    question = Question.objects.get(title="SC")
    quiz = build_quiz(module, questions=[question], required_for_completion=True)
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    attempt = attempt_services.quiz_start(learner=learner, quiz=quiz)
    response = attempt.responses.get()
    data = QueryDict(mutable=True)
    data[attempt_services.field_name(response)] = next(
        o["id"] for o in response.grading_data["options"] if o["text"] == "Wrong"
    )
    attempt_services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data)
    option = question.options.get(text="Wrong")
    option.fraction = Decimal("1")
    option.save()
    Question.objects.get(pk=question.pk).save_revision().publish()
    actor = UserFactory(is_superuser=True)
    plan = regrade_plan(quiz=quiz, question_ids=[question.pk], actor=actor)
    return plan, actor, learner


def _job(plan, actor) -> RegradeJob:
    return RegradeJob.objects.create(
        created_by=actor,
        quiz=plan.quiz,
        revision_ids={str(q): r for q, r in plan.revision_ids.items()},
        attempt_ids=list(plan.attempt_ids),
        total=len(plan.attempt_ids),
    )


def test_parallel_runs_of_one_job_apply_it_once(setup):
    plan, actor, learner = setup
    job = _job(plan, actor)
    outcomes = run_parallel(6, lambda: regrade_apply(job_id=job.pk))
    assert outcomes.count(RegradeOutcome.DONE) == 1
    assert set(outcomes) - {RegradeOutcome.DONE} <= {RegradeOutcome.BUSY, RegradeOutcome.SKIPPED}
    assert RegradeJob.objects.get(pk=job.pk).status == RegradeStatus.DONE
    assert RegradeRecord.objects.count() == 1
    assert Certificate.objects.filter(learner=learner).count() == 1


def test_two_jobs_over_the_same_attempt_change_it_once(setup):
    """The attempt's row lock and the change computed under it: the second job finds the
    attempt already regraded and writes no audit row, event or certificate."""
    plan, actor, learner = setup
    jobs = [_job(plan, actor), _job(plan, actor)]
    outcomes = run_parallel(2, lambda: regrade_apply(job_id=jobs.pop().pk))
    assert outcomes == [RegradeOutcome.DONE, RegradeOutcome.DONE]
    assert RegradeRecord.objects.count() == 1
    assert sorted(RegradeJob.objects.values_list("changed_responses", flat=True)) == [0, 1]
    assert Certificate.objects.filter(learner=learner).count() == 1
