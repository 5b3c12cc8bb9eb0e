from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from training_site.readiness import services
from training_site.readiness.models import TargetRole
from training_site.readiness.reports import ReadinessReportView


class TargetRoleViewSet(SnippetViewSet):
    model = TargetRole
    icon = "user"
    menu_label = gettext_lazy("Target roles")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["title", "visibility", "owner"]
    search_fields = ["title"]
    # Wagtail's copy pre-fills a create form and drops the requirement rows' courses; the
    # "Copy for a posting" action below copies everything through the service.
    copy_view_enabled = False


register_snippet(TargetRoleViewSet)


@permission_required("readiness.add_targetrole", raise_exception=True)
def target_role_copy_view(request, pk: int):
    role = get_object_or_404(TargetRole, pk=pk)
    if request.method == "POST":
        copy = services.target_role_copy(role=role, user=request.user)
        messages.success(
            request, _("Copied “%(title)s”. Adapt the copy, then publish it.") % {"title": role.title}
        )
        return redirect(reverse("wagtailsnippets_readiness_targetrole:edit", args=[copy.pk]))
    return TemplateResponse(request, "readiness/admin/copy_confirm.html", {"role": role})


@hooks.register("register_admin_urls")
def register_readiness_urls():
    return [
        path("target-roles/<int:pk>/copy/", target_role_copy_view, name="target_role_copy"),
        path("reports/readiness/", ReadinessReportView.as_view(), name="readiness_report"),
        path(
            "reports/readiness/results/",
            ReadinessReportView.as_view(results_only=True),
            name="readiness_report_results",
        ),
    ]


@hooks.register("register_snippet_listing_buttons")
def target_role_copy_button(snippet, user, next_url=None):
    if isinstance(snippet, TargetRole) and user.has_perm("readiness.add_targetrole"):
        yield Button(
            _("Copy for a posting"),
            reverse("target_role_copy", args=[snippet.pk]),
            icon_name="copy",
            priority=30,
        )


class ReadinessReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("courses.view_cohort")


@hooks.register("register_reports_menu_item")
def register_readiness_report_menu_item():
    return ReadinessReportMenuItem(
        gettext_lazy("Readiness by target role"),
        reverse("readiness_report"),
        name="readiness-report",
        icon_name="tasks",
        order=110,
    )
