from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from training_site.notifications import (
    notification_preferences,
    notification_preferences_set,
    notifications_offered,
)

from .models import TIME_ZONE_CHOICES, User


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How we address you on the site."),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "certificate_name", "time_zone", "preferred_language"]

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("display_name") or cleaned.get("certificate_name")):
            self.add_error(
                "display_name",
                _("Enter your name: it is how we address you and what is printed on your certificates."),
            )
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


# Most learners are in the US: their zones come first, by name, then every zone sorted.
US_TIME_ZONES = [
    ("America/New_York", _("Eastern (New York)")),
    ("America/Chicago", _("Central (Chicago)")),
    ("America/Denver", _("Mountain (Denver)")),
    ("America/Phoenix", _("Arizona (Phoenix)")),
    ("America/Los_Angeles", _("Pacific (Los Angeles)")),
    ("America/Anchorage", _("Alaska (Anchorage)")),
    ("Pacific/Honolulu", _("Hawaii (Honolulu)")),
    ("America/Puerto_Rico", _("Atlantic (Puerto Rico)")),
]


def time_zone_choices() -> list:
    common = {value for value, _label in US_TIME_ZONES}
    rest = [(value, value.replace("_", " ")) for value, _label in TIME_ZONE_CHOICES if value not in common]
    return [(_("Common in the US"), US_TIME_ZONES), (_("All time zones"), rest)]


class NotificationPreferencesForm(forms.Form):
    """The emails the user can receive (rows of the notification table), each a checkbox;
    one that cannot be turned off is shown ticked and disabled."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = notification_preferences(user=user)
        always = _("Always sent: it is about your own record.")
        for row in notifications_offered(user=user):
            self.fields[row.key] = forms.BooleanField(
                label=row.label,
                required=False,
                initial=current[row.key],
                disabled=not row.may_turn_off,
                help_text=row.help_text if row.may_turn_off else always,
            )

    def save(self) -> None:
        notification_preferences_set(user=self.user, choices=self.cleaned_data)
