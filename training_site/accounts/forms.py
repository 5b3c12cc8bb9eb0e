from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


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
