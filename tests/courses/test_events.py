"""The learner event log: one event per fact, delivered at least once, never in the way."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import events
from courses.models import DeliveryState, LearnerEvent, LearnerEventDelivery, LearnerEventKind
from courses.services import enrollment_create, lesson_complete, lesson_reopen
from tests.courses import handlers
from tests.factories import course_lessons

pytestmark = pytest.mark.django_db

APPLY = "tests.courses.handlers.apply_once"
FLAKY = "tests.courses.handlers.flaky"


@pytest.fixture(autouse=True)
def _reset_handlers():
    handlers.applied.clear()
    handlers.failures_left["count"] = 0


def kinds(learner) -> list[str]:
    return list(LearnerEvent.objects.filter(learner=learner).order_by("pk").values_list("kind", flat=True))


def test_enrolling_twice_records_one_event(learner, course):
    enrollment_create(learner=learner, course=course)
    enrollment_create(learner=learner, course=course)
    assert kinds(learner) == [LearnerEventKind.ENROLLED]


def test_each_occurrence_is_an_event(learner, course):
    """Completed, reopened and completed again is three lesson events; repeating a
    completion adds none."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    lesson_complete(learner=learner, lesson=lesson)
    lesson_complete(learner=learner, lesson=lesson)
    lesson_reopen(learner=learner, lesson=lesson)
    lesson_complete(learner=learner, lesson=lesson)
    assert kinds(learner)[1:] == ["lesson_completed", "lesson_reopened", "lesson_completed"]


def test_completing_a_course_records_completion_and_certificate(learner, course):
    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    recorded = kinds(learner)
    assert recorded.count("course_completed") == 1
    assert recorded.count("certificate_issued") == 1
    event = LearnerEvent.objects.get(learner=learner, kind="course_completed")
    assert event.course_id == course.pk
    assert event.payload["course_title"] == course.title


def test_a_completed_course_keeps_its_lessons(learner, course):
    """Once the course is completed, a lesson cannot be reopened."""
    from django.core.exceptions import ValidationError

    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    with pytest.raises(ValidationError):
        lesson_reopen(learner=learner, lesson=course_lessons(course)[0])
    assert "lesson_reopened" not in kinds(learner)


def test_subscriber_receives_the_event_after_commit(
    learner, course, settings, django_capture_on_commit_callbacks
):
    settings.LEARNER_EVENT_SUBSCRIBERS = [APPLY]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollment_create(learner=learner, course=course)
    event = LearnerEvent.objects.get(learner=learner)
    assert handlers.applied == {}  # nothing ran before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert handlers.applied == {event.pk: event.pk}
    delivery = LearnerEventDelivery.objects.get(event=event)
    assert (delivery.state, delivery.attempts, delivery.subscriber) == (DeliveryState.DELIVERED, 1, APPLY)


def test_event_kinds_limit_what_a_subscriber_gets(learner, course, settings):
    settings.LEARNER_EVENT_SUBSCRIBERS = ["tests.courses.handlers.completions_only"]
    enrollment_create(learner=learner, course=course)
    assert not LearnerEventDelivery.objects.exists()


def test_failing_subscriber_never_changes_the_learners_outcome(
    learner, course, settings, django_capture_on_commit_callbacks
):
    """A subscriber that raises: the lesson is still complete, the page answers normally (tasks
    run in-process here, as on the embedded default), and the failure is recorded."""
    settings.LEARNER_EVENT_SUBSCRIBERS = [FLAKY]
    handlers.failures_left["count"] = 100
    enrollment_create(learner=learner, course=course)
    client = Client(raise_request_exception=False)
    client.force_login(learner)
    lesson = course_lessons(course)[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:lesson_complete", args=[lesson.pk]))
    assert response.status_code == 302
    assert lesson.progress_records.filter(enrollment__learner=learner).exists()
    delivery = LearnerEventDelivery.objects.get(event__kind="lesson_completed")
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts >= 1
    assert "subscriber is down" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()


def test_sweep_retries_with_backoff_until_delivered(
    learner, course, settings, django_capture_on_commit_callbacks
):
    settings.LEARNER_EVENT_SUBSCRIBERS = [FLAKY]
    handlers.failures_left["count"] = 2
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_create(learner=learner, course=course)
    delivery = LearnerEventDelivery.objects.get()
    assert delivery.attempts == 1
    first_retry = delivery.next_attempt_at
    assert events.learner_events_sweep(now=first_retry - datetime.timedelta(seconds=1)) == 0
    assert events.learner_events_sweep(now=first_retry) == 0  # fails again
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - first_retry == events._backoff(2)
    assert events.learner_events_sweep(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 3)
    assert handlers.applied == {delivery.event_id: delivery.event_id}


def test_backoff_grows_and_is_capped():
    assert events._backoff(1) == datetime.timedelta(seconds=30)
    assert events._backoff(2) == datetime.timedelta(seconds=60)
    assert events._backoff(3) == datetime.timedelta(seconds=120)
    assert events._backoff(30) == datetime.timedelta(hours=1)


def test_lost_first_delivery_is_picked_up_by_the_sweep(
    learner, course, settings, django_capture_on_commit_callbacks
):
    """A delivery whose task never ran (a lost message) is delivered by the sweep once the
    grace period has passed, and not before."""
    settings.LEARNER_EVENT_SUBSCRIBERS = [APPLY]
    with django_capture_on_commit_callbacks(execute=False):
        enrollment_create(learner=learner, course=course)
    delivery = LearnerEventDelivery.objects.get()
    assert delivery.attempts == 0
    grace = datetime.timedelta(seconds=settings.LEARNER_EVENT_FIRST_DELIVERY_GRACE)
    assert events.learner_events_sweep(now=delivery.event.occurred_at + grace / 2) == 0
    assert events.learner_events_sweep(now=delivery.event.occurred_at + grace) == 1
    assert list(handlers.applied) == [delivery.event_id]


def test_delivery_twice_or_after_a_lost_record_applies_once(learner, course, settings):
    """The dispatch task run twice, or a subscriber that ran before its success was recorded
    (a worker killed in between), leaves the effect applied once."""
    settings.LEARNER_EVENT_SUBSCRIBERS = [APPLY]
    handlers.failures_left["count"] = 0
    from django.db import transaction

    with transaction.atomic():
        event = events.learner_event_record(
            learner=learner, kind="enrolled", key="test:1", subject_type="course", subject_id=course.pk
        )
    # The subscriber ran, then the worker died before the delivery was marked delivered.
    handlers.apply_once(event=event)
    LearnerEventDelivery.objects.filter(event=event).update(state=DeliveryState.PENDING, delivered_at=None)
    events.learner_event_deliver(event_id=event.pk)
    events.learner_event_deliver(event_id=event.pk)
    assert handlers.applied == {event.pk: event.pk}
    assert LearnerEventDelivery.objects.get(event=event).state == DeliveryState.DELIVERED


def test_undelivered_events_are_reported(learner, course, settings):
    settings.LEARNER_EVENT_SUBSCRIBERS = [FLAKY]
    handlers.failures_left["count"] = 100
    enrollment_create(learner=learner, course=course)
    later = timezone.now() + datetime.timedelta(minutes=30)
    assert (
        events.learner_events_undelivered(older_than=datetime.timedelta(minutes=10), now=later).count() == 1
    )
    assert events.learner_events_undelivered(older_than=datetime.timedelta(hours=1), now=later).count() == 0


def test_my_learning_shows_recent_activity(learner_client, learner, course):
    enrollment_create(learner=learner, course=course)
    lesson_complete(learner=learner, lesson=course_lessons(course)[0])
    html = learner_client.get(reverse("dashboard")).content.decode()
    assert "Recent activity" in html
    assert f"Enrolled in “{course.title}”" in html
    assert f"Completed the lesson “{course_lessons(course)[0].title}”" in html


def test_check_consistency_reports_and_fixes_undelivered_events(learner, course, settings):
    """check_consistency lists a delivery that kept failing, and --fix delivers it once the
    subscriber works again."""
    from training_site.consistency import consistency_run

    settings.LEARNER_EVENT_SUBSCRIBERS = [FLAKY]
    settings.CONSISTENCY_CHECKS = ["courses.consistency.learner_events_undelivered"]
    handlers.failures_left["count"] = 100
    enrollment_create(learner=learner, course=course)
    events.delivery_attempt(delivery_id=LearnerEventDelivery.objects.get().pk)
    LearnerEvent.objects.update(occurred_at=timezone.now() - datetime.timedelta(hours=1))
    findings = consistency_run()
    assert [f.check for f in findings] == ["learner_events_undelivered"]
    assert "subscriber is down" in findings[0].message
    handlers.failures_left["count"] = 0
    assert consistency_run(fix=True)[0].fixed
    assert consistency_run() == []
    assert LearnerEventDelivery.objects.get().state == DeliveryState.DELIVERED
