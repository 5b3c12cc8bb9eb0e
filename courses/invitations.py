"""Invitations: the emailed link a person without an account uses to set a password.

Decision record
- **Token.** 32 random bytes (``secrets.token_urlsafe``) in the link; only its SHA-256 is
  stored. A signed token (django.core.signing) would need no column, but could not be
  revoked without one, and a resend should make the previous email's link stop working:
  a stored hash gives both, and a leaked database row accepts nothing.
- **Account first.** The account is created with the invitation (unusable password), so the
  person is a cohort member, enrolled in the cohort's courses and shown as "invited" in the
  progress matrix before they accept. Accepting sets the password, marks the address
  verified and primary in allauth, logs them in and records an ``invitation_accepted``
  learner event.
- **Not a row of the notifications table.** That table (training_site/notifications.py)
  is driven by learner events and re-renders an email from stored records when a notice is
  sent, retried or batched. An invitation is sent before the person has done anything, and
  its email must carry the raw token, which exists only in memory when it is made (only
  its hash is stored): a notice could not rebuild the link. So it is sent directly, after
  commit, in the site's email design (account/email/base_message.*).
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.events import learner_event_record
from courses.models import Cohort, Invitation, LearnerEventKind
from training_site.accounts.adapters import site_identity

INVITATION_DEFAULT_DAYS = 30
INVITATION_MAX_DAYS = 365


NOT_RESENDABLE = gettext_lazy("Only an invitation that has not been accepted or revoked can be sent again.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def invitation_accept_url(token: str) -> str:
    return settings.BASE_URL + reverse("courses:invitation_accept", args=[token])


def invitation_create(
    *, learner, cohort: Cohort, invited_by, expires_days: int = INVITATION_DEFAULT_DAYS
) -> tuple[Invitation, str]:
    """Record an invitation for ``learner`` (an account made for them) and email it after
    commit. Returns the invitation and its token (the only place the token exists)."""
    token, token_hash = _new_token()
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=learner.email,
        learner=learner,
        cohort=cohort,
        invited_by=invited_by,
        token_hash=token_hash,
        created_at=now,
        sent_at=now,
        expires_at=now + datetime.timedelta(days=expires_days),
    )
    _send_on_commit(invitation=invitation, token=token)
    return invitation, token


def invitation_resend(*, invitation: Invitation, expires_days: int = INVITATION_DEFAULT_DAYS) -> str:
    """Send a pending or expired invitation again with a new link and a new expiry; the
    previous link stops working. Raises ValidationError for a joined or revoked one."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError(
            _("Only an invitation that has not been accepted or revoked can be sent again.")
        )
    token, token_hash = _new_token()
    now = timezone.now()
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(token_hash=token_hash, sent_at=now, expires_at=now + datetime.timedelta(days=expires_days))
    if not updated:
        raise ValidationError(
            _("Only an invitation that has not been accepted or revoked can be sent again.")
        )
    invitation.refresh_from_db()
    _send_on_commit(invitation=invitation, token=token)
    return token


def invitation_revoke(*, invitation: Invitation) -> bool:
    """Make the invitation's link stop working. The account and its cohort membership stay
    (remove the person under Cohort members); returns False if it was already over."""
    return bool(
        Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("learner", "cohort").filter(token_hash=_hash(token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why the link cannot be used, in the person's words, or None when it can."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link from the email.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Sign in with your email address and password.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn. Ask your training coordinator for a new one.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask your training coordinator to send it again.")
    return None


@dataclass(frozen=True)
class AcceptOutcome:
    learner: object
    cohort: Cohort


def invitation_accept(*, token: str, password: str) -> AcceptOutcome:
    """Accept the invitation: set the password, verify the address, join the cohort and
    record the event, in one transaction. A used, revoked or expired invitation (or a
    second submit racing the first) raises ValidationError and changes nothing. The
    password is validated by the caller's form (Django's validators)."""
    from courses.services import cohort_member_add

    with transaction.atomic():
        invitation = invitation_for_token(token)
        problem = invitation_problem(invitation)
        if problem:
            raise ValidationError(problem)
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now)
        if not claimed:
            raise ValidationError(invitation_problem(Invitation.objects.get(pk=invitation.pk)) or "")
        learner = invitation.learner
        learner.set_password(password)
        learner.is_active = True
        learner.save(update_fields=["password", "is_active"])
        EmailAddress.objects.filter(user=learner).exclude(email__iexact=learner.email).update(primary=False)
        address = EmailAddress.objects.filter(user=learner, email__iexact=learner.email).first()
        if address is None:
            EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)
        else:
            address.verified, address.primary = True, True
            address.save(update_fields=["verified", "primary"])
        cohort_member_add(cohort=invitation.cohort, learner=learner)
        learner_event_record(
            learner=learner,
            kind=LearnerEventKind.INVITATION_ACCEPTED,
            key=f"invitation_accepted:{invitation.pk}",
            subject_type="cohort",
            subject_id=invitation.cohort_id,
            payload={"cohort_name": invitation.cohort.name},
            occurred_at=now,
        )
    return AcceptOutcome(learner=learner, cohort=invitation.cohort)


def invited_account_create(*, email: str, first_name: str, last_name: str, certificate_name: str):
    """An account for a person being invited: no usable password until they accept."""
    user_model = get_user_model()
    display_name = " ".join(part for part in (first_name, last_name) if part)[:150]
    try:
        with transaction.atomic():
            return user_model.objects.create_user(
                email=email,
                password=None,
                first_name=first_name,
                last_name=last_name,
                display_name=display_name,
                certificate_name=certificate_name,
            )
    except IntegrityError:
        # Someone signed up with the address since the plan was made: use their account.
        return user_model.objects.get(email__iexact=email)


def _send_on_commit(*, invitation: Invitation, token: str) -> None:
    invitation_id = invitation.pk
    transaction.on_commit(lambda: invitation_email_send(invitation_id=invitation_id, token=token))


def invitation_email_send(*, invitation_id: int, token: str) -> bool:
    """Email the invitation's link. Sends nothing for an invitation that is over or whose
    token changed since (a resend sent the newer one)."""
    invitation = (
        Invitation.objects.select_related("learner", "cohort", "invited_by")
        .filter(pk=invitation_id, token_hash=_hash(token), accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    learner = invitation.learner
    context = {
        "invitation": invitation,
        "learner": learner,
        "cohort_name": invitation.cohort.name,
        "inviter_name": str(invitation.invited_by) if invitation.invited_by else "",
        "accept_url": invitation_accept_url(token),
        "current_site": site_identity(),
        "site_url": settings.BASE_URL,
    }
    with translation.override(learner.preferred_language):
        subject = " ".join(render_to_string("courses/email/invitation_subject.txt", context).split())
        text = render_to_string("courses/email/invitation_message.txt", context)
        html = render_to_string("courses/email/invitation_message.html", context)
    message = EmailMultiAlternatives(
        subject=f"{site_identity().name}: {subject}", body=text, to=[invitation.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return True
