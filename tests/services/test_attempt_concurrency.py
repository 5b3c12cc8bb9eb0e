"""Races on PostgreSQL: parallel starts and submits of one attempt."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connections

from assessments.models import Attempt, AttemptState
from assessments.services import attempts as services
from courses.models import ActivityResult, ModulePage
from courses.services import enrollment_create
from tests.factories import UserFactory, build_course, build_quiz, make_questions, site_tree

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def setup(settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    _home, index = site_tree()
    course = build_course(index)
    module = ModulePage.objects.child_of(course).first()
    quiz = build_quiz(module, questions=make_questions(6))
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    return learner, quiz


def run_parallel(count: int, func):
    barrier = Barrier(count)

    def call(_n):
        barrier.wait()
        try:
            return func()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def test_twenty_parallel_starts_create_one_attempt(setup):
    learner, quiz = setup
    ids = run_parallel(20, lambda: services.quiz_start(learner=learner, quiz=quiz).pk)
    assert Attempt.objects.filter(learner=learner, quiz=quiz).count() == 1
    assert set(ids) == {Attempt.objects.get().pk}


def test_five_parallel_submits_grade_once(setup):
    learner, quiz = setup
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    results = run_parallel(5, lambda: services.attempt_submit(attempt_id=attempt.pk, learner=learner))
    graded_at = {result.graded_at for result in results}
    assert len(graded_at) == 1
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.state == AttemptState.GRADED and stored.graded_at in graded_at
    assert ActivityResult.objects.filter(activity=quiz).count() == 1


def test_parallel_graders_of_one_response_save_one_grade(setup):
    """Five coordinators save a grade for the same ungraded response at once: one grade is
    stored, the other four are told who graded it, and none overwrites it (issue 17)."""
    from django.http import QueryDict

    from assessments.models import Question, Response, RubricCriterion
    from assessments.services.gift_import import question_bank_import_gift

    learner, quiz = setup
    question_bank_import_gift(text="::Essay::Tell us.{}", bank_path="essays")
    essay = Question.objects.get(title="Essay")
    RubricCriterion.objects.create(
        question=essay, criterion="Clear", points=1, levels=[{"points": 0}, {"points": 1}]
    )
    essay.save_revision().publish()
    essay_quiz = build_quiz(quiz.get_parent(), questions=[essay], title="Essay quiz")
    attempt = services.quiz_start(learner=learner, quiz=essay_quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=QueryDict("q1=Words"))
    response = Response.objects.get(attempt=attempt)
    criterion = response.grading_data["rubric"][0]["id"]
    graders = [UserFactory(display_name=f"Grader {n}") for n in range(5)]
    queue = iter(enumerate(graders))

    def grade():
        n, grader = next(queue)
        try:
            services.response_grade_manual(
                response_id=response.pk, selections={criterion: n % 2}, grader=grader, comment=f"By {n}"
            )
        except services.GradeConflict as conflict:
            return ("conflict", conflict.grader.pk)
        return ("saved", grader.pk)

    outcomes = run_parallel(5, grade)
    saved = [pk for outcome, pk in outcomes if outcome == "saved"]
    assert len(saved) == 1
    assert [pk for outcome, pk in outcomes if outcome == "conflict"] == saved * 4
    stored = Response.objects.get(pk=response.pk)
    assert stored.grader_id == saved[0]
    assert stored.grader_comment == f"By {[g.pk for g in graders].index(saved[0])}"
