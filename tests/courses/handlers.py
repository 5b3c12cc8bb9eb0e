"""Completion handlers used by tests through COURSE_COMPLETION_HANDLERS."""

calls: list[int] = []


def record(*, enrollment) -> None:
    calls.append(enrollment.pk)


def explode(*, enrollment) -> None:
    raise RuntimeError("handler failed")
