"""A controlled clock for the scheduled notifications, and one run of their beat task."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from training_site import tasks as site_tasks

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


class Clock:
    """The time every ``timezone.now()`` reads, moved by the test."""

    def __init__(self):
        self.now = datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC)

    def at(self, day: datetime.date, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime.datetime:
        self.now = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """One run of the beat task, with its email tasks (queued on commit) run too."""

    def run_once() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return site_tasks.scheduled_notices_create()

    return run_once
