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


# --- what each event says (found by `make mutation`) -----------------------------------------


@pytest.fixture
def quiz(course):
    from tests.factories import build_quiz, make_questions

    return build_quiz(
        course, questions=make_questions(1, bank="events/bank"), title="Final", required_for_completion=True
    )


def test_lesson_events_name_the_lesson_and_course(learner, course):
    """A lesson completed (at the progress record's time) and reopened: each event names the
    lesson as its subject, its course, and both titles; reopening deletes the progress and
    sets the lesson as the last one visited when completed."""
    from courses.models import Enrollment, LessonProgress

    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[1]
    enrollment = lesson_complete(learner=learner, lesson=lesson)
    assert enrollment.last_lesson_id == lesson.pk
    assert Enrollment.objects.get(pk=enrollment.pk).last_lesson_id == lesson.pk
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    completed = LearnerEvent.objects.get(learner=learner, kind="lesson_completed")
    assert (completed.subject_type, completed.subject_id, completed.course_id) == (
        "lesson",
        lesson.pk,
        course.pk,
    )
    assert completed.payload == {"lesson_title": lesson.title, "course_title": course.title}
    assert completed.occurred_at == progress.completed_at
    assert completed.idempotency_key == f"lesson_completed:{progress.pk}"
    assert lesson_reopen(learner=learner, lesson=lesson).pk == enrollment.pk
    assert not LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).exists()
    reopened = LearnerEvent.objects.get(learner=learner, kind="lesson_reopened")
    assert (reopened.subject_type, reopened.subject_id, reopened.course_id) == (
        "lesson",
        lesson.pk,
        course.pk,
    )
    assert reopened.payload == {"lesson_title": lesson.title, "course_title": course.title}
    assert reopened.idempotency_key == f"lesson_reopened:{progress.pk}"


def test_reopening_a_lesson_not_done_records_nothing(learner, course):
    enrollment = enrollment_create(learner=learner, course=course)
    assert lesson_reopen(learner=learner, lesson=course_lessons(course)[0]).pk == enrollment.pk
    assert kinds(learner) == [LearnerEventKind.ENROLLED]


def test_lesson_services_refuse_a_withdrawn_enrollment(learner, course):
    """A withdrawn learner can neither complete nor reopen a lesson."""
    from courses.models import Enrollment, LessonProgress
    from courses.models.records import EnrollmentStatus

    enrollment = enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    lesson_complete(learner=learner, lesson=lesson)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.WITHDRAWN)
    with pytest.raises(Enrollment.DoesNotExist):
        lesson_complete(learner=learner, lesson=course_lessons(course)[1])
    with pytest.raises(Enrollment.DoesNotExist):
        lesson_reopen(learner=learner, lesson=lesson)
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1


def test_activity_events_once_per_occurrence_or_change(learner, course, quiz):
    """With an occurrence (an attempt), each graded attempt is an event, even at the same
    status; without one, only a change of status is; a pending result is none."""
    from courses.services import activity_result_record as record

    enrollment = enrollment_create(learner=learner, course=course)
    record(learner=learner, activity=quiz, status="pending", occurrence="attempt:1")
    assert kinds(learner)[1:] == []
    record(learner=learner, activity=quiz, status="failed", score_percent=40)
    record(learner=learner, activity=quiz, status="failed", score_percent=40)
    assert kinds(learner)[1:] == ["activity_failed"]
    record(learner=learner, activity=quiz, status="failed", score_percent=45, occurrence="attempt:2")
    record(learner=learner, activity=quiz, status="failed", score_percent=45, occurrence="attempt:3")
    assert kinds(learner)[1:] == ["activity_failed"] * 3
    result = record(learner=learner, activity=quiz, status="passed", score_percent=None)
    assert (result.status, result.score_percent, result.enrollment_id) == ("passed", None, enrollment.pk)
    first, second, third, passed = LearnerEvent.objects.filter(
        learner=learner, kind__startswith="activity"
    ).order_by("pk")
    prefix = f"activity_failed:{enrollment.pk}:{quiz.pk}:"
    assert first.idempotency_key.startswith(prefix) and "attempt" not in first.idempotency_key
    assert second.idempotency_key == prefix + "attempt:2"
    assert third.idempotency_key == prefix + "attempt:3"
    assert (first.subject_type, first.subject_id, first.course_id) == ("activity", quiz.pk, course.pk)
    assert first.payload == {"activity_title": "Final", "course_title": course.title, "score_percent": "40"}
    assert passed.kind == "activity_passed"
    assert passed.payload["score_percent"] is None
    assert passed.idempotency_key.startswith(f"activity_passed:{enrollment.pk}:{quiz.pk}:")


def test_activity_result_needs_a_current_enrollment(learner, course, quiz):
    from courses.models import Enrollment
    from courses.models.records import EnrollmentStatus
    from courses.services import activity_result_record

    with pytest.raises(Enrollment.DoesNotExist):
        activity_result_record(learner=learner, activity=quiz, status="passed", score_percent=90)
    enrollment = enrollment_create(learner=learner, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.WITHDRAWN)
    with pytest.raises(Enrollment.DoesNotExist):
        activity_result_record(learner=learner, activity=quiz, status="passed", score_percent=90)


def test_passing_the_last_activity_completes_the_course(learner, course, quiz):
    """With every lesson done, a failed final does not complete the course and passing it
    does, once: the course-completed event follows the activity-passed event."""
    from courses.services import activity_result_record

    enrollment = enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    activity_result_record(learner=learner, activity=quiz, status="failed", score_percent=50)
    enrollment.refresh_from_db()
    assert not enrollment.is_completed
    activity_result_record(learner=learner, activity=quiz, status="passed", score_percent=90)
    enrollment.refresh_from_db()
    assert enrollment.is_completed
    recorded = kinds(learner)
    assert recorded.count("course_completed") == 1
    assert recorded.index("activity_passed") < recorded.index("course_completed")


def test_reopening_after_completion_says_why(learner, course):
    """The refusal to reopen a lesson of a completed course carries its code and message."""
    from django.core.exceptions import ValidationError

    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    with pytest.raises(ValidationError) as refused:
        lesson_reopen(learner=learner, lesson=course_lessons(course)[0])
    assert refused.value.code == "course_completed"
    assert refused.value.messages == ["You have completed this course, so its lessons stay complete."]


def test_lesson_and_activity_services_touch_only_this_enrollment(learner, course, quiz, index):
    """With the learner in two courses and another learner in this one, reopening a lesson
    removes only this learner's progress in it, another lesson's progress stays, and a result
    recorded for this learner is compared with this learner's previous result only."""
    from courses.models import LessonProgress
    from courses.services import activity_result_record
    from tests.factories import UserFactory, build_course, build_quiz, make_questions

    other_course = build_course(index, title="Other course")
    other_quiz = build_quiz(
        other_course, questions=make_questions(1, bank="events/other"), title="Other final"
    )
    other = UserFactory()
    for person in (learner, other):
        enrollment_create(learner=person, course=course)
    enrollment_create(learner=learner, course=other_course)
    first, second = course_lessons(course)[:2]
    # The other learner's progress in the lesson is older than this learner's, and this
    # learner's other lesson is older than the one reopened.
    lesson_complete(learner=other, lesson=second)
    lesson_complete(learner=learner, lesson=first)
    lesson_complete(learner=learner, lesson=second)
    lesson_reopen(learner=learner, lesson=second)
    assert set(LessonProgress.objects.values_list("enrollment__learner", "lesson")) == {
        (other.pk, second.pk),
        (learner.pk, first.pk),
    }
    # Another learner failed this quiz, this learner failed another course's quiz and another
    # quiz of this course: this learner's first failure here is still a change of status.
    module_quiz = build_quiz(
        course.get_children().first(), questions=make_questions(1, bank="events/module"), title="Check"
    )
    activity_result_record(learner=other, activity=quiz, status="failed", score_percent=10)
    activity_result_record(learner=learner, activity=other_quiz, status="failed", score_percent=10)
    activity_result_record(learner=learner, activity=module_quiz, status="failed", score_percent=10)
    activity_result_record(learner=learner, activity=quiz, status="failed", score_percent=20)
    failed = LearnerEvent.objects.filter(learner=learner, kind="activity_failed")
    assert sorted(failed.values_list("subject_id", flat=True)) == sorted(
        [quiz.pk, other_quiz.pk, module_quiz.pk]
    )
