"""Coordinator report: learners by target role and readiness, scoped to cohorts.

One row per (learner, chosen role) for the learners in the coordinator's cohort scope
(``courses.selectors.learner_ids_in_scope``), computed by the readiness selector in a fixed
number of queries. The band is read from the verified-or-confirmed count, the number a
district can rely on; both counts are columns. Exports neutralize formula-like text the
same way as the progress matrix (content/reports.py).
"""

from dataclasses import dataclass

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from courses.models import Cohort
from courses.selectors import learner_ids_in_scope
from training_site.readiness.models import RoleChoice, Step, TargetRole
from training_site.readiness.selectors import readiness_for_learners

READY, CLOSE, EARLY = "ready", "close", "early"
BAND_CHOICES = [
    (READY, _("Ready (every requirement verified or confirmed)")),
    (CLOSE, _("Half or more verified or confirmed")),
    (EARLY, _("Under half verified or confirmed")),
]
_BAND_LABELS = dict(BAND_CHOICES)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def band_of(percent: int) -> str:
    if percent >= 100:
        return READY
    return CLOSE if percent >= 50 else EARLY


@dataclass(frozen=True)
class ReadinessRow:
    learner_name: str
    learner_email: str
    role_title: str
    percent_confirmed: int
    percent_including_self: int
    band: str
    missing_steps: str

    @property
    def band_label(self) -> str:
        return str(_BAND_LABELS[self.band])


def readiness_report_rows(
    *, user, role: TargetRole | None = None, band: str = "", step: str = ""
) -> list[ReadinessRow]:
    choices = RoleChoice.objects.filter(role__live=True)
    scope = learner_ids_in_scope(user=user)
    if scope is not None:
        choices = choices.filter(learner__in=scope)
    if role is not None:
        choices = choices.filter(role=role)
    choices = list(choices.select_related("learner").order_by("learner__email", "role__title", "pk"))
    if not choices:
        return []
    learners = {c.learner_id: c.learner for c in choices}
    readiness = readiness_for_learners(learners)
    wanted = {(c.learner_id, c.role_id) for c in choices}
    rows = []
    for learner_id, learner in learners.items():
        for result in readiness[learner_id].roles:
            if (learner_id, result.role_pk) not in wanted:
                continue
            row_band = band_of(result.percent_confirmed)
            missing = result.missing_steps
            if (band and row_band != band) or (step and step not in missing):
                continue
            rows.append(
                ReadinessRow(
                    learner_name=str(learner),
                    learner_email=learner.email,
                    role_title=result.role_title,
                    percent_confirmed=result.percent_confirmed,
                    percent_including_self=result.percent_including_self,
                    band=row_band,
                    missing_steps=", ".join(str(Step(s).label) for s in sorted(missing)),
                )
            )
    return rows


def neutralize_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class ReadinessReportFilterSet(WagtailFilterSet):
    role = django_filters.ModelChoiceFilter(
        queryset=TargetRole.objects.filter(live=True).order_by("title"),
        label=_("Target role"),
        method="no_op",
    )
    band = django_filters.ChoiceFilter(choices=BAND_CHOICES, label=_("Readiness"), method="no_op")
    step = django_filters.ChoiceFilter(choices=Step.choices, label=_("Step missing"), method="no_op")

    class Meta:
        model = RoleChoice
        fields = []

    def no_op(self, queryset, name, value):
        # readiness_report_rows applies the filters itself.
        return queryset


class ReadinessReportView(ReportView):
    page_title = _("Readiness by target role")
    header_icon = "tasks"
    index_url_name = "readiness_report"
    index_results_url_name = "readiness_report_results"
    filterset_class = ReadinessReportFilterSet
    permission_policy = ModelPermissionPolicy(Cohort)
    permission_required = "view"
    export_filename = "readiness-by-role"
    list_export = [
        "learner_name",
        "learner_email",
        "role_title",
        "percent_confirmed",
        "percent_including_self",
        "band_label",
        "missing_steps",
    ]
    export_headings = {
        "learner_name": _("Learner"),
        "learner_email": _("Email"),
        "role_title": _("Target role"),
        "percent_confirmed": _("Verified or confirmed (%)"),
        "percent_including_self": _("Including self-reported (%)"),
        "band_label": _("Readiness"),
        "missing_steps": _("Steps missing"),
    }
    columns = [Column(name, label=label) for name, label in export_headings.items()]

    def get_queryset(self):
        return RoleChoice.objects.none()

    def get_filtered_queryset(self):
        filters = self.filters
        data = filters.form.cleaned_data if filters is not None and filters.is_valid() else {}
        return readiness_report_rows(
            user=self.request.user,
            role=data.get("role"),
            band=data.get("band") or "",
            step=data.get("step") or "",
        )

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])

    def preprocess_field_value(self, field, value, export_format):
        return neutralize_formula(super().preprocess_field_value(field, value, export_format))
