"""The weekly coordinator digest, a row of the notification table
(training_site/notifications.py).

It composes what courses and assessments know about the learners a coordinator is
responsible for, so it lives here, above both. Everything it lists is narrowed to the
coordinator's scope (``courses.selectors.cohort_scope_ids``: their cohorts and the cohorts
below them) through the same access selectors as the reports and the grading queue, and is
read when the email is sent, so it says what is true then.
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.selectors import attempts_needing_grading
from courses import reminders
from courses.models import CohortCoordinator, Enrollment
from courses.models.records import EnrollmentStatus
from courses.selectors import assignments_open, cohort_scope_ids, learner_records_scope_filter
from training_site.notifications import Occurrence

#: The email lists at most this many completions and overdue learners (and says how many more).
LIST_LIMIT = 20
WINDOW = datetime.timedelta(days=7)


def coordinates_a_cohort(user) -> bool:
    return user.is_active and CohortCoordinator.objects.filter(coordinator=user).exists()


def coordinator_digest_occurrences(*, now: datetime.datetime) -> list[Occurrence]:
    """One digest per coordinator per ISO week, due from Monday 8:00 on their clock (a
    missed Monday run catches up later in the same week)."""
    coordinators = (
        CohortCoordinator.objects.filter(coordinator__is_active=True)
        .values_list("coordinator_id", "coordinator__time_zone")
        .distinct()
    )
    found = []
    for pk, time_zone in coordinators:
        local = reminders.learner_now(time_zone=time_zone, now=now)
        monday = local.date() - datetime.timedelta(days=local.weekday())
        starts = datetime.datetime.combine(
            monday, datetime.time(reminders.SEND_FROM_HOUR), tzinfo=local.tzinfo
        )
        if local < starts:
            continue
        year, week, _day = local.date().isocalendar()
        found.append(
            Occurrence(
                recipient_id=pk,
                key=f"coordinator_digest:{pk}:{year}-W{week:02d}",
                subject_type="user",
                subject_id=pk,
            )
        )
    return found


def coordinator_digest_context(*, recipient, notices) -> dict | None:
    """Completions of the last 7 days, overdue learners and open answers waiting, in the
    recipient's scope; None when all three are empty or they coordinate nothing any more."""
    scope = cohort_scope_ids(user=recipient)
    if scope is not None and not scope:
        return None
    now = timezone.now()
    completions = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED, completed_at__gte=now - WINDOW)
    narrowed = learner_records_scope_filter(user=recipient)
    if narrowed is not None:
        completions = completions.filter(narrowed)
    completions = list(
        completions.select_related("learner", "course")
        .only("completed_at", "learner__display_name", "learner__email", "course__title")
        .order_by("-completed_at", "pk")
    )
    today = reminders.learner_now(time_zone=recipient.time_zone, now=now).date()
    overdue = sorted(
        assignments_open(due_to=today - datetime.timedelta(days=1), cohort_ids=scope),
        key=lambda item: (item.due_on, item.cohort_name, str(item.learner), item.course_title),
    )
    waiting = list(attempts_needing_grading(user=recipient))
    if not (completions or overdue or waiting):
        return None
    return {
        "completions": [
            {
                "learner": str(e.learner),
                "course": e.course.title,
                "completed_on": reminders.learner_now(
                    time_zone=recipient.time_zone, now=e.completed_at
                ).date(),
            }
            for e in completions[:LIST_LIMIT]
        ],
        "completion_count": len(completions),
        "more_completions": max(len(completions) - LIST_LIMIT, 0),
        "overdue": [
            {
                "learner": str(item.learner),
                "course": item.course_title,
                "cohort": item.cohort_name,
                "due_on": item.due_on,
            }
            for item in overdue[:LIST_LIMIT]
        ],
        "overdue_count": len(overdue),
        "more_overdue": max(len(overdue) - LIST_LIMIT, 0),
        "waiting_attempts": len(waiting),
        "waiting_responses": sum(attempt.pending for attempt in waiting),
        "report_url": settings.BASE_URL + reverse("progress_matrix"),
        "grading_url": settings.BASE_URL + reverse("grading:index"),
    }
