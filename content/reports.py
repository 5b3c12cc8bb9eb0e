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
from django.db.models import Count, F, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from assessments.models import Attempt, AttemptState
from certificates.models import Certificate, CertificateStatus
from content.exports import BackgroundExportMixin
from courses.admin_viewsets import no_cohort_notice
from courses.models import Cohort, CohortMembership, Enrollment, Invitation, LearnerEvent
from courses.models.records import ActivityStatus, EnrollmentStatus
from courses.progress import progress_for_enrollments
from courses.selectors import cohort_visible_to, learner_ids_in_scope
from training_site.spreadsheets import neutralize_formula

NOT_STARTED, IN_PROGRESS, OVERDUE, COMPLETED = "not_started", "in_progress", "overdue", "completed"
STATUS_CHOICES = [
    (NOT_STARTED, _("Not started")),
    (IN_PROGRESS, _("In progress")),
    (OVERDUE, _("Overdue")),
    (COMPLETED, _("Completed")),
]
_STATUS_LABELS = dict(STATUS_CHOICES)
# Filters that are not a row's status: a learner who failed the course's final assessment
# twice (two graded attempts below the pass mark, and not passed since), and a current
# certificate that expires within CERTIFICATE_EXPIRING_DAYS days (today included).
FAILED_FINAL_TWICE, CERTIFICATE_EXPIRING = "failed_final_twice", "certificate_expiring"
CERTIFICATE_EXPIRING_DAYS = 90
FILTER_CHOICES = [
    *STATUS_CHOICES,
    (FAILED_FINAL_TWICE, _("Failed the final twice")),
    (CERTIFICATE_EXPIRING, _("Certificate expiring within 90 days")),
]
INVITED, JOINED = "invited", "joined"
_ACCOUNT_LABELS = {INVITED: _("Invited"), JOINED: _("Joined")}


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
    #: INVITED while the learner's account came from an invitation not yet accepted.
    account: str = ""

    @property
    def account_label(self) -> str:
        return str(_ACCOUNT_LABELS.get(self.account, ""))

    @property
    def status_label(self) -> str:
        return str(_STATUS_LABELS[self.status])


def matrix_enrollments(*, user, cohort: Cohort | None = None, course=None) -> QuerySet[Enrollment]:
    """The current enrollments of learners in ``user``'s scope, narrowed to one cohort and
    one course when given: the rows of the matrix and of the course results, unordered."""
    enrollments = Enrollment.objects.exclude(status=EnrollmentStatus.WITHDRAWN)
    scope = learner_ids_in_scope(user=user)
    if scope is not None:
        enrollments = enrollments.filter(learner__in=scope)
    if cohort is not None:
        enrollments = enrollments.filter(
            learner__in=CohortMembership.objects.filter(cohort=cohort).values("learner_id")
        )
    if course is not None:
        enrollments = enrollments.filter(course=course)
    return enrollments


def progress_matrix_rows(*, user, cohort: Cohort | None = None, status: str = "") -> list[MatrixRow]:
    """One row per current enrollment of a learner in ``user``'s scope (narrowed to one
    cohort of theirs, and to one status or FILTER_CHOICES filter, when given). Eight
    queries plus the progress selector's (and one for either of the two extra filters),
    whatever the number of learners."""
    enrollments = list(
        matrix_enrollments(user=user, cohort=cohort)
        .select_related("course", "learner")
        .order_by("learner__email", "course__title", "pk")
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
    # Invited: every invitation the learner had is still unaccepted (a bulk enrollment made
    # the account; they have not set a password yet). Anyone else has joined.
    accepted: dict[int, bool] = {}
    for learner_id, accepted_at in Invitation.objects.filter(learner_id__in=learner_ids).values_list(
        "learner_id", "accepted_at"
    ):
        accepted[learner_id] = accepted.get(learner_id, False) or accepted_at is not None
    today = timezone.localdate()
    keep = None
    if status == FAILED_FINAL_TWICE:
        keep = _failed_final_twice(enrollments, progress)
    elif status == CERTIFICATE_EXPIRING:
        keep = _certificate_expiring(enrollments, today)
    rows = []
    for enrollment in enrollments:
        if keep is not None and enrollment.pk not in keep:
            continue
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
        if keep is None and status and row_status != status:
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
                account=INVITED if accepted.get(enrollment.learner_id) is False else JOINED,
            )
        )
    return rows


def _failed_final_twice(enrollments, progress) -> set[int]:
    """Enrollments whose final assessment is not passed and has two or more graded attempts
    below their pass mark (attempts on a module's quiz do not count). One query."""
    finals = {e.pk: progress[e.pk].final_activity_id for e in enrollments if progress[e.pk].final_activity_id}
    if not finals:
        return set()
    failed = {
        (row["learner_id"], row["quiz_id"]): row["failed"]
        for row in Attempt.objects.filter(
            learner_id__in={e.learner_id for e in enrollments if e.pk in finals},
            quiz_id__in=set(finals.values()),
            state=AttemptState.GRADED,
            percent__lt=F("pass_mark"),
        )
        .values("learner_id", "quiz_id")
        .annotate(failed=Count("pk"))
    }
    keep = set()
    for enrollment in enrollments:
        final_id = finals.get(enrollment.pk)
        if final_id is None or progress[enrollment.pk].activity_status(final_id) == ActivityStatus.PASSED:
            continue
        if failed.get((enrollment.learner_id, final_id), 0) >= 2:
            keep.add(enrollment.pk)
    return keep


def _certificate_expiring(enrollments, today: datetime.date) -> set[int]:
    """Enrollments with a current certificate expiring between today and 90 days on. One query."""
    return set(
        Certificate.objects.filter(
            enrollment_id__in=[e.pk for e in enrollments],
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=CERTIFICATE_EXPIRING_DAYS),
        )
        .exclude(status__in=[CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED])
        .values_list("enrollment_id", flat=True)
    )


def _scoped_cohorts(request):
    return Cohort.objects.none() if request is None else cohort_visible_to(user=request.user)


class ProgressMatrixFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=_("Cohort"), method="no_op")
    status = django_filters.ChoiceFilter(choices=FILTER_CHOICES, label=_("Status"), method="no_op")

    class Meta:
        model = Enrollment
        fields = []

    def no_op(self, queryset, name, value):
        # The rows are built by progress_matrix_rows, which applies both filters itself.
        return queryset


class ProgressMatrixView(BackgroundExportMixin, ReportView):
    page_title = _("Progress matrix")
    header_icon = "table"
    index_url_name = "progress_matrix"
    index_results_url_name = "progress_matrix_results"
    filterset_class = ProgressMatrixFilterSet
    # Whoever may see cohorts (coordinators, administrators) may see their learners' matrix.
    permission_policy = ModelPermissionPolicy(Cohort)
    permission_required = "view"
    export_filename = "progress-matrix"
    export_key = "progress_matrix"
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
        "account_label",
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
        "account_label": _("Account"),
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
        Column("account_label", label=_("Account")),
    ]

    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Enrollment.objects.none()

    def filter_values(self) -> dict:
        filters = self.filters
        return filters.form.cleaned_data if filters is not None and filters.is_valid() else {}

    def export_row_count(self) -> int:
        return matrix_enrollments(user=self.request.user, cohort=self.filter_values().get("cohort")).count()

    def get_filtered_queryset(self):
        data = self.filter_values()
        return progress_matrix_rows(
            user=self.request.user, cohort=data.get("cohort"), status=data.get("status") or ""
        )

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])

    def preprocess_field_value(self, field, value, export_format):
        return neutralize_formula(super().preprocess_field_value(field, value, export_format))
