"""The reminder rule (courses/reminders.py): which threshold a day is at, on whose clock."""

import datetime

import pytest

from courses import reminders

DUE = datetime.date(2027, 3, 20)


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [
        (8, None),
        (7, reminders.WEEK_BEFORE),
        (2, reminders.WEEK_BEFORE),
        (1, reminders.DAY_BEFORE),
        (0, reminders.DAY_BEFORE),
        (-1, reminders.OVERDUE),
        (-7, reminders.OVERDUE),
        (-8, None),
    ],
)
def test_each_threshold_covers_its_day_until_the_next_begins(days_left, threshold):
    today = DUE - datetime.timedelta(days=days_left)
    assert reminders.threshold_for(due_on=DUE, today=today) == threshold


def test_reminders_go_out_from_eight_on_the_learners_clock():
    now = datetime.datetime(2027, 3, 13, 12, 59, tzinfo=datetime.UTC)  # 7:59 in New York (EST)
    assert reminders.sending_day(time_zone="America/New_York", now=now) is None
    later = now + datetime.timedelta(minutes=1)
    assert reminders.sending_day(time_zone="America/New_York", now=later) == datetime.date(2027, 3, 13)
    # Already the 14th, 2:00 in Auckland at that instant: not yet.
    assert reminders.sending_day(time_zone="Pacific/Auckland", now=later) is None


def test_an_unknown_time_zone_counts_in_utc():
    now = datetime.datetime(2027, 3, 13, 9, tzinfo=datetime.UTC)
    assert reminders.sending_day(time_zone="Mars/Olympus", now=now) == datetime.date(2027, 3, 13)


def test_the_due_dates_read_cover_every_time_zone_and_threshold():
    now = datetime.datetime(2027, 3, 13, 0, 30, tzinfo=datetime.UTC)
    low, high = reminders.due_dates_around(now)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11
        today = reminders.learner_now(time_zone=zone, now=now).date()
        assert low <= today - datetime.timedelta(days=7) and today + datetime.timedelta(days=7) <= high
