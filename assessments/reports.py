"""The attempts listing: a Wagtail report per quiz and cohort, exportable to CSV and XLSX.

Rows come from ``assessments.selectors.attempt_rows`` (one query whatever the number of
attempts), scoped by ``attempt_visible_to``; text cells are neutralized against formula
injection as the progress matrix does (content/reports.py explains the rule).
"""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from assessments.models import Attempt, QuizPage
from assessments.selectors import attempt_rows
from courses.admin_viewsets import no_cohort_notice
from courses.models import Cohort
from courses.selectors import cohort_visible_to
from training_site.spreadsheets import neutralize_formula


def _scoped_cohorts(request):
    return Cohort.objects.none() if request is None else cohort_visible_to(user=request.user)


class AttemptFilterSet(WagtailFilterSet):
    quiz = django_filters.ModelChoiceFilter(
        queryset=QuizPage.objects.order_by("title"), label=_("Quiz"), method="no_op"
    )
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=_("Cohort"), method="no_op")

    class Meta:
        model = Attempt
        fields = []

    def no_op(self, queryset, name, value):
        # attempt_rows applies both filters itself.
        return queryset


class AttemptsReportView(ReportView):
    page_title = _("Quiz attempts")
    header_icon = "list-ul"
    index_url_name = "attempts:index"
    index_results_url_name = "attempts:index_results"
    filterset_class = AttemptFilterSet
    permission_policy = ModelPermissionPolicy(Attempt)
    permission_required = "grade"
    export_filename = "quiz-attempts"
    list_export = [
        "learner_name",
        "learner_email",
        "quiz_title",
        "number",
        "state_label",
        "started_at",
        "submitted_at",
        "duration_minutes",
        "percent",
    ]
    export_headings = {
        "learner_name": _("Learner"),
        "learner_email": _("Email"),
        "quiz_title": _("Quiz"),
        "number": _("Attempt"),
        "state_label": _("State"),
        "started_at": _("Started"),
        "submitted_at": _("Submitted"),
        "duration_minutes": _("Duration (minutes)"),
        "percent": _("Grade (%)"),
    }
    columns = [
        TitleColumn(
            "learner_name",
            label=_("Learner"),
            get_url=lambda row: reverse("attempts:detail", args=[row.attempt_id]),
        ),
        Column("quiz_title", label=_("Quiz")),
        Column("number", label=_("Attempt")),
        Column("state_label", label=_("State")),
        Column("started_at", label=_("Started")),
        Column("submitted_at", label=_("Submitted")),
        Column("duration_minutes", label=_("Duration (minutes)")),
        Column("percent", label=_("Grade (%)")),
    ]

    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Attempt.objects.none()

    def get_filtered_queryset(self):
        filters = self.filters
        data = filters.form.cleaned_data if filters is not None and filters.is_valid() else {}
        return attempt_rows(user=self.request.user, quiz=data.get("quiz"), cohort=data.get("cohort"))

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])

    def preprocess_field_value(self, field, value, export_format):
        return neutralize_formula(super().preprocess_field_value(field, value, export_format))
