from allauth.account.models import EmailAddress
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from training_site.readiness.models import CertificationHeld, EducationEntry, ExperienceEntry


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EducationForm(forms.ModelForm):
    class Meta:
        model = EducationEntry
        fields = ["level", "field_of_study", "institution", "year", "in_progress"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("in_progress") and cleaned.get("year") is None and "year" not in self.errors:
            self.add_error("year", _("Enter the year you finished, or tick “still studying”."))
        return cleaned


class ExperienceForm(forms.ModelForm):
    class Meta:
        model = ExperienceEntry
        fields = [
            "organization",
            "role_title",
            "category",
            "started_on",
            "ended_on",
            "hours_per_week",
            "total_hours",
            "school_setting",
            "diverse_communities",
            "communities_served",
            "supervisor_name",
            "supervisor_email",
            "description",
        ]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}

    def __init__(self, *args, learner, **kwargs):
        super().__init__(*args, **kwargs)
        self.learner = learner

    def clean(self):
        cleaned = super().clean()
        weekly, total = cleaned.get("hours_per_week"), cleaned.get("total_hours")
        if (weekly is None) == (total is None) and not {"hours_per_week", "total_hours"} & set(self.errors):
            self.add_error("total_hours", _("Give either hours per week or total hours, not both."))
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        today = timezone.localdate()
        if started and started > today:
            self.add_error("started_on", _("The start date cannot be in the future."))
        if started and ended and ended < started:
            self.add_error("ended_on", _("The end date cannot be before the start date."))
        email = (cleaned.get("supervisor_email") or "").strip().lower()
        if email and email in self._own_emails():
            self.add_error("supervisor_email", _("Enter your supervisor's email address, not your own."))
        return cleaned

    def _own_emails(self) -> set[str]:
        own = {self.learner.email.lower()}
        own.update(
            e.lower() for e in EmailAddress.objects.filter(user=self.learner).values_list("email", flat=True)
        )
        return own


class CertificationForm(forms.ModelForm):
    class Meta:
        model = CertificationHeld
        fields = ["name", "issuer", "credential_number", "issued_on", "expires_on"]
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and issued > timezone.localdate():
            self.add_error("issued_on", _("The issue date cannot be in the future."))
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The expiry date cannot be before the issue date."))
        return cleaned


LEVEL_CHOICES = [("", _("Not rated"))] + [(str(n), str(n)) for n in range(1, 6)]


class SkillsForm(forms.Form):
    """One level (1–5) and a short reflection per skill."""

    def __init__(self, *args, skills: list[str], current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.skills = skills
        for index, skill in enumerate(skills):
            level, reflection = current.get(skill.casefold(), (None, ""))
            self.fields[f"level_{index}"] = forms.TypedChoiceField(
                label=_("%(skill)s: your level (1 just starting, 5 confident)") % {"skill": skill},
                choices=LEVEL_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial=str(level) if level else "",
            )
            self.fields[f"reflection_{index}"] = forms.CharField(
                label=_("%(skill)s: a short reflection") % {"skill": skill},
                max_length=1000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=reflection,
            )

    def ratings(self) -> dict[str, tuple[int, str]]:
        result = {}
        for index, skill in enumerate(self.skills):
            level = self.cleaned_data.get(f"level_{index}")
            if level is not None:
                result[skill] = (level, self.cleaned_data.get(f"reflection_{index}", ""))
        return result
