from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from content import admin_views
from content.reports import ProgressMatrixView
from content.reports_results import CohortSummaryView, CourseResultsView, ModuleMatrixView

# (URL part, view class, URL name, menu label, icon, order in the Training menu)
REPORTS = [
    ("reports/module-matrix/", ModuleMatrixView, "module_matrix", _("Progress by module"), "table", 101),
    ("reports/course-results/", CourseResultsView, "course_results", _("Course results"), "table", 102),
    ("reports/cohort-summary/", CohortSummaryView, "cohort_summary", _("Cohort summary"), "table", 103),
]


@hooks.register("register_admin_urls")
def register_report_urls():
    urls = [
        path("reports/progress-matrix/", ProgressMatrixView.as_view(), name="progress_matrix"),
        path(
            "reports/progress-matrix/results/",
            ProgressMatrixView.as_view(results_only=True),
            name="progress_matrix_results",
        ),
        path("reports/exports/<int:pk>/", admin_views.report_export_status, name="report_export_status"),
        path(
            "reports/exports/<int:pk>/download/",
            admin_views.report_export_download,
            name="report_export_download",
        ),
    ]
    for part, view, name, *_rest in REPORTS:
        urls.append(path(part, view.as_view(), name=name))
        urls.append(path(f"{part}results/", view.as_view(results_only=True), name=f"{name}_results"))
    return urls


class ProgressMatrixMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("courses.view_cohort")


@hooks.register("register_reports_menu_item")
def register_progress_matrix_menu_item():
    return ProgressMatrixMenuItem(
        _("Progress matrix"), reverse("progress_matrix"), name="progress-matrix", icon_name="table", order=100
    )


def _training_item(label, name, icon, order):
    return lambda: ProgressMatrixMenuItem(
        label, reverse(name), name=name.replace("_", "-"), icon_name=icon, order=order
    )


# The coordinator reports in the Training menu (assessments/wagtail_hooks.py, submenu_hook).
hooks.register(
    "register_training_menu_item", _training_item(_("Progress matrix"), "progress_matrix", "table", 100)
)
for _part, _view, _name, _label, _icon, _order in REPORTS:
    hooks.register("register_training_menu_item", _training_item(_label, _name, _icon, _order))
