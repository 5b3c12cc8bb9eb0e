"""Wagtail admin views: GIFT import (as a background job) and export, grading."""

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from assessments import gift
from assessments.admin_grading import conflict_message, grading_anonymous, seen_token_parse
from assessments.forms import GiftConfirmForm, GiftExportForm, GiftUploadForm
from assessments.models import AttemptState, GiftImportStatus
from assessments.selectors import (
    attempt_visible_to,
    gift_import_jobs_visible_to,
    grading_pseudonym,
    question_banks_by_path,
)
from assessments.services.attempts import GradeConflict, response_grade_manual
from assessments.services.gift_import import (
    GiftImportError,
    question_bank_export_gift,
    question_bank_import_gift_preview,
)
from assessments.services.gift_jobs import gift_import_create, gift_import_progress

RECENT_JOBS = 5


def _require(request, codename: str):
    if not request.user.has_perm(f"assessments.{codename}"):
        raise PermissionDenied


def gift_import(request):
    """Upload → preview of what will be created or updated → confirm, which queues the
    import as a job and shows its page."""
    _require(request, "add_question")
    context = {
        "upload_form": GiftUploadForm(),
        "page_title": _("Import GIFT"),
        "recent_jobs": list(
            gift_import_jobs_visible_to(user=request.user)
            .filter(created_by=request.user)
            .only("pk", "status", "created_at", "bank_path", "total")[:RECENT_JOBS]
        ),
    }
    if request.method == "POST" and "confirm" in request.POST:
        form = GiftConfirmForm(request.POST)
        if not form.is_valid():
            # Only a tampered or truncated confirm form gets here: the preview made it.
            return HttpResponseBadRequest(_("The import form was changed. Upload the file again."))
        tags = [t for t in form.cleaned_data["tags"].split(",") if t]
        job = gift_import_create(
            text=form.cleaned_data["text"], bank_path=form.cleaned_data["bank"], tags=tags, user=request.user
        )
        return redirect("gift:job", job_id=job.pk)
    if request.method == "POST":
        form = GiftUploadForm(request.POST, request.FILES)
        context["upload_form"] = form
        if form.is_valid():
            text, bank, tags = form.cleaned_data["file"], form.cleaned_data["bank"], form.cleaned_data["tags"]
            try:
                preview = question_bank_import_gift_preview(text=text, bank_path=bank or None)
            except GiftImportError as error:
                context["problems"] = error.problems
            else:
                context["preview"] = preview.rows
                context["warnings"] = preview.warnings
                context["confirm_form"] = GiftConfirmForm(
                    initial={"text": text, "bank": bank, "tags": ",".join(tags)}
                )
    return TemplateResponse(request, "assessments/admin/gift_import.html", context)


def gift_import_job(request, job_id: int):
    """A job's progress while it is queued or running (the page refreshes itself), then its
    outcome: the banks it filled, or why nothing was imported."""
    _require(request, "add_question")
    job = get_object_or_404(gift_import_jobs_visible_to(user=request.user), pk=job_id)
    processed, total = gift_import_progress(job=job)
    banks = question_banks_by_path(paths=job.bank_paths) if job.status == GiftImportStatus.DONE else []
    list_url = reverse("wagtailsnippets_assessments_question:list")
    return TemplateResponse(
        request,
        "assessments/admin/gift_import_job.html",
        {
            "job": job,
            "processed": processed,
            "total": total,
            "banks": [(bank, f"{list_url}?{urlencode({'bank': bank.pk})}") for bank in banks],
            "page_title": _("GIFT import"),
        },
    )


def gift_export(request):
    _require(request, "view_question")
    form = GiftExportForm(request.GET or None)
    if request.GET and form.is_valid():
        tags = [t.strip() for t in form.cleaned_data["tags"].split(",") if t.strip()]
        export = question_bank_export_gift(bank_path=form.cleaned_data["bank"] or None, tags=tags)
        if "download" in request.GET:
            response = HttpResponse(export.text, content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="questions.gift"'
            return response
        return TemplateResponse(
            request,
            "assessments/admin/gift_export.html",
            {
                "form": form,
                "export": export,
                "page_title": _("Export GIFT"),
                "parsed": gift.parse_gift(export.text),
            },
        )
    return TemplateResponse(
        request, "assessments/admin/gift_export.html", {"form": form, "page_title": _("Export GIFT")}
    )


def grading_attempt(request, attempt_id: int):
    """Score each open response of one attempt against its rubric."""
    _require(request, "grade_attempt")
    attempt = get_object_or_404(
        attempt_visible_to(user=request.user, as_grader=True).select_related("quiz", "learner"), pk=attempt_id
    )
    responses = [r for r in attempt.responses.select_related("grader") if r.needs_manual]
    errors = {}
    if request.method == "POST":
        try:
            seen = {r.pk: seen_token_parse(request.POST.get(f"r{r.pk}-seen", "")) for r in responses}
        except ValueError:
            return HttpResponseBadRequest(_("The grading form was changed. Open the attempt again."))
        for response in responses:
            selections = {
                c["id"]: request.POST.get(f"r{response.pk}-{c['id']}", "")
                for c in response.grading_data["rubric"]
            }
            if not all(selections.values()):
                continue
            try:
                response_grade_manual(
                    response_id=response.pk,
                    selections={key: Decimal(value) for key, value in selections.items()},
                    grader=request.user,
                    comment=request.POST.get(f"r{response.pk}-comment", "")[:5000],
                    seen_graded_at=seen[response.pk],
                )
            except GradeConflict as conflict:
                errors[response.pk] = [conflict_message(conflict)]
            except (ValidationError, InvalidOperation) as error:
                errors[response.pk] = error.messages if isinstance(error, ValidationError) else [str(error)]
        if errors:
            # Show what is stored now (a conflicting grade, say), next to the messages.
            responses = [r for r in attempt.responses.select_related("grader") if r.needs_manual]
        else:
            messages.success(request, _("Grades saved."))
            return redirect("grading:index")
    return TemplateResponse(
        request,
        "assessments/admin/grading_attempt.html",
        {
            "attempt": attempt,
            "responses": responses,
            "errors": errors,
            "learner": grading_pseudonym(attempt_id=attempt.pk)
            if grading_anonymous(request) and attempt.state == AttemptState.NEEDS_GRADING
            else attempt.learner,
            "page_title": _("Grade attempt"),
        },
    )
