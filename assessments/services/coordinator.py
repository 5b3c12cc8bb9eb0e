"""Coordinator actions on one learner's attempts: reopen one that a technical fault ended,
grant one extra attempt. Both are audited with a Wagtail log entry on the attempt (who,
when, why) and change nothing for any other learner.

The reopen rule (a decision, see docs/grading.md):

* only a submitted attempt (waiting for grading or graded) that was not passed: a passed
  attempt may have completed the course and issued a certificate, which reopening could
  not take back;
* only the learner's latest attempt, with nothing graded by hand yet: a coordinator's
  grading is not thrown away, and no later attempt is overtaken;
* the answers are kept; the learner gets ``minutes`` from now to finish, whatever the
  quiz's time limit or closing date; the attempt is submitted and graded again as usual.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from assessments.models import Attempt, AttemptGrant, AttemptState, Response

REOPEN_MINUTES_MAX = 600
REASON_MAX_CHARS = 2000
REOPEN_ACTION = "assessments.attempt_reopen"
GRANT_ACTION = "assessments.attempt_grant"


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is kept in the attempt's history."), code="required")
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX_CHARS},
            code="max_length",
        )
    return reason


def attempt_reopen(*, attempt_id: int, by, minutes: int, reason: str, now: datetime | None = None) -> Attempt:
    """Reopen a submitted attempt for ``minutes`` with its answers kept. Raises
    ValidationError with a message for the coordinator when the rule above refuses."""
    now = now or timezone.now()
    reason = _reason(reason)
    if not 1 <= minutes <= REOPEN_MINUTES_MAX:
        raise ValidationError(
            _("Give between 1 and %(max)d minutes.") % {"max": REOPEN_MINUTES_MAX}, code="out_of_range"
        )
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.state not in (AttemptState.SUBMITTED, AttemptState.NEEDS_GRADING, AttemptState.GRADED):
            raise ValidationError(_("Only a submitted attempt can be reopened."), code="not_submitted")
        if attempt.passed:
            raise ValidationError(_("A passed attempt cannot be reopened."), code="passed")
        latest = Attempt.objects.filter(learner_id=attempt.learner_id, quiz_id=attempt.quiz_id).aggregate(
            n=Max("number")
        )["n"]
        if attempt.number != latest:
            raise ValidationError(
                _("Only the learner's latest attempt at this quiz can be reopened."), code="not_latest"
            )
        if attempt.responses.filter(graded_at__isnull=False).exists():
            raise ValidationError(
                _("A coordinator has already graded answers of this attempt: it cannot be reopened."),
                code="graded_by_hand",
            )
        previous = {
            "state": attempt.state,
            "percent": None if attempt.percent is None else str(attempt.percent),
            "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
            "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        }
        attempt.state = AttemptState.IN_PROGRESS
        attempt.deadline = now + timedelta(minutes=minutes)
        attempt.submitted_at = attempt.graded_at = attempt.score = attempt.percent = None
        # A page still open from before the fault must reload before it can save again.
        attempt.sequence += 1
        attempt.save(
            update_fields=["state", "deadline", "submitted_at", "graded_at", "score", "percent", "sequence"]
        )
        # Answers stay; the grades they got are taken again at the next submission.
        Response.objects.filter(attempt=attempt).update(score=None, parts={}, feedback=[], needs_manual=False)
        log(
            instance=attempt,
            action=REOPEN_ACTION,
            user=by,
            data={"reason": reason, "minutes": minutes, "previous": previous},
        )
    return attempt


def attempt_grant_extra(*, attempt_id: int, by, reason: str, now: datetime | None = None) -> AttemptGrant:
    """Grant the learner of this attempt one more attempt at its quiz. Raises
    ValidationError when the quiz has no limit (there is nothing to grant)."""
    now = now or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        attempt = Attempt.objects.select_related("quiz").get(pk=attempt_id)
        if not attempt.quiz.max_attempts:
            raise ValidationError(_("This quiz allows unlimited attempts."), code="unlimited")
        grant = AttemptGrant.objects.create(
            learner_id=attempt.learner_id, quiz=attempt.quiz, granted_by=by, granted_at=now, reason=reason
        )
        log(instance=attempt, action=GRANT_ACTION, user=by, data={"reason": reason, "grant_id": grant.pk})
    return grant
