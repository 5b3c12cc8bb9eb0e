"""The notification table: each row, the opt-out, the batching window, at most once."""

import datetime
import smtplib
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from assessments.models import AttemptState, Question, RubricCriterion
from assessments.services import attempts
from assessments.services.gift_import import question_bank_import_gift
from certificates import services as certificate_services
from certificates.models import Certificate
from courses.events import delivery_attempt
from courses.models import (
    Cohort,
    DeliveryState,
    LearnerEvent,
    LearnerEventDelivery,
    LearnerEventKind,
    ModulePage,
)
from courses.services import enrollment_create
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_quiz, make_coordinator
from training_site import notifications
from training_site.accounts.models import Notice, NoticeState, NotificationPreference

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def coordinator_user(**kwargs):
    """A coordinator of Open enrollment, where the learners of these tests land."""
    return make_coordinator(**kwargs)


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def event_of(kind: str, **filters) -> LearnerEvent:
    return LearnerEvent.objects.get(kind=kind, **filters)


@pytest.fixture
def essay_quiz(course):
    question_bank_import_gift(text="::Essay::Tell us about a hard meeting.{}", bank_path="open")
    essay = Question.objects.get(title="Essay")
    RubricCriterion.objects.create(
        question=essay,
        criterion="Clear",
        points=1,
        levels=[{"points": 0, "descriptor": "No"}, {"points": 1, "descriptor": "Yes"}],
    )
    essay.save_revision().publish()
    return build_quiz(
        ModulePage.objects.child_of(course).first(), questions=[essay], title="Reflection <quiz>"
    )


def submit_essay(learner, quiz, *, now=None):
    enrollment_create(learner=learner, course=quiz.get_parent().get_parent().specific)
    attempt = attempts.quiz_start(learner=learner, quiz=quiz, now=now)
    data = QueryDict(mutable=True)
    data["q1"] = "We listened first."
    return attempts.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data, now=now)


def grade(attempt, grader, *, comment="Secret comment for the result page"):
    response = attempt.responses.get(needs_manual=True)
    criterion = response.grading_data["rubric"][0]["id"]
    return attempts.response_grade_manual(
        response_id=response.pk,
        selections={criterion: 1},
        grader=grader,
        comment=comment,
        seen_graded_at=response.graded_at,  # the grader saw the current grade (issue 17)
    )


# --- The table ------------------------------------------------------------------------------


def test_the_docs_print_every_row_of_the_table():
    """docs/notifications.md lists each notification by key, event and who may turn it off."""
    text = DOCS.read_text()
    for row in notifications.NOTIFICATIONS:
        assert f"`{row.key}`" in text, row.key
        for event in row.events:
            assert f"`{event}`" in text, event


def test_every_row_has_its_templates_and_subscribes_to_its_events():
    from django.template.loader import get_template

    for row in notifications.NOTIFICATIONS:
        for suffix in ("_subject.txt", "_message.txt", "_message.html"):
            get_template(f"notifications/email/{row.key}{suffix}")
        assert set(row.events) <= notifications.learner_event_notify.event_kinds
        for name in ("recipients", "context", "batch_key", "offered_to"):
            if getattr(row, name):
                assert callable(row.get(name))


def test_rows_that_cannot_be_turned_off_are_refused_off_by_the_database(learner):
    """The constraint holds every ALWAYS row on, whatever writes the preference."""
    for row in notifications.NOTIFICATIONS:
        if row.may_turn_off:
            continue
        with pytest.raises(IntegrityError), transaction.atomic():
            NotificationPreference.objects.create(user=learner, notification=row.key, enabled=False)


def test_one_preference_row_per_user_and_notification(learner):
    NotificationPreference.objects.create(user=learner, notification="grade_released", enabled=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=learner, notification="grade_released", enabled=True)


def test_one_notice_per_notification_recipient_and_occurrence(learner):
    fields = {
        "notification": "grade_released",
        "recipient": learner,
        "occurrence": "attempt_graded:1",
        "subject_type": "attempt",
        "subject_id": 1,
        "batch_key": "x",
        "due_at": timezone.now(),
    }
    Notice.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(**fields)


# --- Certificate ready ----------------------------------------------------------------------


def test_certificate_ready_is_emailed_once_in_the_sites_design(
    learner, course, django_capture_on_commit_callbacks
):
    """On the embedded default the certificate can be downloaded (rendered on read) as soon
    as it is issued: the learner is emailed then, from the site, in HTML and text."""
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete_course(learner, course)
    certificate = Certificate.objects.get(enrollment=enrollment)
    [email] = sent_to(learner.email)
    assert email.subject == f"Liaison Academy: Your certificate for “{course.title}” is ready"
    assert email.from_email.startswith("Liaison Academy <")
    assert certificate.get_download_url() in email.body
    html = email.alternatives[0][0]
    assert email.alternatives[0][1] == "text/html"
    assert certificate.code in html and "#0b5e70" in html
    assert "always send this email" in email.body
    # The download renders it and records "ready" again under the same key: no new email.
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.certificate_render(certificate_id=certificate.pk)
    assert len(sent_to(learner.email)) == 1


def test_with_a_worker_the_email_waits_for_the_pdf(
    learner, course, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """With a broker, "ready" is recorded when the render has finished, not at issue."""
    settings.CERTIFICATE_RENDER_ON_READ = False
    from certificates import tasks

    monkeypatch.setattr(tasks.certificate_render, "delay_on_commit", lambda *args: None)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    assert sent_to(learner.email) == []
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.certificate_render(certificate_id=certificate.pk)
    assert len(sent_to(learner.email)) == 1


def test_certificate_ready_cannot_be_turned_off(learner, course, django_capture_on_commit_callbacks):
    """A stored "off" is ignored (and the profile never stores one)."""
    notifications.notification_preferences_set(user=learner, choices={"certificate_ready": False})
    assert not NotificationPreference.objects.filter(notification="certificate_ready").exists()
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(learner, course)
    assert len(sent_to(learner.email)) == 1


def test_a_certificate_revoked_before_the_email_is_not_announced(learner, course):
    """The email says what is true when sent: a revoked certificate is not "ready"."""
    certificate = Certificate.objects.get(enrollment=complete_course(learner, course))
    certificate_services.certificate_revoke(certificate=certificate, reason="Error", by=None)
    ids = notifications.notices_create(event=event_of(LearnerEventKind.CERTIFICATE_READY))
    assert notifications.notices_send(notice_ids=ids) == 0
    assert Notice.objects.get().state == NoticeState.SKIPPED
    assert mail.outbox == []


# --- Delivery twice → one email -------------------------------------------------------------


def test_the_same_event_delivered_twice_sends_one_email(learner, course, django_capture_on_commit_callbacks):
    """At-least-once delivery (a worker killed after sending, before marking delivered)
    runs the subscriber again: the notice already exists, nothing is sent."""
    complete_course(learner, course)
    event = event_of(LearnerEventKind.CERTIFICATE_READY)
    delivery = LearnerEventDelivery.objects.get(event=event, subscriber__endswith="learner_event_notify")
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_attempt(delivery_id=delivery.pk)
    LearnerEventDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.PENDING, delivered_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_attempt(delivery_id=delivery.pk)
    assert len(sent_to(learner.email)) == 1
    assert Notice.objects.filter(occurrence=event.idempotency_key).count() == 1


def test_a_failed_send_is_retried_after_a_backoff_and_sent_once(learner, course, monkeypatch):
    """The claim is given back when the mail server fails; the due sweep sends it later."""
    complete_course(learner, course)
    ids = notifications.notices_create(event=event_of(LearnerEventKind.CERTIFICATE_READY))
    real_send = EmailMultiAlternatives.send

    def failing(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMultiAlternatives, "send", failing)
    now = timezone.now()
    assert notifications.notices_send(notice_ids=ids, now=now) == 0
    notice = Notice.objects.get()
    assert (notice.state, notice.attempts) == (NoticeState.PENDING, 1)
    assert "SMTPServerDisconnected" in notice.last_error
    assert notice.due_at > now
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert notifications.notices_send_due(now=now) == 0  # not yet: backing off
    assert notifications.notices_send_due(now=notice.due_at) == 1
    assert notifications.notices_send_due(now=notice.due_at + datetime.timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1


# --- Grade released -------------------------------------------------------------------------


def test_grade_released_tells_the_learner_the_score_only(
    learner, essay_quiz, django_capture_on_commit_callbacks
):
    """When the last open answer is graded the learner gets the score and a link, never the
    answers or the grader's comment; a regrade is not a second release."""
    grader = coordinator_user()
    attempt = submit_essay(learner, essay_quiz)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = grade(attempt, grader)
    assert attempt.state == AttemptState.GRADED
    [email] = sent_to(learner.email)
    assert email.subject == "Liaison Academy: Your answers to “Reflection <quiz>” have been graded"
    assert "100.00%" in email.body and "passed" in email.body
    assert reverse("assessments:result", args=[attempt.pk]) in email.body
    html = email.alternatives[0][0]
    for part in (email.body, html):
        assert "Secret comment" not in part and "We listened first" not in part
    assert "Reflection &lt;quiz&gt;" in html
    with django_capture_on_commit_callbacks(execute=True):
        grade(attempt, grader, comment="Changed my mind")
    assert len(sent_to(learner.email)) == 1


def test_grade_released_can_be_turned_off_in_the_profile(
    learner, learner_client, essay_quiz, django_capture_on_commit_callbacks
):
    """Unticking the box on the profile page stores the choice; no email follows."""
    page = learner_client.get(reverse("accounts:profile")).content.decode()
    assert 'name="notify-grade_released"' in page and "checked" in page
    assert 'name="notify-open_responses_waiting"' not in page  # not a grader
    response = learner_client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Lee",
            "certificate_name": "",
            "time_zone": "America/New_York",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=learner, notification="grade_released").enabled is False
    attempt = submit_essay(learner, essay_quiz)
    with django_capture_on_commit_callbacks(execute=True):
        grade(attempt, coordinator_user())
    assert sent_to(learner.email) == []
    assert not Notice.objects.filter(notification="grade_released").exists()


def test_turned_off_after_the_notice_was_made_is_not_sent(learner, essay_quiz):
    """The choice is checked again when sending."""
    attempt = grade(submit_essay(learner, essay_quiz), coordinator_user())
    ids = notifications.notices_create(event=event_of(LearnerEventKind.ATTEMPT_GRADED, subject_id=attempt.pk))
    notifications.notification_preferences_set(user=learner, choices={"grade_released": False})
    assert notifications.notices_send(notice_ids=ids) == 0
    assert Notice.objects.get(pk=ids[0]).state == NoticeState.SKIPPED
    assert mail.outbox == []


def test_a_profile_error_keeps_the_email_choices(learner, learner_client):
    learner_client.post(
        reverse("accounts:profile"),
        {
            "display_name": "",
            "certificate_name": "",
            "time_zone": "America/New_York",
            "preferred_language": "en",
        },
    )
    assert not NotificationPreference.objects.exists()


# --- Open responses waiting -----------------------------------------------------------------


def test_graders_are_told_learners_and_other_staff_are_not(
    learner, essay_quiz, django_capture_on_commit_callbacks
):
    """Everyone the access selector lets grade the attempt (coordinators of the learner's
    cohort, administrators), and no one else."""
    first, second = coordinator_user(), coordinator_user()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    bystander = UserFactory(is_staff=True)
    coordinator_user(is_active=False)
    elsewhere = make_coordinator(cohorts=[Cohort.objects.create(name="Another district")])
    with django_capture_on_commit_callbacks(execute=True):
        submit_essay(learner, essay_quiz)
    told = sorted(address for m in mail.outbox for address in m.to)
    assert told == sorted([first.email, second.email, superuser.email])
    assert bystander.email not in told and learner.email not in told
    assert elsewhere.email not in told  # the cohort scope of the access selector
    [email] = sent_to(first.email)
    assert email.subject == "Liaison Academy: Open answers to grade in “Reflection <quiz>”"
    assert "1 submitted attempt" in email.body
    assert reverse("grading:index") in email.body
    assert "We listened first" not in email.body and learner.email not in email.body


def test_at_most_one_email_an_hour_per_quiz_per_coordinator(essay_quiz, course, index):
    """Inside the window a new submission waits; when the window ends one email counts all
    that still waits. Another quiz has its own window."""
    grader = coordinator_user()
    t0 = timezone.now()
    hour = datetime.timedelta(hours=1)

    made = []

    def submitted(learner, quiz, at):
        attempt = submit_essay(learner, quiz, now=at)
        made.append(attempt)
        event = event_of(LearnerEventKind.ATTEMPT_AWAITING_GRADING, subject_id=attempt.pk)
        return notifications.notices_send(
            notice_ids=notifications.notices_create(event=event, now=at), now=at
        )

    assert submitted(UserFactory(), essay_quiz, t0) == 1
    grade(made[0], grader)  # graded already: the next email counts only what still waits
    assert submitted(UserFactory(), essay_quiz, t0 + datetime.timedelta(minutes=10)) == 0
    assert submitted(UserFactory(), essay_quiz, t0 + datetime.timedelta(minutes=50)) == 0
    assert notifications.notices_send_due(now=t0 + hour - datetime.timedelta(seconds=1)) == 0
    other_quiz = build_quiz(
        ModulePage.objects.child_of(course).first(),
        questions=[Question.objects.get(title="Essay")],
        title="Other",
    )
    assert submitted(UserFactory(), other_quiz, t0 + datetime.timedelta(minutes=20)) == 1
    assert len(sent_to(grader.email)) == 2
    assert notifications.notices_send_due(now=t0 + hour) == 1
    emails = sent_to(grader.email)
    assert len(emails) == 3
    assert "2 submitted attempts" in emails[-1].body
    # The next hour starts from that email: one more submission waits for it.
    assert submitted(UserFactory(), essay_quiz, t0 + hour + datetime.timedelta(minutes=5)) == 0
    assert notifications.notices_send_due(now=t0 + 2 * hour - datetime.timedelta(seconds=1)) == 0
    assert notifications.notices_send_due(now=t0 + 2 * hour) == 1


def test_nothing_is_sent_when_all_was_graded_inside_the_window(essay_quiz):
    grader = coordinator_user()
    t0 = timezone.now()
    first = submit_essay(UserFactory(), essay_quiz, now=t0)
    event = event_of(LearnerEventKind.ATTEMPT_AWAITING_GRADING, subject_id=first.pk)
    notifications.notices_send(notice_ids=notifications.notices_create(event=event, now=t0), now=t0)
    later = t0 + datetime.timedelta(minutes=5)
    second = submit_essay(UserFactory(), essay_quiz, now=later)
    event = event_of(LearnerEventKind.ATTEMPT_AWAITING_GRADING, subject_id=second.pk)
    notifications.notices_create(event=event, now=later)
    grade(first, grader)
    grade(second, grader)
    assert notifications.notices_send_due(now=t0 + datetime.timedelta(hours=1)) == 0
    assert len(sent_to(grader.email)) == 1
    assert Notice.objects.filter(state=NoticeState.SKIPPED, skipped_reason="nothing to tell").count() == 1


def test_each_coordinator_may_turn_it_off(client, learner, essay_quiz, django_capture_on_commit_callbacks):
    quiet, keen = coordinator_user(), coordinator_user()
    client.force_login(quiet)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="notify-open_responses_waiting"' in page
    client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Quiet",
            "certificate_name": "",
            "time_zone": "America/New_York",
            "preferred_language": "en",
            "notify-grade_released": "on",
        },
    )
    prefs = notifications.notification_preferences(user=quiet)
    # Every box offered and left unticked is off, the scheduled rows too.
    assert prefs == {
        "certificate_ready": True,
        "grade_released": True,
        "open_responses_waiting": False,
        "course_due_reminder": False,
        "coordinator_digest": False,
    }
    with django_capture_on_commit_callbacks(execute=True):
        submit_essay(learner, essay_quiz)
    assert sent_to(quiet.email) == []
    assert len(sent_to(keen.email)) == 1


def test_a_mail_server_failure_never_fails_the_learners_submit(
    learner, essay_quiz, monkeypatch, django_capture_on_commit_callbacks
):
    """On the embedded default the email runs in the request after commit: a failure is
    recorded on the notice and the submit stands."""
    coordinator_user()

    def failing(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMultiAlternatives, "send", failing)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = submit_essay(learner, essay_quiz)
    assert attempt.state == AttemptState.NEEDS_GRADING
    assert Notice.objects.get().state == NoticeState.PENDING
