"""Due-date reminders (courses/reminders.py): each threshold once, on the learner's own
calendar from 8:00, never for a completed course or a learner who left the cohort."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Cohort, CohortCourse, CohortMembership, Enrollment
from courses.models.records import EnrollmentSource, EnrollmentStatus
from courses.services import cohort_course_assign, cohort_member_add, cohort_member_remove
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course
from tests.notifications.conftest import NEW_YORK
from training_site import notifications
from training_site.accounts.models import Notice, NoticeState, NotificationPreference, User

pytestmark = pytest.mark.django_db

DUE = datetime.date(2027, 3, 20)


@pytest.fixture
def cohort(course, learner):
    cohort = Cohort.objects.create(name="Spring <b>hires</b>")
    cohort_member_add(cohort=cohort, learner=learner)
    return cohort


@pytest.fixture
def assigned(cohort, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return cohort_course_assign(cohort=cohort, course=course, due_on=DUE)


def reminders_to(user) -> list:
    return [m for m in mail.outbox if user.email in m.to]


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


def test_each_threshold_once_across_repeated_runs(learner, assigned, clock, run):
    """Every four hours for four weeks: one email a week before, one the day before and
    one the day after, each on that day of the learner's calendar, from 8:00 their time."""
    clock.at(day(-14), 0)
    end = clock.at(day(14), 0)
    clock.at(day(-14), 0)
    while clock.now < end:
        run()
        clock.now += datetime.timedelta(hours=4)
    sent = reminders_to(learner)
    assert [m.subject.split(": ", 1)[1] for m in sent] == [
        "Due in 7 days: “Conflict Basics”",
        "Due tomorrow: “Conflict Basics”",
        "Overdue: “Conflict Basics”",
    ]
    notices = Notice.objects.filter(recipient=learner, notification="course_due_reminder").order_by("sent_at")
    local = [n.sent_at.astimezone(NEW_YORK) for n in notices]
    assert [t.date() for t in local] == [day(-7), day(-1), day(1)]
    assert all(t.hour >= 8 for t in local)
    assert all(n.state == NoticeState.SENT for n in notices)


def test_the_same_hour_twice_and_the_next_days_send_nothing_more(learner, assigned, clock, run):
    clock.at(day(-7), 9)
    run()
    run()
    clock.at(day(-6), 9)
    run()
    clock.at(day(-2), 23)
    run()
    assert len(reminders_to(learner)) == 1
    assert "Due in 7 days" in reminders_to(learner)[0].subject


def test_not_before_eight_on_the_learners_clock(learner, assigned, clock, run):
    clock.at(day(-7), 7, 59)
    run()
    assert reminders_to(learner) == []
    clock.at(day(-7), 8, 0)
    run()
    assert len(reminders_to(learner)) == 1


def test_the_learners_time_zone_decides_the_day(course, clock, run, django_capture_on_commit_callbacks):
    """At the same instant it is already the 13th, 9:00 in Auckland (7 days before the
    20th) and still the 12th in Los Angeles (8 days before)."""
    auckland = UserFactory(time_zone="Pacific/Auckland")
    los_angeles = UserFactory(time_zone="America/Los_Angeles")
    cohort = Cohort.objects.create(name="Worldwide")
    for user in (auckland, los_angeles):
        cohort_member_add(cohort=cohort, learner=user)
    with django_capture_on_commit_callbacks(execute=True):
        cohort_course_assign(cohort=cohort, course=course, due_on=DUE)
    clock.now = datetime.datetime(2027, 3, 12, 20, tzinfo=datetime.UTC)
    run()
    assert len(reminders_to(auckland)) == 1
    assert reminders_to(los_angeles) == []


def test_none_after_completion(learner, course, assigned, clock, run):
    clock.at(day(-7), 9)
    run()
    complete_course(learner, course)
    for offset in range(-6, 8):
        clock.at(day(offset), 12)
        run()
    assert len(reminders_to(learner)) == 1


def test_completed_between_recording_and_sending_is_not_sent(learner, course, assigned, clock):
    """The notice was recorded, then the learner finished the course before the email went
    out: nothing is sent ("nothing to tell")."""
    clock.at(day(-1), 9)
    ids = notifications.scheduled_notices_create()
    assert len(ids) == 1
    complete_course(learner, course)
    mail.outbox.clear()
    assert notifications.notices_send(notice_ids=ids) == 0
    assert reminders_to(learner) == []
    notice = Notice.objects.get(pk=ids[0])
    assert (notice.state, notice.skipped_reason) == (NoticeState.SKIPPED, "nothing to tell")


def test_none_for_a_learner_removed_from_the_cohort(learner, course, cohort, assigned, clock, run):
    cohort_member_remove(cohort=cohort, learner=learner)
    for offset in (-7, -1, 1):
        clock.at(day(offset), 9)
        run()
    assert reminders_to(learner) == []
    # Their enrollment stays theirs.
    assert Enrollment.objects.filter(learner=learner, course=course).exists()


def test_none_for_a_withdrawn_enrollment(learner, course, assigned, clock, run):
    Enrollment.objects.filter(learner=learner, course=course).update(status=EnrollmentStatus.WITHDRAWN)
    for offset in (-7, -1, 1):
        clock.at(day(offset), 9)
        run()
    assert reminders_to(learner) == []


def test_a_member_of_another_cohort_is_not_reminded_of_this_ones_date(learner, course, assigned, clock, run):
    outsider = UserFactory()
    cohort_member_add(cohort=Cohort.objects.create(name="Other"), learner=outsider)
    Enrollment.objects.create(learner=outsider, course=course, source=EnrollmentSource.SELF)
    clock.at(day(-7), 9)
    run()
    assert len(reminders_to(learner)) == 1
    assert reminders_to(outsider) == []


def test_overdue_is_said_once_the_day_after_and_never_again(learner, assigned, clock, run):
    for offset in range(0, 20):
        for hour in (6, 9, 15, 23):
            clock.at(day(offset), hour)
            run()
    subjects = [m.subject for m in reminders_to(learner)]
    assert len([s for s in subjects if "Overdue" in s]) == 1
    overdue = Notice.objects.get(recipient=learner, occurrence__endswith=":overdue")
    assert overdue.sent_at.astimezone(NEW_YORK).date() == day(1)


def test_a_missed_run_catches_up_until_the_next_threshold(learner, assigned, clock, run):
    """Beat was down on the 7-days day: the week reminder goes out with 3 days left, and the
    day-before one still comes."""
    clock.at(day(-3), 9)
    run()
    clock.at(day(-1), 9)
    run()
    subjects = [m.subject for m in reminders_to(learner)]
    assert len(subjects) == 2
    assert "Due in 3 days" in subjects[0]
    assert "Due tomorrow" in subjects[1]


def test_turned_off_in_the_profile_sends_none(learner, assigned, clock, run, learner_client):
    response = learner_client.get("/accounts/profile/")
    assert "Reminders before a course is due" in response.content.decode()
    NotificationPreference.objects.create(user=learner, notification="course_due_reminder", enabled=False)
    for offset in (-7, -1, 1):
        clock.at(day(offset), 9)
        run()
    assert reminders_to(learner) == []
    assert not Notice.objects.filter(recipient=learner).exists()


def test_two_courses_due_the_same_day_are_one_email(learner, index, cohort, assigned, clock, run):
    second = build_course(index, title="Cultural Competency", modules=1, lessons_per_module=1)
    cohort_course_assign(cohort=cohort, course=second, due_on=DUE)
    cohort_member_add(cohort=cohort, learner=learner)
    clock.at(day(-1), 9)
    run()
    sent = reminders_to(learner)
    assert len(sent) == 1
    assert "Due tomorrow: 2 courses" in sent[0].subject
    assert "Conflict Basics" in sent[0].body and "Cultural Competency" in sent[0].body


def test_two_cohorts_remind_of_the_earliest_date_only(learner, course, assigned, clock, run):
    later = Cohort.objects.create(name="Later")
    cohort_member_add(cohort=later, learner=learner)
    CohortCourse.objects.create(cohort=later, course=course, due_on=day(3))
    clock.at(day(-7), 9)
    run()
    clock.at(day(-4), 9)  # 7 days before the later date
    run()
    assert len(reminders_to(learner)) == 1


def test_the_email_escapes_course_and_cohort_names(learner, course, assigned, clock, run):
    clock.at(day(-1), 9)
    run()
    (email,) = reminders_to(learner)
    html = email.alternatives[0][0]
    assert "Spring &lt;b&gt;hires&lt;/b&gt;" in html
    assert "<b>hires</b>" not in html
    assert "Spring <b>hires</b>" in email.body  # the text part is plain text


def _learners(cohort, course, count: int, *, start: int = 0) -> None:
    users = User.objects.bulk_create(
        User(email=f"bulk{n}@example.org", display_name=f"Learner {n}") for n in range(start, start + count)
    )
    CohortMembership.objects.bulk_create(CohortMembership(cohort=cohort, learner=u) for u in users)
    Enrollment.objects.bulk_create(
        Enrollment(learner=u, course=course, source=EnrollmentSource.COORDINATOR) for u in users
    )


def _recording_queries() -> tuple[int, int]:
    """(queries other than the notice inserts, notice insert statements) of one run."""
    notifications.scheduled_notices_create()  # warm the course structure cache
    Notice.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        ids = notifications.scheduled_notices_create()
    assert ids
    inserts = [q for q in queries if q["sql"].startswith("INSERT") and 'INTO "accounts_notice"' in q["sql"]]
    return len(queries) - len(inserts), len(inserts)


def test_the_daily_recording_costs_the_same_at_10_and_100_learners(
    course, clock, django_assert_max_num_queries
):
    """Reading what is due, the preferences and the pending notices: the same queries at 10
    and 100 learners. The notices go in one bulk insert, which Django splits into batches
    of the backend's parameter limit (76 rows a statement on SQLite)."""
    cohort = Cohort.objects.create(name="Bulk")
    CohortCourse.objects.create(cohort=cohort, course=course, due_on=DUE)
    _learners(cohort, course, 10)
    clock.at(day(-7), 9)
    small, small_inserts = _recording_queries()
    _learners(cohort, course, 90, start=10)
    large, large_inserts = _recording_queries()
    assert Notice.objects.count() == 100
    assert small == large
    fields = [f for f in Notice._meta.concrete_fields if not f.primary_key]
    per_statement = connection.ops.bulk_batch_size(fields, [None] * 100)
    assert (small_inserts, large_inserts) == (1, -(-100 // per_statement))
    Notice.objects.all().delete()
    with django_assert_max_num_queries(small + large_inserts):
        notifications.scheduled_notices_create()
