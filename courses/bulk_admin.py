"""Training → Bulk enrollment and Training → Invitations in the Wagtail admin.

Bulk enrollment is upload (or paste) → dry run → Apply. The Apply form posts the exact text
that was planned back, with an HMAC over it, the cohort, the expiry and the user (Django's
``salted_hmac`` under SECRET_KEY): a changed field, or another person's form, is a 400,
so only the content the coordinator saw in the dry run can be applied. Nothing is stored
before Apply (the dry run writes no row at all).

Invitations lists the invitations of the coordinator's cohorts (another cohort's is a 404)
with resend and revoke, each confirmed on its own page and done through courses.invitations.
"""

import hashlib
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from courses import bulk_enrollment as bulk
from courses import invitations
from courses.admin_viewsets import no_cohort_notice
from courses.models import BulkEnrollmentStatus, Cohort, Invitation, InvitationStatus
from courses.selectors import cohort_visible_to

RECENT_JOBS = 5
INVITATIONS_PER_PAGE = 50


def _require(request, *codenames: str) -> None:
    if not all(request.user.has_perm(f"courses.{codename}") for codename in codenames):
        raise PermissionDenied


class ExpiryField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            label=gettext_lazy("Invitations expire after (days)"),
            min_value=1,
            max_value=invitations.INVITATION_MAX_DAYS,
            initial=invitations.INVITATION_DEFAULT_DAYS,
            **kwargs,
        )


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        required=False,
        help_text=gettext_lazy(
            "UTF-8 CSV whose first line names the columns: email, first name, last name, "
            "name on certificate (optional), cohort. At most 5,000 rows and 2 MB."
        ),
    )
    emails = forms.CharField(
        label=gettext_lazy("Or paste email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("One address per line, all into the cohort chosen below."),
    )
    cohort = forms.ModelChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        help_text=gettext_lazy("For pasted addresses, and for CSV rows whose cohort cell is empty."),
    )
    expires_days = ExpiryField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohort_visible_to(user=user)

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("file"), (cleaned.get("emails") or "").strip()
        if bool(upload) == bool(pasted):
            raise ValidationError(_("Upload a CSV file or paste email addresses (one of the two)."))
        if upload:
            if not upload.name.lower().endswith((".csv", ".txt")):
                raise ValidationError(_("Upload a .csv file (a spreadsheet saved as “CSV UTF-8”)."))
            if upload.size > bulk.BULK_MAX_BYTES:
                raise ValidationError(_("The file is larger than 2 MB. Split it into several files."))
            try:
                cleaned["text"] = bulk.bulk_text_decode(upload.read())
            except bulk.BulkEnrollmentRefused as refused:
                raise ValidationError(refused.message) from refused
            cleaned["source"] = bulk.CSV
        else:
            if cleaned.get("cohort") is None:
                self.add_error("cohort", _("Choose the cohort the pasted addresses join."))
            cleaned["text"], cleaned["source"] = bulk.bulk_text_normalize(pasted), bulk.PASTE
        return cleaned


def _signature(*, user, source: str, text: str, cohort_id, expires_days) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    payload = json.dumps([user.pk, source, digest, cohort_id or None, int(expires_days)])
    return salted_hmac("courses.bulk_enrollment.apply", payload).hexdigest()


class BulkApplyForm(forms.Form):
    """The dry run's input posted back to apply it; checked against its signature."""

    source = forms.ChoiceField(choices=[(bulk.CSV, "csv"), (bulk.PASTE, "paste")], widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.HiddenInput, max_length=bulk.BULK_MAX_BYTES, strip=False)
    cohort = forms.IntegerField(widget=forms.HiddenInput, required=False)
    expires_days = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=invitations.INVITATION_MAX_DAYS
    )
    signature = forms.CharField(widget=forms.HiddenInput, max_length=128)

    def clean_text(self):
        return bulk.bulk_text_normalize(self.cleaned_data["text"])

    def signed_by(self, user) -> bool:
        data = self.cleaned_data
        expected = _signature(
            user=user,
            source=data["source"],
            text=data["text"],
            cohort_id=data["cohort"],
            expires_days=data["expires_days"],
        )
        return constant_time_compare(expected, data["signature"])


def _apply_form(*, user, source: str, text: str, cohort, expires_days: int) -> BulkApplyForm:
    cohort_id = cohort.pk if cohort else None
    return BulkApplyForm(
        initial={
            "source": source,
            "text": text,
            "cohort": cohort_id,
            "expires_days": expires_days,
            "signature": _signature(
                user=user, source=source, text=text, cohort_id=cohort_id, expires_days=expires_days
            ),
        }
    )


def bulk_enrollment_view(request):
    """Upload or paste → dry run (a table of outcomes, nothing written) → Apply."""
    _require(request, "add_cohortmembership", "add_invitation")
    user = request.user
    context = {
        "page_title": _("Bulk enrollment"),
        "upload_form": BulkUploadForm(user=user),
        "task_threshold": bulk.BULK_TASK_THRESHOLD,
        "recent_jobs": list(
            bulk.bulk_enrollment_jobs_visible_to(user=user).filter(created_by=user)[:RECENT_JOBS]
        ),
    }
    if request.method == "POST" and "apply" in request.POST:
        return _apply(request, context)
    if request.method == "POST":
        form = BulkUploadForm(request.POST, request.FILES, user=user)
        context["upload_form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = bulk.bulk_rows_parse(source=data["source"], text=data["text"])
                plan = bulk.bulk_enrollment_plan(rows=rows, user=user, cohort=data["cohort"])
            except bulk.BulkEnrollmentRefused as refused:
                context["refused"] = refused.message
            else:
                context["plan"] = plan
                if not plan.has_errors:
                    context["apply_form"] = _apply_form(
                        user=user,
                        source=data["source"],
                        text=data["text"],
                        cohort=data["cohort"],
                        expires_days=data["expires_days"],
                    )
    else:
        no_cohort_notice(request)
    return TemplateResponse(request, "courses/admin/bulk_enrollment.html", context)


def _apply(request, context):
    user = request.user
    form = BulkApplyForm(request.POST)
    if not form.is_valid() or not form.signed_by(user):
        return HttpResponseBadRequest(_("The bulk enrollment form was changed. Upload the file again."))
    data = form.cleaned_data
    cohort = None
    if data["cohort"] is not None:
        cohort = cohort_visible_to(user=user).filter(pk=data["cohort"]).first()
        if cohort is None:
            context["refused"] = _("Choose one of your cohorts.")
            return TemplateResponse(request, "courses/admin/bulk_enrollment.html", context)
    try:
        rows = bulk.bulk_rows_parse(source=data["source"], text=data["text"])
        if len(rows) > bulk.BULK_TASK_THRESHOLD:
            job = bulk.bulk_enrollment_job_create(
                source=data["source"],
                text=data["text"],
                cohort=cohort,
                expires_days=data["expires_days"],
                user=user,
                total=len(rows),
            )
            return redirect("bulk_enrollment:job", job_id=job.pk)
        plan = bulk.bulk_enrollment_apply(
            rows=rows, user=user, cohort=cohort, expires_days=data["expires_days"]
        )
    except bulk.BulkEnrollmentRefused as refused:
        context["refused"], context["problems"] = refused.message, refused.problems
        return TemplateResponse(request, "courses/admin/bulk_enrollment.html", context)
    counts = plan.counts
    messages.success(
        request,
        _("Applied: %(invited)d invited, %(added)d added, %(member)d already members.")
        % {"invited": counts[bulk.INVITE], "added": counts[bulk.ADD], "member": counts[bulk.MEMBER]},
    )
    return redirect("bulk_enrollment:index")


def bulk_enrollment_job_view(request, job_id: int):
    _require(request, "add_cohortmembership", "add_invitation")
    job = get_object_or_404(bulk.bulk_enrollment_jobs_visible_to(user=request.user), pk=job_id)
    processed, total = bulk.bulk_enrollment_job_progress(job=job)
    return TemplateResponse(
        request,
        "courses/admin/bulk_enrollment_job.html",
        {
            "job": job,
            "processed": processed,
            "total": total,
            "done": job.status == BulkEnrollmentStatus.DONE,
            "page_title": _("Bulk enrollment"),
        },
    )


# Invitations ---------------------------------------------------------------------------------


def invitations_visible_to(*, user):
    """Invitations into the cohorts ``user`` coordinates (and those below them)."""
    return Invitation.objects.filter(cohort__in=cohort_visible_to(user=user))


STATUS_FILTERS = {
    InvitationStatus.INVITED: lambda qs, now: qs.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ),
    InvitationStatus.JOINED: lambda qs, now: qs.filter(accepted_at__isnull=False),
    InvitationStatus.EXPIRED: lambda qs, now: qs.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
    ),
    InvitationStatus.REVOKED: lambda qs, now: qs.filter(revoked_at__isnull=False),
}


def invitations_index(request):
    _require(request, "view_invitation")
    no_cohort_notice(request)
    invitations_qs = invitations_visible_to(user=request.user).select_related("cohort", "learner")
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        invitations_qs = STATUS_FILTERS[status](invitations_qs, timezone.now())
    else:
        status = ""
    page = Paginator(invitations_qs.order_by("-sent_at", "-pk"), INVITATIONS_PER_PAGE).get_page(
        request.GET.get("p")
    )
    return TemplateResponse(
        request,
        "courses/admin/invitations.html",
        {
            "page_title": _("Invitations"),
            "page_obj": page,
            "status": status,
            "statuses": InvitationStatus.choices,
            "can_change": request.user.has_perm("courses.change_invitation"),
        },
    )


class ResendForm(forms.Form):
    expires_days = ExpiryField()


def invitation_resend_view(request, pk: int):
    _require(request, "change_invitation")
    invitation = get_object_or_404(invitations_visible_to(user=request.user), pk=pk)
    form = ResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invitation_resend(
                invitation=invitation, expires_days=form.cleaned_data["expires_days"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Invitation sent again to %(email)s.") % {"email": invitation.email})
        return redirect("invitations:index")
    return TemplateResponse(
        request,
        "courses/admin/invitation_confirm.html",
        {
            "page_title": _("Send the invitation again"),
            "invitation": invitation,
            "form": form,
            "action": "resend",
        },
    )


def invitation_revoke_view(request, pk: int):
    _require(request, "change_invitation")
    invitation = get_object_or_404(invitations_visible_to(user=request.user), pk=pk)
    if request.method == "POST":
        if invitations.invitation_revoke(invitation=invitation):
            messages.success(
                request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
            )
        else:
            messages.error(request, _("This invitation was already accepted or revoked."))
        return redirect("invitations:index")
    return TemplateResponse(
        request,
        "courses/admin/invitation_confirm.html",
        {"page_title": _("Revoke the invitation"), "invitation": invitation, "action": "revoke"},
    )


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class BulkEnrollmentViewSet(ViewSet):
    name = "bulk_enrollment"
    url_prefix = "bulk-enrollment"
    icon = "group"
    menu_label = gettext_lazy("Bulk enrollment")

    def get_urlpatterns(self):
        return [
            path("", bulk_enrollment_view, name="index"),
            path("jobs/<int:job_id>/", bulk_enrollment_job_view, name="job"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 1000,
            permission="courses.add_invitation",
        )


class InvitationViewSet(ViewSet):
    name = "invitations"
    url_prefix = "invitations"
    icon = "mail"
    menu_label = gettext_lazy("Invitations")

    def get_urlpatterns(self):
        return [
            path("", invitations_index, name="index"),
            path("resend/<int:pk>/", invitation_resend_view, name="resend"),
            path("revoke/<int:pk>/", invitation_revoke_view, name="revoke"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 1001,
            permission="courses.view_invitation",
        )


BULK_VIEWSETS = (BulkEnrollmentViewSet, InvitationViewSet)
