"""Writes for the learner event log: record a fact, deliver it to subscribers, sweep.

Decision record
- **Written with the fact.** ``learner_event_record`` is called inside the transaction that
  changes the learner's record, so the event exists exactly when the fact does. Its
  idempotency key names the occurrence ("lesson_completed:<progress id>"): a repeated or
  racing action finds the key taken and records nothing new, while a lesson completed,
  reopened and completed again gives three events (each completion is a new progress row).
- **Delivered at least once, after commit.** The delivery rows (one per subscriber) are
  written with the event; a Celery task queued on commit delivers them. A subscriber runs
  inside its own savepoint while its delivery row is locked, so its database effects and
  the "delivered" mark commit together; effects outside the database (email) may repeat
  after a crash, so every subscriber checks the event id it was given.
- **Never in the learner's way.** A subscriber that raises is caught and recorded on its
  delivery row (attempts, last error, next attempt with backoff); the learner's action has
  already committed. With no broker (tasks run eagerly), the delivery runs in the request
  after commit and the same catch applies: never a 500.
- **Recovered by a sweep.** ``learner_events_sweep`` (beat, every minute) delivers what is
  due: failures whose backoff has passed, and first deliveries whose task was lost (a
  killed worker, a restarted broker) once ``LEARNER_EVENT_FIRST_DELIVERY_GRACE`` has passed.
  Without beat, each delivery also retries a few due rows ("done when read").
"""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from courses.models import DeliveryState, LearnerEvent, LearnerEventDelivery

logger = logging.getLogger(__name__)

BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_MAX = datetime.timedelta(hours=1)
ERROR_MAX_CHARS = 2000
EAGER_SWEEP_LIMIT = 10


def subscribers() -> dict[str, Callable]:
    """Subscriber callables by dotted path, from ``LEARNER_EVENT_SUBSCRIBERS``.

    A subscriber is ``callable(*, event: LearnerEvent) -> None``; an ``event_kinds``
    attribute (a collection of kinds) limits what it receives.
    """
    return {path: import_string(path) for path in settings.LEARNER_EVENT_SUBSCRIBERS}


def _wants(subscriber: Callable, kind: str) -> bool:
    kinds = getattr(subscriber, "event_kinds", None)
    return kinds is None or kind in kinds


def _first_delivery_grace() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LEARNER_EVENT_FIRST_DELIVERY_GRACE)


def learner_event_record(
    *,
    learner,
    kind: str,
    key: str,
    subject_type: str,
    subject_id: int,
    course=None,
    payload: dict | None = None,
    occurred_at: datetime.datetime | None = None,
) -> LearnerEvent:
    """Record one occurrence of a fact; the event already recorded under ``key`` if any.

    Call inside the transaction of the fact itself. Delivery is queued after commit.
    """
    occurred_at = occurred_at or timezone.now()
    try:
        with transaction.atomic():
            event = LearnerEvent.objects.create(
                learner=learner,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                course=course,
                payload=payload or {},
                occurred_at=occurred_at,
                idempotency_key=key,
            )
    except IntegrityError:
        # The same occurrence was recorded already (a repeat, or a parallel request that
        # committed first): the unique key held.
        return LearnerEvent.objects.get(idempotency_key=key)
    wanted = [path for path, subscriber in subscribers().items() if _wants(subscriber, kind)]
    if wanted:
        LearnerEventDelivery.objects.bulk_create(
            LearnerEventDelivery(
                event=event, subscriber=path, next_attempt_at=occurred_at + _first_delivery_grace()
            )
            for path in wanted
        )
        from courses.tasks import learner_event_deliver as learner_event_deliver_task

        learner_event_deliver_task.delay_on_commit(event.pk)
    return event


def _backoff(attempts: int) -> datetime.timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def delivery_attempt(*, delivery_id: int, now: datetime.datetime | None = None) -> bool:
    """Deliver one pending delivery. True when delivered now; False when it failed, was
    delivered already, or another worker holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            LearnerEventDelivery.objects.select_for_update(skip_locked=True)
            .select_related("event")
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .first()
        )
        if delivery is None:
            return False
        delivery.attempts += 1
        try:
            subscriber = import_string(delivery.subscriber)
            with transaction.atomic():
                subscriber(event=delivery.event)
        except Exception as exc:
            logger.warning(
                "Subscriber %s failed on learner event %s (attempt %d)",
                delivery.subscriber,
                delivery.event_id,
                delivery.attempts,
                exc_info=True,
            )
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
            delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return False
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.save(update_fields=["attempts", "state", "delivered_at"])
        return True


def learner_event_deliver(*, event_id: int, eager: bool = False) -> int:
    """Deliver every pending delivery of the event; returns how many succeeded now.

    ``eager`` (no broker, no beat): also retry a few other deliveries that are due.
    """
    ids = list(
        LearnerEventDelivery.objects.filter(event_id=event_id, state=DeliveryState.PENDING).values_list(
            "pk", flat=True
        )
    )
    delivered = sum(delivery_attempt(delivery_id=pk) for pk in ids)
    if eager:
        learner_events_sweep(limit=EAGER_SWEEP_LIMIT)
    return delivered


def learner_events_due(*, now: datetime.datetime | None = None):
    now = now or timezone.now()
    return LearnerEventDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)


def learner_events_sweep(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Deliver pending deliveries that are due, oldest first; returns how many succeeded."""
    now = now or timezone.now()
    ids = list(learner_events_due(now=now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(delivery_attempt(delivery_id=pk, now=now) for pk in ids)


def learner_events_undelivered(*, older_than: datetime.timedelta, now: datetime.datetime | None = None):
    """Deliveries still pending although their event is older than ``older_than``: what
    ``check_consistency`` reports."""
    now = now or timezone.now()
    return LearnerEventDelivery.objects.filter(
        state=DeliveryState.PENDING, event__occurred_at__lt=now - older_than
    ).select_related("event")
