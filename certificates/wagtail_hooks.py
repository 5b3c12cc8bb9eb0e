"""Certificates in the Wagtail admin: a read-only listing with revoke, reissue and award.

Certificates are records, not content: there is no generic add, edit or delete view.
Every change goes through certificates.services, like everywhere else.
"""

from django import forms
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic.edit import FormView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import HistoryView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import LogFormatter

from certificates import services
from certificates.forms import AwardForm, ReinstateForm, RevokeForm
from certificates.models import Certificate, CertificateStatus
from certificates.selectors import certificate_visible_to
from courses.admin_viewsets import no_cohort_notice

REISSUABLE = {CertificateStatus.ISSUED, CertificateStatus.FAILED}


class CertificateActionsMixin:
    """Links to the service-backed actions, shown only to users allowed to use them."""

    def certificate_action_urls(self, certificate) -> list[tuple[str, str, str]]:
        actions = []
        if not self.user_has_permission("change"):
            return actions
        if certificate.is_current:
            actions.append(
                (_("Revoke"), reverse("certificate_admin:revoke", args=[quote(certificate.pk)]), "cross")
            )
        if certificate.status == CertificateStatus.REVOKED:
            actions.append(
                (
                    _("Undo revocation"),
                    reverse("certificate_admin:reinstate", args=[quote(certificate.pk)]),
                    "rotate",
                )
            )
        if certificate.status in REISSUABLE:
            actions.append(
                (_("Reissue"), reverse("certificate_admin:reissue", args=[quote(certificate.pk)]), "repeat")
            )
        return actions


class CertificateIndexView(CertificateActionsMixin, IndexView):
    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)

    def get_base_queryset(self):
        return certificate_visible_to(user=self.request.user).select_related("learner")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for priority, (label, url, icon) in enumerate(self.certificate_action_urls(instance), start=40):
            buttons.append(MenuItem(label, url=url, icon_name=icon, priority=priority))
        return buttons

    @cached_property
    def add_item_label(self):
        return _("Award for prior learning")


class CertificateInspectView(CertificateActionsMixin, InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(certificate_visible_to(user=self.request.user), pk=unquote(str(self.pk)))

    @cached_property
    def header_more_buttons(self):
        buttons = [
            Button(label, url=url, icon_name=icon, priority=priority)
            for priority, (label, url, icon) in enumerate(self.certificate_action_urls(self.object), start=10)
        ]
        if self.object.status == CertificateStatus.ISSUED:
            buttons.append(
                Button(
                    _("Download PDF"), url=self.object.get_download_url(), icon_name="download", priority=30
                )
            )
        buttons.append(
            Button(_("Verification page"), url=self.object.get_verify_url(), icon_name="link", priority=40)
        )
        return buttons

    def get_learner_display_value(self):
        return f"{self.object.learner.email} ({self.object.learner})"

    def get_superseded_by_display_value(self):
        return self.object.superseded_by.code if self.object.superseded_by else "—"

    def get_competencies_display_value(self):
        return ", ".join(self.object.competencies) or "—"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value in (None, "") else value


class CertificateHistoryView(HistoryView):
    def get_base_object_queryset(self):
        return certificate_visible_to(user=self.request.user)


class CertificateFormView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A small admin form that calls a service; re-renders with the service's message."""

    model = Certificate
    template_name = "wagtailadmin/generic/form.html"
    header_icon = "doc-full"
    submit_button_label = gettext_lazy("Save")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(),
            submit_button_label=self.submit_button_label,
            submit_button_active_label=self.submit_button_label,
        )
        return context

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("certificate_admin:index"), "label": _("Certificates")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def form_invalid_with(self, form, error: ValidationError):
        for message in error.messages:
            form.add_error(None, message)
        messages.validation_error(self.request, _("The certificate was not changed."), form)
        return self.form_invalid(form)


class CertificateObjectFormView(CertificateFormView):
    permission_required = "change"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(certificate_visible_to(user=request.user), pk=kwargs["pk"])

    def get_page_subtitle(self):
        return str(self.object)

    def done(self, certificate, message):
        messages.success(self.request, message)
        return redirect("certificate_admin:inspect", quote(certificate.pk))


class RevokeView(CertificateObjectFormView):
    page_title = gettext_lazy("Revoke certificate")
    form_class = RevokeForm
    submit_button_label = gettext_lazy("Revoke")

    def form_valid(self, form):
        try:
            certificate = services.certificate_revoke(
                certificate=self.object, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            return self.form_invalid_with(form, error)
        return self.done(certificate, _("Certificate %(code)s revoked.") % {"code": certificate.code})


class ReinstateView(CertificateObjectFormView):
    page_title = gettext_lazy("Undo revocation")
    form_class = ReinstateForm
    submit_button_label = gettext_lazy("Undo revocation")

    def form_valid(self, form):
        try:
            certificate = services.certificate_reinstate(
                certificate=self.object, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            return self.form_invalid_with(form, error)
        return self.done(certificate, _("Certificate %(code)s is valid again.") % {"code": certificate.code})


class ReissueView(CertificateObjectFormView):
    page_title = gettext_lazy("Reissue certificate")
    submit_button_label = gettext_lazy("Reissue")

    form_class = forms.Form

    def get_page_subtitle(self):
        return _(
            "A new certificate with a new code, printing the learner's current name on certificates "
            "(%(name)s). %(code)s will show as replaced."
        ) % {"name": self.object.learner.name_for_certificate, "code": self.object.code}

    def form_valid(self, form):
        try:
            new = services.certificate_reissue(certificate=self.object, by=self.request.user)
        except ValidationError as error:
            return self.form_invalid_with(form, error)
        return self.done(new, _("Certificate reissued as %(code)s.") % {"code": new.code})


class AwardView(CertificateFormView):
    permission_required = "add"
    page_title = gettext_lazy("Award for prior learning")
    form_class = AwardForm
    submit_button_label = gettext_lazy("Award certificate")

    def form_valid(self, form):
        try:
            certificate = services.certificate_award_prior_learning(
                learner=form.learner,
                course=form.cleaned_data["course"],
                note=form.cleaned_data["note"],
                by=self.request.user,
            )
        except ValidationError as error:
            return self.form_invalid_with(form, error)
        messages.success(
            self.request,
            _("Certificate %(code)s awarded to %(name)s.")
            % {"code": certificate.code, "name": certificate.learner_name},
        )
        return redirect("certificate_admin:inspect", quote(certificate.pk))


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = gettext_lazy("Certificates")
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "certificates"
    url_namespace = "certificate_admin"
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    history_view_class = CertificateHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "code",
        "learner_name",
        "course_title",
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display", sort_key="status"),
        Column("issued_on", label=gettext_lazy("Completed on"), sort_key="issued_on"),
        Column("expires_on", label=gettext_lazy("Expires on"), sort_key="expires_on"),
    ]
    list_filter = ["status", "course"]
    list_export = [
        "code",
        "learner_name",
        "course_title",
        "status",
        "issued_on",
        "expires_on",
        "contact_hours",
    ]
    search_fields = ["code", "learner_name", "course_title", "learner__email"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_fields = [
        "code",
        "status",
        "learner",
        "learner_name",
        "course_title",
        "contact_hours",
        "competencies",
        "issued_on",
        "expires_on",
        "issuer_name",
        "signatory_name",
        "signatory_title",
        "rendered_at",
        "sha256",
        "failure_reason",
        "revoked_at",
        "revoked_reason",
        "superseded_by",
        "created_at",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No generic add/edit/delete: the "add" button awards through the service.
        return super().get_common_view_kwargs(
            add_url_name=self.get_url_name("award"),
            edit_url_name=None,
            delete_url_name=None,
            usage_url_name=None,
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("history/<int:pk>/", self.history_view, name="history"),
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
            path("award/", self.construct_view(AwardView), name="award"),
            path("revoke/<int:pk>/", self.construct_view(RevokeView), name="revoke"),
            path("reissue/<int:pk>/", self.construct_view(ReissueView), name="reissue"),
            path("reinstate/<int:pk>/", self.construct_view(ReinstateView), name="reinstate"),
        ]


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet("certificates")


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action("certificates.revoke", gettext_lazy("Revoke"), gettext_lazy("Revoked"))

    @actions.register_action("certificates.reinstate")
    class ReinstateLogFormatter(LogFormatter):
        label = gettext_lazy("Undo revocation")

        def format_message(self, log_entry):
            # Shown in the certificate's history (escaped by the template): the reason for
            # undoing it and the revocation it undid, which the certificate no longer holds.
            data = log_entry.data or {}
            return _("Revocation undone: %(reason)s (it was revoked for: %(revoked_reason)s)") % {
                "reason": data.get("reason", ""),
                "revoked_reason": data.get("revoked_reason", ""),
            }

    actions.register_action("certificates.reissue", gettext_lazy("Reissue"), gettext_lazy("Reissued"))
    actions.register_action(
        "certificates.award", gettext_lazy("Award"), gettext_lazy("Awarded for prior learning")
    )


class CertificateSetupPanel(Component):
    """On the admin dashboard while the issuer has no logo or no signatory: certificates
    copy these when they are issued, so a certificate issued before they are set keeps the
    gap for good."""

    name = "certificate_setup"
    order = 10
    template_name = "certificates/admin/setup_panel.html"

    def __init__(self, *, missing: list[str], edit_url: str, issued: bool):
        self.missing, self.edit_url, self.issued = missing, edit_url, issued

    def get_context_data(self, parent_context=None):
        return {"missing": self.missing, "edit_url": self.edit_url, "issued": self.issued}


def certificate_setup_missing(site) -> list[str]:
    from certificates.models import CertificateSettings

    config = CertificateSettings.for_site(site)
    missing = []
    if not config.logo_id:
        missing.append(_("the issuer's logo"))
    if not config.signatory_name:
        missing.append(_("the signatory's name"))
    if not config.signature_id:
        missing.append(_("the signature"))
    return missing


@hooks.register("construct_homepage_panels")
def add_certificate_setup_panel(request, panels):
    from wagtail.models import Site

    if not request.user.has_perm("certificates.change_certificatesettings"):
        return
    site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    missing = certificate_setup_missing(site)
    if missing:
        edit_url = reverse("wagtailsettings:edit", args=["certificates", "certificatesettings", site.pk])
        panels.insert(
            0,
            CertificateSetupPanel(missing=missing, edit_url=edit_url, issued=Certificate.objects.exists()),
        )
