"""The learner event log: one row per fact about a learner's record, and its deliveries.

An event is written in the same transaction as the fact it records (a lesson completed, a
quiz passed, a certificate issued, ...), keyed so the same occurrence is never recorded
twice. Features that react to these facts (notifications, badges, readiness, reports)
subscribe through the setting ``LEARNER_EVENT_SUBSCRIBERS`` and receive each event at least
once, after commit, from a Celery task; a delivery row per (event, subscriber) records how
that went. See courses/events.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LearnerEventKind(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    LESSON_COMPLETED = "lesson_completed", _("Lesson completed")
    LESSON_REOPENED = "lesson_reopened", _("Lesson reopened")
    ACTIVITY_PASSED = "activity_passed", _("Activity passed")
    ACTIVITY_FAILED = "activity_failed", _("Activity not passed")
    COURSE_COMPLETED = "course_completed", _("Course completed")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    CERTIFICATE_REISSUED = "certificate_reissued", _("Certificate reissued")
    CERTIFICATE_REINSTATED = "certificate_reinstated", _("Certificate revocation undone")
    CERTIFICATE_READY = "certificate_ready", _("Certificate ready to download")
    ATTEMPT_AWAITING_GRADING = "attempt_awaiting_grading", _("Submitted for grading")
    ATTEMPT_GRADED = "attempt_graded", _("Grade released")
    ROLE_CHOSEN = "role_chosen", _("Target role chosen")
    REQUIREMENT_MET = "requirement_met", _("Role requirement met")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")


class LearnerEvent(models.Model):
    """A fact about one learner's record, as it happened. Never updated after it is written."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_events"
    )
    kind = models.CharField(max_length=40, choices=LearnerEventKind.choices)
    #: What the event is about, e.g. ("course", 12), ("activity", 40), ("certificate", 7).
    subject_type = models.CharField(max_length=40)
    subject_id = models.PositiveBigIntegerField()
    course = models.ForeignKey(
        "courses.CoursePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: What a reader needs without joining editorial content that may change (titles, scores).
    payload = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    #: One per occurrence, e.g. "lesson_completed:<progress id>": a repeated or racing action
    #: finds the row already there instead of writing a second one.
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["learner", "-occurred_at"]),
            models.Index(fields=["course", "kind", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.learner_id} ({self.subject_type} {self.subject_id})"

    @property
    def description(self) -> str:
        """The event in words for the learner's activity history, from what it copied."""
        p = self.payload
        template = _DESCRIPTIONS.get(self.kind)
        if template is None:
            return self.get_kind_display()
        return str(template) % {
            "course": p.get("course_title", ""),
            "lesson": p.get("lesson_title", ""),
            "activity": p.get("activity_title", ""),
            "score": p.get("score_percent") or "",
            "code": p.get("code", ""),
            "role": p.get("role_title", ""),
            "requirement": p.get("requirement_label", ""),
            "cohort": p.get("cohort_name", ""),
        }


_DESCRIPTIONS = {
    LearnerEventKind.ENROLLED: _("Enrolled in “%(course)s”"),
    LearnerEventKind.LESSON_COMPLETED: _("Completed the lesson “%(lesson)s”"),
    LearnerEventKind.LESSON_REOPENED: _("Marked the lesson “%(lesson)s” not complete"),
    LearnerEventKind.ACTIVITY_PASSED: _("Passed “%(activity)s”"),
    LearnerEventKind.ACTIVITY_FAILED: _("Did not pass “%(activity)s” yet"),
    LearnerEventKind.COURSE_COMPLETED: _("Completed the course “%(course)s”"),
    LearnerEventKind.CERTIFICATE_ISSUED: _("Certificate %(code)s issued for “%(course)s”"),
    LearnerEventKind.CERTIFICATE_REVOKED: _("Certificate %(code)s revoked"),
    LearnerEventKind.CERTIFICATE_REISSUED: _("Certificate %(code)s issued as a replacement"),
    LearnerEventKind.CERTIFICATE_REINSTATED: _("Certificate %(code)s is valid again"),
    LearnerEventKind.ROLE_CHOSEN: _("Chose the target role “%(role)s”"),
    LearnerEventKind.REQUIREMENT_MET: _("Met “%(requirement)s” for “%(role)s”"),
    LearnerEventKind.CERTIFICATE_READY: _("Certificate %(code)s ready to download"),
    LearnerEventKind.ATTEMPT_AWAITING_GRADING: _("Submitted “%(activity)s”: open answers wait for grading"),
    LearnerEventKind.INVITATION_ACCEPTED: _("Joined %(cohort)s by invitation"),
    LearnerEventKind.ATTEMPT_GRADED: _("“%(activity)s” graded: %(score)s%%"),
}


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")


class LearnerEventDelivery(models.Model):
    """One subscriber's receipt of one event: pending until the subscriber returned, with the
    attempts made and the last error, so a failing subscriber is retried and visible."""

    event = models.ForeignKey(LearnerEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("learner event deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="courses_eventdelivery_unique"),
            models.CheckConstraint(
                condition=Q(state="delivered", delivered_at__isnull=False) | Q(state="pending"),
                name="courses_eventdelivery_delivered_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subscriber} ← event {self.event_id}: {self.state}"
