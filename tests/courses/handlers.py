"""Completion handlers used by tests through COURSE_COMPLETION_HANDLERS."""

calls: list[int] = []


def record(*, enrollment) -> None:
    calls.append(enrollment.pk)


def explode(*, enrollment) -> None:
    raise RuntimeError("handler failed")


# Learner event subscribers used by tests through LEARNER_EVENT_SUBSCRIBERS. ``applied`` is
# the subscriber's effect, keyed by event id; a real subscriber keeps it in its own table.
applied: dict[int, int] = {}
failures_left = {"count": 0}


def apply_once(*, event) -> None:
    """Idempotent: an event it has already applied changes nothing."""
    if event.pk in applied:
        return
    applied[event.pk] = event.pk


def flaky(*, event) -> None:
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError("subscriber is down")
    apply_once(event=event)


def completions_only(*, event) -> None:
    apply_once(event=event)


completions_only.event_kinds = {"course_completed"}
