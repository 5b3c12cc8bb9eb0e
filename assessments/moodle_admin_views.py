"""Wagtail admin views for Moodle XML import and export, beside GIFT's.

Same steps as the GIFT screens: upload -> preview (nothing written) -> confirm. The
confirmed import runs in the request in one transaction: the GIFT job model stores GIFT
text, and a Moodle XML file is bounded by the same size and question limits.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.admin_views import _require
from assessments.forms import GIFT_MAX_BYTES, GiftExportForm, _bank_checked, _tags_checked
from assessments.services.gift_import import BANK_PATH_MAX_LENGTH
from assessments.services.moodle_xml_import import (
    MoodleXmlImportError,
    question_bank_export_moodle_xml,
    question_bank_import_moodle_xml,
    question_bank_import_moodle_xml_preview,
)

MOODLE_XML_MAX_BYTES = GIFT_MAX_BYTES


class MoodleXmlUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Moodle XML file"), help_text=gettext_lazy("A .xml file exported from Moodle.")
    )
    bank = forms.CharField(
        label=gettext_lazy("Bank path"),
        required=False,
        max_length=BANK_PATH_MAX_LENGTH,
        help_text=gettext_lazy(
            "Optional: import every question into this bank instead of the file's categories."
        ),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"), required=False, help_text=gettext_lazy("Comma-separated competency tags.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MOODLE_XML_MAX_BYTES:
            raise ValidationError(_("The file is larger than 1 MB. Split it into several files."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file is not UTF-8 text.")) from error

    def clean_bank(self):
        return _bank_checked(self.cleaned_data["bank"])

    def clean_tags(self):
        return _tags_checked(self.cleaned_data["tags"])


class MoodleXmlConfirmForm(forms.Form):
    """The previewed upload posted back: checked again, since hidden fields can be changed."""

    text = forms.CharField(widget=forms.HiddenInput, max_length=MOODLE_XML_MAX_BYTES, strip=False)
    bank = forms.CharField(widget=forms.HiddenInput, required=False, max_length=BANK_PATH_MAX_LENGTH)
    tags = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_bank(self):
        return _bank_checked(self.cleaned_data["bank"])

    def clean_tags(self):
        return ",".join(_tags_checked(self.cleaned_data["tags"]))


def moodle_xml_import(request):
    """Upload -> preview -> confirm, which imports the whole file or nothing."""
    _require(request, "add_question")
    context = {"upload_form": MoodleXmlUploadForm(), "page_title": _("Import Moodle XML")}
    if request.method == "POST" and "confirm" in request.POST:
        form = MoodleXmlConfirmForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("The import form was changed. Upload the file again."))
        tags = [t for t in form.cleaned_data["tags"].split(",") if t]
        try:
            report = question_bank_import_moodle_xml(
                data=form.cleaned_data["text"],
                bank_path=form.cleaned_data["bank"] or None,
                tags=tags,
                user=request.user,
            )
        except MoodleXmlImportError as error:
            # The file was checked at the preview; only a changed form or a bank that
            # changed in between gets here.
            context["problems"] = error.problems
            return TemplateResponse(request, "assessments/admin/moodle_xml_import.html", context)
        messages.success(
            request,
            _("Imported %(created)d new and %(updated)d updated questions into %(bank)s (tags: %(tags)s).")
            % {
                "created": len(report.created),
                "updated": len(report.updated),
                "bank": form.cleaned_data["bank"] or _("the file's categories"),
                "tags": ", ".join(tags) or "—",
            },
        )
        return redirect("moodle_xml:import")
    if request.method == "POST":
        form = MoodleXmlUploadForm(request.POST, request.FILES)
        context["upload_form"] = form
        if form.is_valid():
            text, bank, tags = form.cleaned_data["file"], form.cleaned_data["bank"], form.cleaned_data["tags"]
            try:
                preview = question_bank_import_moodle_xml_preview(data=text, bank_path=bank or None)
            except MoodleXmlImportError as error:
                context["problems"] = error.problems
            else:
                context["preview"] = preview.rows
                context["warnings"] = preview.warnings
                context["confirm_form"] = MoodleXmlConfirmForm(
                    initial={"text": text, "bank": bank, "tags": ",".join(tags)}
                )
    return TemplateResponse(request, "assessments/admin/moodle_xml_import.html", context)


def moodle_xml_export(request):
    _require(request, "view_question")
    form = GiftExportForm(request.GET or None)
    context = {"form": form, "page_title": _("Export Moodle XML")}
    if request.GET and form.is_valid():
        tags = [t.strip() for t in form.cleaned_data["tags"].split(",") if t.strip()]
        export = question_bank_export_moodle_xml(bank_path=form.cleaned_data["bank"] or None, tags=tags)
        if "download" in request.GET:
            response = HttpResponse(export.text, content_type="application/xml; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="questions.xml"'
            return response
        context["export"] = export
    return TemplateResponse(request, "assessments/admin/moodle_xml_export.html", context)
