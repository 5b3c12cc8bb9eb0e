from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from certificates.selectors import certificate_code_normalize
from courses.models import CoursePage


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        max_length=40,
        help_text=_("Printed under the QR code, for example SCL-7K3M-9Q2P."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = certificate_code_normalize(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A code has the letters SCL and eight letters or digits, like SCL-7K3M-9Q2P."),
                code="format",
            )
        return code


class AwardForm(forms.Form):
    """Award a certificate for prior learning (Wagtail admin)."""

    email = forms.EmailField(label=_("Learner's email address"))
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=CoursePage.objects.none(), empty_label=_("Choose a course")
    )
    note = forms.CharField(
        label=_("Prior learning"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("What the learner completed elsewhere and how it was checked. Kept with the enrollment."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")

    def clean_email(self):
        email = self.cleaned_data["email"]
        learner = get_user_model().objects.filter(email__iexact=email).first()
        if learner is None:
            raise forms.ValidationError(_("No account uses this email address."), code="unknown_learner")
        self.learner = learner
        return email


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept in the certificate's history. The public verification page shows only the date."),
    )


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Why the revocation was a mistake. Kept in the certificate's history with the revocation's "
            "date and reason; the verification page shows the certificate as valid again."
        ),
    )
