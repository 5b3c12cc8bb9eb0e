"""Services suite for the learner event log: races on PostgreSQL, delivery by a real worker."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from certificates.models import Certificate
from courses.models import DeliveryState, LearnerEvent, LearnerEventDelivery
from courses.services import enrollment_create, lesson_complete
from tests.factories import UserFactory, build_course, course_lessons, site_tree

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_last_lessons_complete_once():
    """Twenty simultaneous completions of the last lesson give one lesson event, one
    course-completed event and one certificate."""
    _home, index = site_tree()
    course = build_course(index, modules=1, lessons_per_module=2)
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    first, last = course_lessons(course)
    lesson_complete(learner=learner, lesson=first)

    def complete(_n):
        try:
            return lesson_complete(learner=learner, lesson=last).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(complete, range(20)))
    events = LearnerEvent.objects.filter(learner=learner)
    assert events.filter(kind="lesson_completed", subject_id=last.pk).count() == 1
    assert events.filter(kind="course_completed").count() == 1
    assert events.filter(kind="certificate_issued").count() == 1
    assert Certificate.objects.filter(learner=learner, course=course).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_delivers_events_after_commit(celery_worker_process, settings):
    """With a broker, the worker delivers the event to each subscriber named in the setting
    when the event was recorded (the delivery row names it)."""
    settings.LEARNER_EVENT_SUBSCRIBERS = ["tests.courses.handlers.apply_once"]
    _home, index = site_tree()
    course = build_course(index, modules=1, lessons_per_module=1)
    learner = UserFactory()
    enrollment_create(learner=learner, course=course)
    delivery = LearnerEventDelivery.objects.get(event__kind="enrolled", event__learner=learner)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.state == DeliveryState.DELIVERED:
            break
        time.sleep(0.2)
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.attempts == 1
