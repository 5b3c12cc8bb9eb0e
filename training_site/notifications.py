"""The product's notifications: one table, and the one engine that sends what it says.

Decision record
- **One table.** ``NOTIFICATIONS`` below is every notification the product sends: the
  learner events that trigger it, who receives it, the channel, the batching and whether
  the recipient may turn it off. docs/notifications.md prints the same table; a test keeps
  the two in step. Features add a row here, never a rule of their own.
- **Driven by the learner event log.** ``learner_event_notify`` is a subscriber of the
  event log (``LEARNER_EVENT_SUBSCRIBERS``, courses/events.py): delivered at least once,
  after the learner's action committed. The app-specific parts of a row (who receives it,
  what the email says) are dotted paths to functions in their own app, so this module,
  like the event log, depends on no app above accounts.
- **At most once per occurrence.** Each (notification, recipient, event) is a ``Notice``
  row under a unique constraint, written inside the delivery's savepoint: a second
  delivery of the same event writes nothing and sends nothing. A send claims its notices
  (pending → sent) before the email goes out and puts them back if sending fails, so a
  retry sends it and a success is never repeated (the certificate email's old rule).
- **Batching.** A batched row sends at most one email per window per recipient and batch
  key (e.g. one quiz): a notice that arrives inside the window waits until it ends and goes
  out with the others in one email. The email says what is true when it is sent (open
  responses still waiting), and nothing is sent when nothing is left to say.
- **Preferences.** A row that may be turned off is on or off by default; a person's choice
  is a ``NotificationPreference`` row, shown on the profile page. Checked when a notice is
  made and again when it is sent.
- **Scheduled rows.** A reminder or a digest is not a learner's action: nothing happens at
  the moment it is due. Such a row names an ``occurrences(*, now)`` function instead of
  events; the hourly beat task ``scheduled_notices_create`` asks every scheduled row what is
  due now and records it as notices through the same unique constraint, keyed by what makes
  it once (learner, cohort course and threshold; coordinator and week). Running it again
  the same hour, the next hour or the next day records nothing new. Recording reads a fixed
  number of queries whatever the number of recipients (one bulk preference read, one bulk
  insert); sending then goes through the same engine as every other row.
- **Sending.** The subscriber only writes notices; the email task (queue ``email``) is
  queued on commit. Due notices (batch windows that ended, failed sends after a backoff)
  go out from beat every minute, and, on the embedded default with no beat, whenever the
  email task runs ("done when read").
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from training_site.accounts.adapters import site_identity
from training_site.accounts.models import Notice, NoticeState, NotificationPreference

logger = logging.getLogger(__name__)

EMAIL = "email"
TEMPLATE_FOLDER = "notifications/email"
BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=1)
DUE_SEND_LIMIT = 50
EAGER_DUE_SEND_LIMIT = 10


class Choice:
    """Whether the recipient may turn a notification off, and its default."""

    ALWAYS = "always"  # cannot be turned off
    ON_BY_DEFAULT = "on"
    OFF_BY_DEFAULT = "off"


@dataclass(frozen=True)
class Notification:
    """One row of the table.

    ``recipients(*, event)`` returns the users to tell; ``context(*, recipient, notices)``
    returns the template context, or None when there is nothing to tell any more;
    ``batch_key(*, event)`` groups the notices of a batched row; ``offered_to(user)`` says
    whose profile shows the choice (None: everyone's). A scheduled row has no events and
    no ``recipients``: ``occurrences(*, now)`` returns the ``Occurrence`` values due now,
    and ``schedule`` says when in words (docs). Templates are
    ``notifications/email/<key>_subject.txt``, ``<key>_message.txt`` and ``.html``.
    """

    key: str
    label: Promise
    events: tuple[str, ...]
    recipients: str
    audience: Promise
    context: str
    choice: str
    channel: str = EMAIL
    batch_window: datetime.timedelta | None = None
    batch_key: str | None = None
    batching: Promise = _("none: one email per occurrence")
    offered_to: str | None = None
    help_text: Promise | str = ""
    occurrences: str | None = None
    schedule: Promise | str = ""

    def get(self, name: str) -> Callable:
        return import_string(getattr(self, name))

    @property
    def may_turn_off(self) -> bool:
        return self.choice != Choice.ALWAYS

    @property
    def default_enabled(self) -> bool:
        return self.choice != Choice.OFF_BY_DEFAULT

    @property
    def is_scheduled(self) -> bool:
        return self.occurrences is not None


@dataclass(frozen=True)
class Occurrence:
    """One thing a scheduled row has to say to one person, once: ``key`` is what makes it
    once (the notice's occurrence), ``batch_key`` what is said together in one email."""

    recipient_id: int
    key: str
    subject_type: str
    subject_id: int
    batch_key: str = field(default="")


NOTIFICATIONS: tuple[Notification, ...] = (
    Notification(
        key="certificate_ready",
        label=_("Your certificate is ready"),
        events=("certificate_ready",),
        recipients="certificates.notifications.certificate_learner",
        audience=_("the learner"),
        context="certificates.notifications.certificate_ready_context",
        choice=Choice.ALWAYS,
    ),
    Notification(
        key="grade_released",
        label=_("Your open answers have been graded"),
        events=("attempt_graded",),
        recipients="assessments.notifications.attempt_learner",
        audience=_("the learner"),
        context="assessments.notifications.grade_released_context",
        choice=Choice.ON_BY_DEFAULT,
        help_text=_("An email when a coordinator has graded the written answers of a quiz you submitted."),
    ),
    Notification(
        key="open_responses_waiting",
        label=_("Open answers are waiting for grading"),
        events=("attempt_awaiting_grading",),
        recipients="assessments.notifications.attempt_graders",
        audience=_("the coordinators who may grade the attempt"),
        context="assessments.notifications.open_responses_waiting_context",
        choice=Choice.ON_BY_DEFAULT,
        batch_window=datetime.timedelta(hours=1),
        batch_key="assessments.notifications.attempt_quiz_key",
        batching=_("at most one email an hour per quiz"),
        offered_to="assessments.notifications.may_grade",
        help_text=_("At most one email an hour for each quiz, listing what is still waiting."),
    ),
    Notification(
        key="course_due_reminder",
        label=_("Reminders before a course is due"),
        events=(),
        recipients="",
        audience=_("the learner, while a member of the cohort that set the due date"),
        context="courses.notifications.course_due_reminder_context",
        choice=Choice.ON_BY_DEFAULT,
        batching=_("one email per threshold and due date, listing every course due that day"),
        help_text=_(
            "An email a week and a day before a course your cohort assigned is due, and one the day after "
            "if it is not completed."
        ),
        occurrences="courses.notifications.course_due_reminder_occurrences",
        schedule=_(
            "7 days and 1 day before the due date, and the day after it, from 8:00 in the learner's time zone"
        ),
    ),
    Notification(
        key="coordinator_digest",
        label=_("Weekly summary of your cohorts"),
        events=(),
        recipients="",
        audience=_("each cohort coordinator, about the cohorts they coordinate and those below them"),
        context="content.notifications.coordinator_digest_context",
        choice=Choice.ON_BY_DEFAULT,
        batching=_("at most one email a week; none when there is nothing to say"),
        offered_to="content.notifications.coordinates_a_cohort",
        help_text=_(
            "Every Monday: completions of the last 7 days, overdue learners and open answers waiting to be "
            "graded in your cohorts. Not sent when there is nothing to report."
        ),
        occurrences="content.notifications.coordinator_digest_occurrences",
        schedule=_("weekly, from Monday 8:00 in the coordinator's time zone"),
    ),
)

BY_KEY = {row.key: row for row in NOTIFICATIONS}


def notifications_offered(*, user) -> list[Notification]:
    """The rows whose choice the user's profile shows (those they can receive)."""
    return [row for row in NOTIFICATIONS if row.offered_to is None or row.get("offered_to")(user)]


def notification_enabled(*, user, notification: Notification) -> bool:
    if not notification.may_turn_off:
        return True
    stored = (
        NotificationPreference.objects.filter(user=user, notification=notification.key)
        .values_list("enabled", flat=True)
        .first()
    )
    return notification.default_enabled if stored is None else stored


def notification_preferences(*, user) -> dict[str, bool]:
    """Every row's current setting for ``user`` (stored choice, else the default)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("notification", "enabled"))
    return {
        row.key: True if not row.may_turn_off else stored.get(row.key, row.default_enabled)
        for row in NOTIFICATIONS
    }


def notification_preferences_set(*, user, choices: dict[str, bool]) -> None:
    """Store the user's choices; rows that cannot be turned off are ignored."""
    for key, enabled in choices.items():
        row = BY_KEY.get(key)
        if row is None or not row.may_turn_off:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, notification=key, defaults={"enabled": bool(enabled)}
        )


def notification_enabled_ids(*, user_ids: Iterable[int], notification: Notification) -> set[int]:
    """Of ``user_ids``, those who get ``notification`` (stored choice, else the default):
    one query whatever the number of people."""
    user_ids = set(user_ids)
    if not notification.may_turn_off or not user_ids:
        return user_ids
    stored = dict(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, notification=notification.key
        ).values_list("user_id", "enabled")
    )
    return {pk for pk in user_ids if stored.get(pk, notification.default_enabled)}


# --- From the event log to notices ----------------------------------------------------------


def _last_sent(*, notification: Notification, recipient_id: int, batch_key: str):
    return Notice.objects.filter(
        notification=notification.key, recipient_id=recipient_id, batch_key=batch_key, state=NoticeState.SENT
    ).aggregate(last=Max("sent_at"))["last"]


def notices_create(*, event, now: datetime.datetime | None = None) -> list[int]:
    """The notices the event calls for, each at most once; returns the ids made now."""
    now = now or timezone.now()
    made = []
    for row in NOTIFICATIONS:
        if event.kind not in row.events:
            continue
        batch_key = row.get("batch_key")(event=event) if row.batch_key else f"once:{event.idempotency_key}"
        for recipient in row.get("recipients")(event=event):
            if not notification_enabled(user=recipient, notification=row):
                continue
            due_at = now
            if row.batch_window:
                last = _last_sent(notification=row, recipient_id=recipient.pk, batch_key=batch_key)
                if last is not None:
                    due_at = max(now, last + row.batch_window)
            notice, created = Notice.objects.get_or_create(
                notification=row.key,
                recipient=recipient,
                occurrence=event.idempotency_key,
                defaults={
                    "subject_type": event.subject_type,
                    "subject_id": event.subject_id,
                    "batch_key": batch_key,
                    "due_at": due_at,
                },
            )
            if created:
                made.append(notice.pk)
    return made


def learner_event_notify(*, event) -> None:
    """The event-log subscriber: record the notices, email them after commit."""
    made = notices_create(event=event)
    if made:
        from training_site.tasks import notice_email as notice_email_task

        notice_email_task.delay_on_commit(made)


learner_event_notify.event_kinds = frozenset(kind for row in NOTIFICATIONS for kind in row.events)


# --- Scheduled rows to notices --------------------------------------------------------------


def scheduled_notices_record(
    *, notification: Notification, occurrences: list[Occurrence], now: datetime.datetime
) -> None:
    """Record the occurrences as pending notices, each at most once: those already recorded
    (the unique constraint, also against a parallel run) and those of people who turned the
    row off are left out. Two queries whatever the number of occurrences."""
    enabled = notification_enabled_ids(
        user_ids={o.recipient_id for o in occurrences}, notification=notification
    )
    Notice.objects.bulk_create(
        [
            Notice(
                notification=notification.key,
                recipient_id=o.recipient_id,
                occurrence=o.key,
                subject_type=o.subject_type,
                subject_id=o.subject_id,
                batch_key=o.batch_key or f"once:{o.key}",
                due_at=now,
            )
            for o in occurrences
            if o.recipient_id in enabled
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


def scheduled_notices_create(*, now: datetime.datetime | None = None) -> list[int]:
    """Ask every scheduled row what is due now and record it; returns the ids of the
    pending notices recorded now or earlier and not sent yet (sending them twice is safe:
    a send claims its notices first)."""
    now = now or timezone.now()
    pending = []
    for row in NOTIFICATIONS:
        if not row.is_scheduled:
            continue
        occurrences = row.get("occurrences")(now=now)
        if not occurrences:
            continue
        scheduled_notices_record(notification=row, occurrences=occurrences, now=now)
        keys = [o.key for o in occurrences]
        for start in range(0, len(keys), 500):
            pending += Notice.objects.filter(
                notification=row.key, occurrence__in=keys[start : start + 500], state=NoticeState.PENDING
            ).values_list("pk", flat=True)
    return pending


# --- Sending --------------------------------------------------------------------------------


def _backoff(attempts: int) -> datetime.timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _from_email() -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((name or site_identity().name, address))


def notification_email_build(
    *, notification: Notification, recipient, context: dict
) -> EmailMultiAlternatives:
    """The email in the recipient's language, in the site's design (HTML and text)."""
    context = {
        **context,
        "recipient": recipient,
        "notification": notification,
        "current_site": site_identity(),
        "site_url": settings.BASE_URL,
        "preferences_url": settings.BASE_URL + reverse("accounts:profile") + "#notifications",
    }
    prefix = f"{TEMPLATE_FOLDER}/{notification.key}"
    with translation.override(recipient.preferred_language):
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        text = render_to_string(f"{prefix}_message.txt", context)
        html = render_to_string(f"{prefix}_message.html", context)
    email = EmailMultiAlternatives(
        subject=f"{site_identity().name}: {subject}",
        body=text,
        from_email=_from_email(),
        to=[recipient.email],
    )
    email.attach_alternative(html, "text/html")
    return email


def notice_group_send(
    *, notification_key: str, recipient_id: int, batch_key: str, now: datetime.datetime | None = None
) -> bool:
    """Send the pending notices of one (notification, recipient, batch key) as one email if
    they are due. True if an email went out. Raises what the mail backend raised, after
    putting the notices back to be retried."""
    now = now or timezone.now()
    row = BY_KEY[notification_key]
    group = Notice.objects.filter(
        notification=notification_key,
        recipient_id=recipient_id,
        batch_key=batch_key,
        state=NoticeState.PENDING,
    )
    with transaction.atomic():
        # One send per person at a time: the window check and the claim below must not
        # interleave with another worker's for the same group.
        recipient = get_user_model().objects.select_for_update().filter(pk=recipient_id).first()
        if recipient is None or not group.filter(due_at__lte=now).exists():
            return False
        if row.batch_window:
            last = _last_sent(notification=row, recipient_id=recipient_id, batch_key=batch_key)
            if last is not None and now < last + row.batch_window:
                group.update(due_at=last + row.batch_window)
                return False
        notices = list(group)
        ids = [notice.pk for notice in notices]
        if not recipient.is_active or not notification_enabled(user=recipient, notification=row):
            Notice.objects.filter(pk__in=ids).update(state=NoticeState.SKIPPED, skipped_reason="turned off")
            return False
        context = row.get("context")(recipient=recipient, notices=notices)
        if context is None:
            Notice.objects.filter(pk__in=ids).update(
                state=NoticeState.SKIPPED, skipped_reason="nothing to tell"
            )
            return False
        email = notification_email_build(notification=row, recipient=recipient, context=context)
        Notice.objects.filter(pk__in=ids).update(state=NoticeState.SENT, sent_at=now)
    try:
        email.send()
    except Exception as exc:
        Notice.objects.filter(pk__in=ids, state=NoticeState.SENT, sent_at=now).update(
            state=NoticeState.PENDING,
            sent_at=None,
            attempts=F("attempts") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            due_at=now + _backoff(max(notice.attempts for notice in notices) + 1),
        )
        raise
    return True


def _groups(notices: Iterable[Notice]) -> list[tuple[str, int, str]]:
    return sorted({(n.notification, n.recipient_id, n.batch_key) for n in notices})


def notices_send(*, notice_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Send the groups these notices belong to, where due. Returns the emails sent."""
    notices = Notice.objects.filter(pk__in=notice_ids, state=NoticeState.PENDING)
    return sum(_group_send_logged(group, now=now) for group in _groups(notices))


def _group_send_logged(group: tuple[str, int, str], *, now: datetime.datetime | None) -> bool:
    # A failed send is recorded on its notices (retried after a backoff by the due sweep),
    # never raised: it must not fail the task of another group, nor a request on the
    # embedded default, where the email task runs in the request after commit.
    key, recipient_id, batch = group
    try:
        return notice_group_send(notification_key=key, recipient_id=recipient_id, batch_key=batch, now=now)
    except Exception:
        logger.warning("Notification %s to user %s could not be sent", key, recipient_id, exc_info=True)
        return False


def notices_send_due(*, now: datetime.datetime | None = None, limit: int = DUE_SEND_LIMIT) -> int:
    """Send what is due (batch windows that ended, retries after a failed send), oldest
    first. A failing group is logged and left for the next run. Returns the emails sent."""
    now = now or timezone.now()
    due = (
        Notice.objects.filter(state=NoticeState.PENDING, due_at__lte=now)
        .order_by("due_at")
        .values_list("notification", "recipient_id", "batch_key")
    )
    sent = 0
    seen: set[tuple] = set()
    for group in due.iterator():
        if group in seen:
            continue
        seen.add(group)
        if len(seen) > limit:
            break
        sent += _group_send_logged(group, now=now)
    return sent
