"""The progress matrix: learners of a coordinator's cohorts × their courses.

It sits in content, the composition layer, because a row reads courses (enrollment,
progress from ``courses.progress``, the progress owner, never re-derived; due dates from
cohorts) and certificates. Rows are built for all the enrollments at once with a fixed
number of queries, so the unpaginated export costs the same number of queries at 100 or
2,000 learners (tests/content/test_progress_matrix.py).

Exports go through Wagtail's ReportView (CSV and XLSX). A spreadsheet treats a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, and names
are typed by learners: every text cell that starts with one is prefixed with ``'`` in CSV
(OWASP's advice), and XLSX cells are written as strings (Wagtail turns detected formulas
back into text; the prefix is applied there too, so both files read the same).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from certificates.models import Certificate, CertificateStatus
from courses.admin_viewsets import no_cohort_notice
from courses.models import Cohort, CohortMembership, Enrollment, LearnerEvent
from courses.models.records import EnrollmentStatus
from courses.progress import progress_for_enrollments
from courses.selectors import cohort_visible_to, learner_ids_in_scope
from training_site.exports import neutralize_formula

NOT_STARTED, IN_PROGRESS, OVERDUE, COMPLETED = "not_started", "in_progress", "overdue", "completed"
STATUS_CHOICES = [
    (NOT_STARTED, _("Not started")),
    (IN_PROGRESS, _("In progress")),
    (OVERDUE, _("Overdue")),
    (COMPLETED, _("Completed")),
]
_STATUS_LABELS = dict(STATUS_CHOICES)


@dataclass(frozen=True)
class MatrixRow:
    learner_name: str
    learner_email: str
    course_title: str
    status: str
    percent: int
    last_activity: datetime.datetime | None
    final_grade: Decimal | None
    certificate_code: str
    due_on: datetime.date | None

    @property
    def status_label(self) -> str:
        return str(_STATUS_LABELS[self.status])


def progress_matrix_rows(*, user, cohort: Cohort | None = None, status: str = "") -> list[MatrixRow]:
    """One row per current enrollment of a learner in ``user``'s scope (narrowed to one
    cohort of theirs, and to one status, when given). Seven queries plus the progress
    selector's, whatever the number of learners."""
    enrollments = Enrollment.objects.exclude(status=EnrollmentStatus.WITHDRAWN)
    scope = learner_ids_in_scope(user=user)
    if scope is not None:
        enrollments = enrollments.filter(learner__in=scope)
    if cohort is not None:
        enrollments = enrollments.filter(
            learner__in=CohortMembership.objects.filter(cohort=cohort).values("learner_id")
        )
    enrollments = list(
        enrollments.select_related("course", "learner").order_by("learner__email", "course__title", "pk")
    )
    if not enrollments:
        return []
    progress = progress_for_enrollments(enrollments)
    learner_ids = {e.learner_id for e in enrollments}
    course_ids = {e.course_id for e in enrollments}
    last = {
        (row["learner_id"], row["course_id"]): row["last"]
        for row in LearnerEvent.objects.filter(learner_id__in=learner_ids, course_id__in=course_ids)
        .values("learner_id", "course_id")
        .annotate(last=Max("occurred_at"))
    }
    codes = dict(
        Certificate.objects.filter(enrollment_id__in=[e.pk for e in enrollments])
        .exclude(status=CertificateStatus.SUPERSEDED)
        .order_by("issued_on")
        .values_list("enrollment_id", "code")
    )
    memberships = CohortMembership.objects.filter(learner_id__in=learner_ids)
    if cohort is not None:
        memberships = memberships.filter(cohort=cohort)
    due = {
        (row["learner_id"], row["cohort__course_assignments__course_id"]): row["due"]
        for row in memberships.filter(cohort__course_assignments__due_on__isnull=False)
        .values("learner_id", "cohort__course_assignments__course_id")
        .annotate(due=Min("cohort__course_assignments__due_on"))
    }
    today = timezone.localdate()
    rows = []
    for enrollment in enrollments:
        value = progress[enrollment.pk]
        due_on = due.get((enrollment.learner_id, enrollment.course_id))
        if enrollment.is_completed:
            row_status = COMPLETED
        elif due_on is not None and due_on < today:
            row_status = OVERDUE
        elif value.started:
            row_status = IN_PROGRESS
        else:
            row_status = NOT_STARTED
        if status and row_status != status:
            continue
        rows.append(
            MatrixRow(
                learner_name=str(enrollment.learner),
                learner_email=enrollment.learner.email,
                course_title=enrollment.course.title,
                status=row_status,
                percent=100 if enrollment.is_completed else value.percent,
                last_activity=last.get((enrollment.learner_id, enrollment.course_id)),
                final_grade=value.final_score,
                certificate_code=codes.get(enrollment.pk, ""),
                due_on=due_on,
            )
        )
    return rows


def _scoped_cohorts(request):
    return Cohort.objects.none() if request is None else cohort_visible_to(user=request.user)


class ProgressMatrixFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=_("Cohort"), method="no_op")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, label=_("Status"), method="no_op")

    class Meta:
        model = Enrollment
        fields = []

    def no_op(self, queryset, name, value):
        # The rows are built by progress_matrix_rows, which applies both filters itself.
        return queryset


class ProgressMatrixView(ReportView):
    page_title = _("Progress matrix")
    header_icon = "table"
    index_url_name = "progress_matrix"
    index_results_url_name = "progress_matrix_results"
    filterset_class = ProgressMatrixFilterSet
    # Whoever may see cohorts (coordinators, administrators) may see their learners' matrix.
    permission_policy = ModelPermissionPolicy(Cohort)
    permission_required = "view"
    export_filename = "progress-matrix"
    list_export = [
        "learner_name",
        "learner_email",
        "course_title",
        "status_label",
        "percent",
        "last_activity",
        "final_grade",
        "certificate_code",
        "due_on",
    ]
    export_headings = {
        "learner_name": _("Learner"),
        "learner_email": _("Email"),
        "course_title": _("Course"),
        "status_label": _("Status"),
        "percent": _("Percent"),
        "last_activity": _("Last activity"),
        "final_grade": _("Final grade"),
        "certificate_code": _("Certificate"),
        "due_on": _("Due on"),
    }
    columns = [
        Column("learner_name", label=_("Learner")),
        Column("learner_email", label=_("Email")),
        Column("course_title", label=_("Course")),
        Column("status_label", label=_("Status")),
        Column("percent", label=_("Percent")),
        Column("last_activity", label=_("Last activity")),
        Column("final_grade", label=_("Final grade")),
        Column("certificate_code", label=_("Certificate")),
        Column("due_on", label=_("Due on")),
    ]

    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Enrollment.objects.none()

    def get_filtered_queryset(self):
        filters = self.filters
        data = filters.form.cleaned_data if filters is not None and filters.is_valid() else {}
        return progress_matrix_rows(
            user=self.request.user, cohort=data.get("cohort"), status=data.get("status") or ""
        )

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])

    def preprocess_field_value(self, field, value, export_format):
        return neutralize_formula(super().preprocess_field_value(field, value, export_format))
