"""Cohorts in the Wagtail admin (Training → Cohorts, Cohort members, Course assignments).

Built on Wagtail's ModelViewSet; every view reads through ``cohort_visible_to`` so a
coordinator sees and changes only the cohorts they coordinate and those below them (another
cohort's id is a 404), and every write goes through courses.services. The menu group lives
in assessments/wagtail_hooks.py (Training), which sits above courses.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from courses import services
from courses.models import Cohort, CohortCourse, CohortMembership, CoursePage
from courses.selectors import cohort_scope_ids, cohort_visible_to
from training_site.accounts.roles import COORDINATORS_GROUP


def no_cohort_notice(request) -> None:
    """Say why the screen is empty for a coordinator who coordinates no cohort."""
    if not request.user.is_superuser and cohort_scope_ids(user=request.user) == frozenset():
        messages.info(
            request,
            _(
                "You do not coordinate any cohort yet, so no learner records are shown. "
                "An administrator can make you a coordinator of a cohort."
            ),
        )


class ScopedIndexView(generic.IndexView):
    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)


class ScopedObjectMixin:
    """Objects outside the user's cohorts are a 404, as if they did not exist."""

    def get_object(self, queryset=None):
        # Replaces the generic lookup by model; ``live_object`` is what Wagtail's optional
        # features mixin would have set on the way.
        self.live_object = get_object_or_404(self.scoped_queryset(), pk=unquote(str(self.kwargs["pk"])))
        return self.live_object


# Cohorts ---------------------------------------------------------------------------------


class CohortForm(WagtailAdminModelForm):
    coordinators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Coordinators"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "They see and grade this cohort's learners and those of the cohorts below it."
        ),
    )

    class Meta:
        model = Cohort
        fields = ["name", "description", "parent", "starts_on", "ends_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        parents = cohort_visible_to(user=user)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        if user.is_superuser:
            # Who coordinates a cohort is an administrator's choice: it decides whose
            # records a coordinator sees.
            self.fields["coordinators"].queryset = (
                get_user_model()
                .objects.filter(Q(groups__name=COORDINATORS_GROUP) | Q(is_superuser=True))
                .distinct()
                .order_by("email")
            )
            if self.instance.pk:
                self.fields["coordinators"].initial = list(
                    self.instance.coordinator_links.values_list("coordinator_id", flat=True)
                )
        else:
            del self.fields["coordinators"]

    def clean(self):
        cleaned = super().clean()
        problem = services.cohort_parent_problem(cohort=self.instance, parent=cleaned.get("parent"))
        if problem:
            self.add_error("parent", problem)
        return cleaned


class CohortSaveMixin:
    def save_instance(self):
        cohort = self.form.save()
        user = self.request.user
        if "coordinators" in self.form.cleaned_data:
            services.cohort_coordinators_set(
                cohort=cohort, coordinators=self.form.cleaned_data["coordinators"]
            )
        elif cohort.parent_id is None and not user.is_superuser:
            # A coordinator who makes a cohort at the top coordinates it, or it would vanish
            # from their screens the moment it is saved.
            services.cohort_coordinators_set(cohort=cohort, coordinators=[user], keep_others=True)
        return cohort


class CohortIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            cohort_visible_to(user=self.request.user)
            .select_related("parent")
            .annotate(member_count=Count("memberships", distinct=True))
        )


class CohortCreateView(CohortSaveMixin, generic.CreateView):
    pass


class CohortEditView(ScopedObjectMixin, CohortSaveMixin, generic.EditView):
    def scoped_queryset(self):
        return cohort_visible_to(user=self.request.user)


class CohortDeleteView(ScopedObjectMixin, generic.DeleteView):
    def scoped_queryset(self):
        return cohort_visible_to(user=self.request.user)

    def form_valid(self, form):
        if self.object.is_open_enrollment or self.object.children.exists():
            messages.error(
                self.request,
                _("Open enrollment cannot be deleted.")
                if self.object.is_open_enrollment
                else _("Move or delete the cohorts below “%(name)s” first.") % {"name": self.object.name},
            )
            return self.render_to_response(self.get_context_data(form=form))
        return super().form_valid(form)


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    menu_label = gettext_lazy("Cohorts")
    url_prefix = "cohorts"
    url_namespace = "cohorts"

    def get_form_class(self, for_update=False):
        return CohortForm

    index_view_class = CohortIndexView
    add_view_class = CohortCreateView
    edit_view_class = CohortEditView
    delete_view_class = CohortDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "name",
        Column("parent", label=gettext_lazy("Part of")),
        Column("member_count", label=gettext_lazy("Members"), sort_key="member_count"),
        "starts_on",
        "ends_on",
    ]
    search_fields = ["name", "description"]
    search_backend_name = None
    ordering = ["name"]

    def get_urlpatterns(self):
        # No history or usage screens: they look objects up without the cohort scope.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("add/", self.add_view, name="add"),
            path("edit/<str:pk>/", self.edit_view, name="edit"),
            path("delete/<str:pk>/", self.delete_view, name="delete"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(history_url_name=None, usage_url_name=None, **kwargs)


# Members -------------------------------------------------------------------------------------


def _scoped_cohorts(request):
    if request is None:
        return Cohort.objects.none()
    return cohort_visible_to(user=request.user)


class MembershipFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=gettext_lazy("Cohort"))

    class Meta:
        model = CohortMembership
        fields = ["cohort"]


class MembershipForm(WagtailAdminModelForm):
    email = forms.EmailField(label=gettext_lazy("Learner's email address"))

    class Meta:
        model = CohortMembership
        fields = ["cohort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohort_visible_to(user=self.for_user)

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.learner = get_user_model().objects.filter(email__iexact=email).first()
        if self.learner is None:
            raise forms.ValidationError(_("No account uses this email address."))
        return email


def _membership_scope(request):
    return CohortMembership.objects.filter(cohort__in=cohort_visible_to(user=request.user))


class MembershipIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return _membership_scope(self.request).select_related("learner", "cohort")


class MembershipCreateView(generic.CreateView):
    # A membership has no edit screen: the success message links to nothing.
    def get_edit_url(self):
        return None

    def get_success_buttons(self):
        return []

    def save_instance(self):
        return services.cohort_member_add(cohort=self.form.cleaned_data["cohort"], learner=self.form.learner)


class MembershipDeleteView(ScopedObjectMixin, generic.DeleteView):
    def scoped_queryset(self):
        return _membership_scope(self.request)

    def delete_action(self):
        services.cohort_member_remove(cohort=self.object.cohort, learner=self.object.learner)


class MembershipViewSet(ModelViewSet):
    model = CohortMembership
    icon = "user"
    menu_label = gettext_lazy("Cohort members")
    url_prefix = "cohort-members"
    url_namespace = "cohort_members"
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return MembershipForm

    index_view_class = MembershipIndexView
    add_view_class = MembershipCreateView
    delete_view_class = MembershipDeleteView
    filterset_class = MembershipFilterSet
    list_display = [
        Column("learner", label=gettext_lazy("Learner")),
        Column("learner_email", label=gettext_lazy("Email"), accessor="learner.email"),
        Column("cohort", label=gettext_lazy("Cohort")),
        Column("joined_at", label=gettext_lazy("Joined"), sort_key="joined_at"),
    ]
    search_fields = ["learner__email", "learner__display_name"]
    search_backend_name = None
    ordering = ["-joined_at"]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("add/", self.add_view, name="add"),
            path("delete/<str:pk>/", self.delete_view, name="delete"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        # A membership has nothing to edit: add one, or remove it.
        return super().get_common_view_kwargs(
            edit_url_name=None, history_url_name=None, usage_url_name=None, **kwargs
        )


# Course assignments ----------------------------------------------------------------------------


class AssignmentFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=_scoped_cohorts, label=gettext_lazy("Cohort"))

    class Meta:
        model = CohortCourse
        fields = ["cohort"]


class AssignmentForm(WagtailAdminModelForm):
    class Meta:
        model = CohortCourse
        fields = ["cohort", "course", "due_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohort_visible_to(user=self.for_user)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")


def _assignment_scope(request):
    return CohortCourse.objects.filter(cohort__in=cohort_visible_to(user=request.user))


class AssignmentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return _assignment_scope(self.request).select_related("cohort", "course")


class AssignmentSaveMixin:
    def save_instance(self):
        data = self.form.cleaned_data
        return services.cohort_course_assign(
            cohort=data["cohort"], course=data["course"], due_on=data["due_on"]
        )


class AssignmentCreateView(AssignmentSaveMixin, generic.CreateView):
    pass


class AssignmentEditView(ScopedObjectMixin, AssignmentSaveMixin, generic.EditView):
    def scoped_queryset(self):
        return _assignment_scope(self.request)


class AssignmentDeleteView(ScopedObjectMixin, generic.DeleteView):
    """Removing an assignment enrolls no one new; existing enrollments and progress stay."""

    def scoped_queryset(self):
        return _assignment_scope(self.request)


class AssignmentViewSet(ModelViewSet):
    model = CohortCourse
    icon = "calendar"
    menu_label = gettext_lazy("Course assignments")
    url_prefix = "cohort-courses"
    url_namespace = "cohort_courses"
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return AssignmentForm

    index_view_class = AssignmentIndexView
    add_view_class = AssignmentCreateView
    edit_view_class = AssignmentEditView
    delete_view_class = AssignmentDeleteView
    filterset_class = AssignmentFilterSet
    list_display = [
        Column("course", label=gettext_lazy("Course")),
        Column("cohort", label=gettext_lazy("Cohort")),
        Column("due_on", label=gettext_lazy("Due on"), sort_key="due_on"),
    ]
    ordering = ["cohort__name", "course__title"]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("add/", self.add_view, name="add"),
            path("edit/<str:pk>/", self.edit_view, name="edit"),
            path("delete/<str:pk>/", self.delete_view, name="delete"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(history_url_name=None, usage_url_name=None, **kwargs)


COHORT_VIEWSETS = (CohortViewSet, MembershipViewSet, AssignmentViewSet)
