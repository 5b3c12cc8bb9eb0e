from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from content.reports import ProgressMatrixView


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("reports/progress-matrix/", ProgressMatrixView.as_view(), name="progress_matrix"),
        path(
            "reports/progress-matrix/results/",
            ProgressMatrixView.as_view(results_only=True),
            name="progress_matrix_results",
        ),
    ]


class ProgressMatrixMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("courses.view_cohort")


@hooks.register("register_reports_menu_item")
def register_progress_matrix_menu_item():
    return ProgressMatrixMenuItem(
        _("Progress matrix"), reverse("progress_matrix"), name="progress-matrix", icon_name="table", order=100
    )
