"""Coordinator reports beside the progress matrix: the matrix by module of one course, the
course results and the cohort summary.

All three read the same things the matrix reads, in the same scope (``matrix_enrollments``:
learners of the coordinator's cohorts and the cohorts below them) with progress from
``courses.progress``, and build their rows with a fixed number of queries whatever the
number of learners. The module matrix and the course results can be large: their exports go
through ``BackgroundExportMixin`` (a task builds the file above the row limit). The summary
has one row per course and is always rendered directly; its chart (completions per week,
from the learner event log) is an inline SVG with the same numbers as a table beside it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.contrib import messages
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from assessments.models import Attempt, AttemptState
from certificates.models import Certificate, CertificateStatus
from content.exports import BackgroundExportMixin
from content.reports import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    STATUS_CHOICES,
    _scoped_cohorts,
    matrix_enrollments,
    progress_matrix_rows,
)
from courses.admin_viewsets import no_cohort_notice
from courses.models import Cohort, CohortMembership, CoursePage, Enrollment, LearnerEvent
from courses.models.events import LearnerEventKind
from courses.models.records import ActivityStatus
from courses.progress import module_progress, progress_for_enrollments
from courses.selectors import learner_ids_in_scope
from courses.structure import course_structure
from training_site.spreadsheets import neutralize_formula

MODULE_STATUS_CHOICES = [
    (NOT_STARTED, _("Not started")),
    (IN_PROGRESS, _("In progress")),
    (COMPLETED, _("Completed")),
]
_MODULE_STATUS_LABELS = dict(MODULE_STATUS_CHOICES)
#: Weeks of completions shown in the cohort summary's chart.
SUMMARY_WEEKS = 12


def _courses(request=None):
    return CoursePage.objects.live().order_by("title")


class _ScopedReportView(BackgroundExportMixin, ReportView):
    """What the coordinator reports share: permission, the no-cohort notice, rows built by a
    function rather than a queryset, headings from ``export_headings``, neutralized cells."""

    header_icon = "table"
    permission_policy = ModelPermissionPolicy(Cohort)
    permission_required = "view"

    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Enrollment.objects.none()

    def filter_values(self) -> dict:
        filters = self.filters
        return filters.form.cleaned_data if filters is not None and filters.is_valid() else {}

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])

    def preprocess_field_value(self, field, value, export_format):
        return neutralize_formula(super().preprocess_field_value(field, value, export_format))


# --- The matrix by module of one course ---------------------------------------------------------


@dataclass(frozen=True)
class ModuleRow:
    learner_name: str
    learner_email: str
    course_title: str
    module_title: str
    status: str
    percent: int
    steps: str

    @property
    def status_label(self) -> str:
        return str(_MODULE_STATUS_LABELS[self.status])


def module_matrix_rows(*, user, course: CoursePage | None, cohort: Cohort | None = None, status: str = ""):
    """One row per learner in scope enrolled in ``course`` × module of the course, in tree
    order. No course, no rows. The enrollments, the course's structure and the progress
    selector's queries, whatever the number of learners."""
    if course is None:
        return []
    enrollments = list(
        matrix_enrollments(user=user, cohort=cohort, course=course)
        .select_related("course", "learner")
        .order_by("learner__email", "pk")
    )
    if not enrollments:
        return []
    modules = course_structure(course=course).modules
    progress = progress_for_enrollments(enrollments)
    rows = []
    for enrollment in enrollments:
        for module in modules:
            value = module_progress(progress[enrollment.pk], module_path=module.path)
            if value.is_completed:
                row_status = COMPLETED
            elif value.started:
                row_status = IN_PROGRESS
            else:
                row_status = NOT_STARTED
            if status and row_status != status:
                continue
            rows.append(
                ModuleRow(
                    learner_name=str(enrollment.learner),
                    learner_email=enrollment.learner.email,
                    course_title=course.title,
                    module_title=module.title,
                    status=row_status,
                    percent=value.percent,
                    steps=f"{value.steps_done}/{value.steps_total}",
                )
            )
    return rows


class ModuleMatrixFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(queryset=_courses, label=_("Course"), method="no_op")
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=_("Cohort"), method="no_op")
    status = django_filters.ChoiceFilter(choices=MODULE_STATUS_CHOICES, label=_("Status"), method="no_op")

    class Meta:
        model = Enrollment
        fields = []

    def no_op(self, queryset, name, value):
        return queryset


class ModuleMatrixView(_ScopedReportView):
    page_title = _("Progress by module")
    index_url_name = "module_matrix"
    index_results_url_name = "module_matrix_results"
    filterset_class = ModuleMatrixFilterSet
    export_filename = "progress-by-module"
    export_key = "module_matrix"
    export_headings = {
        "learner_name": _("Learner"),
        "learner_email": _("Email"),
        "course_title": _("Course"),
        "module_title": _("Module"),
        "status_label": _("Status"),
        "percent": _("Percent"),
        "steps": _("Steps done"),
    }
    list_export = list(export_headings)
    columns = [Column(name, label=label) for name, label in export_headings.items()]

    def get(self, request, *args, **kwargs):
        if not self.results_only and not self.filter_values().get("course"):
            messages.info(request, _("Choose a course to see its modules."))
        return super().get(request, *args, **kwargs)

    def export_row_count(self) -> int:
        data = self.filter_values()
        course = data.get("course")
        if course is None:
            return 0
        learners = matrix_enrollments(
            user=self.request.user, cohort=data.get("cohort"), course=course
        ).count()
        return learners * len(course_structure(course=course).modules)

    def get_filtered_queryset(self):
        data = self.filter_values()
        return module_matrix_rows(
            user=self.request.user,
            course=data.get("course"),
            cohort=data.get("cohort"),
            status=data.get("status") or "",
        )


# --- Course results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    learner_name: str
    learner_email: str
    course_title: str
    attempts: int
    best_grade: Decimal | None
    last_grade: Decimal | None
    passed: bool
    completed_on: datetime.date | None
    certificate_code: str

    @property
    def passed_label(self) -> str:
        return str(_("Yes") if self.passed else _("No"))


def course_results_rows(*, user, cohort: Cohort | None = None, course: CoursePage | None = None):
    """One row per current enrollment in scope: the attempts at the course's final
    assessment (submitted ones), the best and the last grade among them, whether the final
    is passed, when the course was completed and the current certificate's code. A course
    without a final assessment shows no attempts and "passed" once completed. The
    enrollments, the progress selector's queries, one for attempts and one for
    certificates, whatever the number of learners."""
    enrollments = list(
        matrix_enrollments(user=user, cohort=cohort, course=course)
        .select_related("course", "learner")
        .order_by("course__title", "learner__email", "pk")
    )
    if not enrollments:
        return []
    progress = progress_for_enrollments(enrollments)
    finals = {e.pk: progress[e.pk].final_activity_id for e in enrollments}
    attempts: dict[tuple[int, int], list[tuple[int, Decimal | None, bool]]] = {}
    final_ids = {pk for pk in finals.values() if pk}
    if final_ids:
        for learner_id, quiz_id, number, state, percent in (
            Attempt.objects.filter(
                learner_id__in={e.learner_id for e in enrollments},
                quiz_id__in=final_ids,
                state__in=[AttemptState.SUBMITTED, AttemptState.NEEDS_GRADING, AttemptState.GRADED],
            )
            .order_by("number")
            .values_list("learner_id", "quiz_id", "number", "state", "percent")
        ):
            attempts.setdefault((learner_id, quiz_id), []).append(
                (number, percent if state == AttemptState.GRADED else None, state == AttemptState.GRADED)
            )
    codes = dict(
        Certificate.objects.filter(enrollment_id__in=[e.pk for e in enrollments])
        .exclude(status__in=[CertificateStatus.SUPERSEDED, CertificateStatus.REVOKED])
        .values_list("enrollment_id", "code")
    )
    rows = []
    for enrollment in enrollments:
        value, final_id = progress[enrollment.pk], finals[enrollment.pk]
        tries = attempts.get((enrollment.learner_id, final_id), []) if final_id else []
        grades = [percent for _number, percent, graded in tries if graded and percent is not None]
        passed = (
            value.activity_status(final_id) == ActivityStatus.PASSED if final_id else enrollment.is_completed
        )
        rows.append(
            ResultRow(
                learner_name=str(enrollment.learner),
                learner_email=enrollment.learner.email,
                course_title=enrollment.course.title,
                attempts=len(tries),
                best_grade=max(grades) if grades else None,
                last_grade=grades[-1] if grades else None,
                passed=passed,
                completed_on=timezone.localdate(enrollment.completed_at) if enrollment.completed_at else None,
                certificate_code=codes.get(enrollment.pk, ""),
            )
        )
    return rows


class CourseResultsFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=_("Cohort"), method="no_op")
    course = django_filters.ModelChoiceFilter(queryset=_courses, label=_("Course"), method="no_op")

    class Meta:
        model = Enrollment
        fields = []

    def no_op(self, queryset, name, value):
        return queryset


class CourseResultsView(_ScopedReportView):
    page_title = _("Course results")
    index_url_name = "course_results"
    index_results_url_name = "course_results_results"
    filterset_class = CourseResultsFilterSet
    export_filename = "course-results"
    export_key = "course_results"
    export_headings = {
        "course_title": _("Course"),
        "learner_name": _("Learner"),
        "learner_email": _("Email"),
        "attempts": _("Attempts"),
        "best_grade": _("Best grade"),
        "last_grade": _("Last grade"),
        "passed_label": _("Passed"),
        "completed_on": _("Completed on"),
        "certificate_code": _("Certificate"),
    }
    list_export = list(export_headings)
    columns = [Column(name, label=label) for name, label in export_headings.items()]

    def export_row_count(self) -> int:
        data = self.filter_values()
        return matrix_enrollments(
            user=self.request.user, cohort=data.get("cohort"), course=data.get("course")
        ).count()

    def get_filtered_queryset(self):
        data = self.filter_values()
        return course_results_rows(
            user=self.request.user, cohort=data.get("cohort"), course=data.get("course")
        )


# --- Cohort summary -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    course_title: str
    not_started: int
    in_progress: int
    overdue: int
    completed: int

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.overdue + self.completed


def cohort_summary_rows(*, user, cohort: Cohort | None = None) -> list[SummaryRow]:
    """Counts per status and course, from the matrix's own rows (the same statuses)."""
    counts: dict[str, dict[str, int]] = {}
    for row in progress_matrix_rows(user=user, cohort=cohort):
        counts.setdefault(row.course_title, dict.fromkeys(dict(STATUS_CHOICES), 0))[row.status] += 1
    return [
        SummaryRow(
            course_title=title,
            not_started=c[NOT_STARTED],
            in_progress=c[IN_PROGRESS],
            overdue=c[OVERDUE],
            completed=c[COMPLETED],
        )
        for title, c in sorted(counts.items())
    ]


@dataclass(frozen=True)
class WeekBar:
    starts_on: datetime.date
    completions: int
    #: Height in the chart's units (0–100), and the bar's left edge.
    height: int
    x: int

    @property
    def y(self) -> int:
        return 100 - self.height


def cohort_completions_by_week(
    *, user, cohort: Cohort | None = None, weeks: int = SUMMARY_WEEKS
) -> list[WeekBar]:
    """Course completions of the learners in scope (or in ``cohort``) per week, the last
    ``weeks`` weeks ending with the current one, from the learner event log. One query."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=today.weekday() + 7 * (weeks - 1))
    events = LearnerEvent.objects.filter(
        kind=LearnerEventKind.COURSE_COMPLETED,
        occurred_at__gte=timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
    )
    scope = learner_ids_in_scope(user=user)
    if scope is not None:
        events = events.filter(learner__in=scope)
    if cohort is not None:
        events = events.filter(
            learner__in=CohortMembership.objects.filter(cohort=cohort).values("learner_id")
        )
    per_week = [0] * weeks
    for row in events.annotate(day=TruncDate("occurred_at")).values("day").annotate(n=Count("pk")):
        index = (row["day"] - first).days // 7
        if 0 <= index < weeks:
            per_week[index] += row["n"]
    top = max(per_week) or 1
    return [
        WeekBar(
            starts_on=first + datetime.timedelta(days=7 * index),
            completions=count,
            height=round(100 * count / top),
            x=index * 20 + 2,
        )
        for index, count in enumerate(per_week)
    ]


class CohortSummaryFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=_("Cohort"), method="no_op")

    class Meta:
        model = Enrollment
        fields = []

    def no_op(self, queryset, name, value):
        return queryset


class CohortSummaryView(_ScopedReportView):
    page_title = _("Cohort summary")
    index_url_name = "cohort_summary"
    index_results_url_name = "cohort_summary_results"
    results_template_name = "content/admin/cohort_summary_results.html"
    filterset_class = CohortSummaryFilterSet
    export_filename = "cohort-summary"
    export_key = ""
    export_headings = {
        "course_title": _("Course"),
        "not_started": _("Not started"),
        "in_progress": _("In progress"),
        "overdue": _("Overdue"),
        "completed": _("Completed"),
        "total": _("Total"),
    }
    list_export = list(export_headings)
    columns = [Column(name, label=label) for name, label in export_headings.items()]

    def export_row_count(self) -> int:
        # One row per course: never large enough for a background export.
        return 0

    def get_filtered_queryset(self):
        return cohort_summary_rows(user=self.request.user, cohort=self.filter_values().get("cohort"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.is_export:
            bars = cohort_completions_by_week(
                user=self.request.user, cohort=self.filter_values().get("cohort")
            )
            context["weeks"] = bars
            context["weeks_total"] = sum(bar.completions for bar in bars)
            context["chart_width"] = 20 * len(bars)
        return context
