"""When a learner is reminded of a course's due date.

Decision record
- **A due date is a day in the learner's own time zone.** A cohort sets a date, not an
  instant: a course due on 12 March is due by the end of 12 March wherever the learner is
  (their profile's time zone, the one every date on the site is shown in). So the reminder
  days are counted on the learner's calendar, and an email goes out from 8:00 on their
  clock, never at midnight; the beat task runs hourly so every time zone reaches its 8:00.
- **Three thresholds, each once.** A week before (7 days left), the day before (1 day
  left) and the day after (overdue). Each is said at most once per learner, cohort course
  and threshold (the Notice's unique occurrence). A run that was missed catches up until
  the next threshold begins: the week reminder may still go out with 2 to 7 days left, the
  day-before one on the due day itself, the overdue one up to a week after the due date;
  after that nothing more is said (the coordinator's digest keeps listing the learner).
  A learner who joins a cohort three days before the due date thus gets the week reminder
  ("due in 3 days") and the day-before one.
- **Only what is still true.** Never for a completed course (the progress owner's
  ``is_completed``), a withdrawn enrollment, or a learner no longer in the cohort; checked
  when the notice is recorded and again when the email is sent. A learner in two cohorts
  that assign the same course is reminded of the earliest due date only, as My learning
  shows it. A due date moved after a reminder went out does not repeat that reminder.
"""

import datetime
import zoneinfo

WEEK_BEFORE = "week_before"
DAY_BEFORE = "day_before"
OVERDUE = "overdue"
THRESHOLDS = (WEEK_BEFORE, DAY_BEFORE, OVERDUE)

#: Reminders go out from this hour on the learner's clock.
SEND_FROM_HOUR = 8
#: Days left (due date minus the learner's today) for which each threshold is said: from the
#: threshold's day until the next one begins (catching up a missed run).
_DAYS_LEFT = {WEEK_BEFORE: range(2, 8), DAY_BEFORE: range(0, 2), OVERDUE: range(-7, 0)}


def threshold_for(*, due_on: datetime.date, today: datetime.date) -> str | None:
    """The threshold a course due on ``due_on`` is at on the learner's ``today``, if any."""
    days_left = (due_on - today).days
    return next((name for name in THRESHOLDS if days_left in _DAYS_LEFT[name]), None)


def learner_now(*, time_zone: str, now: datetime.datetime) -> datetime.datetime:
    """``now`` on the learner's clock (UTC if theirs is unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone)


def sending_day(*, time_zone: str, now: datetime.datetime) -> datetime.date | None:
    """The learner's today if reminders may go out now (from 8:00 their time), else None."""
    local = learner_now(time_zone=time_zone, now=now)
    return local.date() if local.hour >= SEND_FROM_HOUR else None


def due_dates_around(now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """Every due date some threshold may concern somewhere on Earth at ``now`` (the
    learner's today is within a day of UTC's)."""
    utc_today = now.astimezone(datetime.UTC).date()
    return (
        utc_today - datetime.timedelta(days=8),
        utc_today + datetime.timedelta(days=8),
    )
