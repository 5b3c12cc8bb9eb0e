import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class UserManager(BaseUserManager):
    """Creates users keyed by email; Django's default manager assumes a username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email address: learner, coordinator or both.

    Coordinators are members of the "Training coordinators" group, not a flag here.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    certificate_name = models.CharField(
        _("name on certificates"),
        max_length=200,
        blank=True,
        help_text=_("Printed on your certificates exactly as written. Leave blank to use your display name."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="America/New_York"
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name() or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def name_for_certificate(self) -> str:
        """The name a certificate prints, or "" when the learner has given none.

        Never the email address: a certificate and its public verification page would
        publish it. A certificate without a name is not rendered until there is one.
        """
        full_name = f"{self.first_name} {self.last_name}"
        return " ".join((self.certificate_name or self.display_name or full_name).split())


class NotificationPreference(models.Model):
    """A person's choice for one notification of the table in training_site/notifications.py.

    No row means the table's default. A notification that cannot be turned off (certificate
    ready) is never stored as off: the check constraint holds that even if a form or a
    script tried.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    #: The notification's key in the table, e.g. "grade_released".
    notification = models.CharField(max_length=60)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "notification"], name="accounts_notificationpref_unique"),
            models.CheckConstraint(
                condition=~models.Q(notification__in=["certificate_ready"], enabled=False),
                name="accounts_notificationpref_mandatory_stays_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification} {'on' if self.enabled else 'off'} for {self.user_id}"


class NoticeState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")


class Notice(models.Model):
    """One notification to one person for one occurrence (a learner event), recorded so it is
    sent at most once: the unique constraint turns a second delivery of the same event into
    nothing. Notices of a batched notification (same person, notification and batch key,
    e.g. one quiz) go out together in one email, at most one per the row's window.
    """

    notification = models.CharField(max_length=60)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    #: The learner event's idempotency key: what happened, once.
    occurrence = models.CharField(max_length=200)
    subject_type = models.CharField(max_length=40)
    subject_id = models.PositiveBigIntegerField()
    #: Notices with the same key are one email (the occurrence itself when not batched).
    batch_key = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=NoticeState.choices, default=NoticeState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Not before: the end of the batch window, or the next try after a failed send.
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    skipped_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "recipient", "occurrence"], name="accounts_notice_once_per_occurrence"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="sent") | models.Q(sent_at__isnull=False),
                name="accounts_notice_sent_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["recipient", "notification", "batch_key", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.notification} to {self.recipient_id} for {self.occurrence}: {self.state}"
