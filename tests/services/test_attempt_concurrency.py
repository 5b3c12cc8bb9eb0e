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
