import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from assessments.models.questions import build_grading_data, grading_data_errors
from assessments.services.gift_import import BANK_PATH_MAX_LENGTH, bank_path_errors, tag_errors
from training_site.input_cleaning import has_control_characters

GIFT_MAX_BYTES = 1024 * 1024


def _live_forms(formset):
    formset.is_valid()
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


class QuestionForm(WagtailAdminModelForm):
    """Checks, on save, that the question can be graded (e.g. an essay's rubric adds up)."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned

        def rows(name, fields):
            out = []
            for form in _live_forms(self.formsets[name]):
                row = {f: form.cleaned_data.get(f) for f in fields}
                row["key"] = str(getattr(form.instance, "key", None) or uuid.uuid4())
                out.append(row)
            return out

        numeric = rows(
            "numeric_answers", ["value", "tolerance", "min_value", "max_value", "fraction", "feedback"]
        )
        data = build_grading_data(
            qtype=cleaned.get("qtype"),
            source={
                "marks": cleaned.get("marks") or Decimal("0"),
                "options": rows("options", ["text", "fraction", "feedback"]),
                "tf_answer": cleaned.get("tf_answer"),
                "feedback_true": cleaned.get("feedback_true", ""),
                "feedback_false": cleaned.get("feedback_false", ""),
                "numeric_answers": [{**a, "min": a["min_value"], "max": a["max_value"]} for a in numeric],
                "pairs": rows("pairs", ["left", "right"]),
                "distractors": cleaned.get("distractors", ""),
                "rubric": rows("rubric_criteria", ["criterion", "points", "levels"]),
            },
        )
        for error in grading_data_errors(data):
            self.add_error(None, ValidationError(error))
        return cleaned


def _bank_checked(bank: str) -> str:
    errors = bank_path_errors(bank) if bank else []
    if errors:
        raise ValidationError(errors)
    return bank


def _tags_checked(value: str) -> list[str]:
    tags = [t.strip() for t in value.split(",") if t.strip()]
    if errors := tag_errors(tags):
        raise ValidationError(errors)
    return tags


class GiftUploadForm(forms.Form):
    file = forms.FileField(label=_("GIFT file"), help_text=_("A .gift or .txt file exported from Moodle."))
    bank = forms.CharField(
        label=_("Bank path"),
        required=False,
        max_length=BANK_PATH_MAX_LENGTH,
        help_text=_("Optional: import every question into this bank instead of the file's $CATEGORY."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated competency tags."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > GIFT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 1 MB. Split it into several files."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is not UTF-8 text.")) from error
        for number, line in enumerate(text.splitlines(), start=1):
            if has_control_characters(line):
                raise ValidationError(
                    _("Line %(line)d contains a control character (such as NUL) that no question may hold.")
                    % {"line": number}
                )
        return text

    def clean_bank(self):
        return _bank_checked(self.cleaned_data["bank"])

    def clean_tags(self):
        return _tags_checked(self.cleaned_data["tags"])


class GiftConfirmForm(forms.Form):
    """The previewed upload, posted back to confirm: the upload's checks again, since hidden
    fields can be changed. Control characters are refused for every form by
    training_site.input_cleaning.ControlCharacterMiddleware."""

    text = forms.CharField(widget=forms.HiddenInput, max_length=GIFT_MAX_BYTES)
    bank = forms.CharField(widget=forms.HiddenInput, required=False, max_length=BANK_PATH_MAX_LENGTH)
    tags = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_bank(self):
        return _bank_checked(self.cleaned_data["bank"])

    def clean_tags(self):
        return ",".join(_tags_checked(self.cleaned_data["tags"]))


class GiftExportForm(forms.Form):
    bank = forms.CharField(label=_("Bank path"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated."))


class GradingQueueFilterForm(forms.Form):
    """The grading queue's filters; the cohort choices are the grader's own cohorts."""

    course = forms.ModelChoiceField(queryset=None, required=False, label=_("Course"))
    quiz = forms.ModelChoiceField(queryset=None, required=False, label=_("Quiz"))
    cohort = forms.ModelChoiceField(queryset=None, required=False, label=_("Cohort"))

    def __init__(self, *args, user, **kwargs):
        from assessments.models import QuizPage
        from courses.models import CoursePage
        from courses.selectors import cohort_visible_to

        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.order_by("title")
        self.fields["quiz"].queryset = QuizPage.objects.order_by("title")
        self.fields["cohort"].queryset = cohort_visible_to(user=user).order_by("name")


class ReopenAttemptForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes to finish"),
        min_value=1,
        max_value=600,
        initial=15,
        help_text=_("Counted from now. The learner's saved answers are kept."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("The technical fault that ended the attempt. Kept in the attempt's history."),
    )


class GrantAttemptForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept in the attempt's history. Only this learner gets the extra attempt."),
    )
