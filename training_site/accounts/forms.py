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
