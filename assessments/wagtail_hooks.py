import django_filters
from django.contrib.admin.utils import unquote
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.admin.viewsets.base import ViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from assessments import admin_grading, admin_statistics, admin_views, moodle_admin_views, regrade_views
from assessments.admin_chooser import QuestionChooserViewSet
from assessments.forms import QuestionForm
from assessments.models import Question, QuestionBank, QuizAccommodation
from assessments.reports import AttemptsReportView
from assessments.selectors import accommodation_visible_to
from courses.admin_viewsets import COHORT_VIEWSETS, no_cohort_notice
from courses.bulk_admin import BULK_VIEWSETS


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("Question banks")
    list_display = ["path", "name"]
    search_fields = ["name", "path"]
    ordering = ["path"]


class QuestionFilterSet(WagtailFilterSet):
    tag = django_filters.ModelChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.filter(assessments_questiontag_items__isnull=False).distinct(),
        label=_("Tag"),
    )

    class Meta:
        model = Question
        fields = ["bank", "qtype", "live"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    list_display = ["title", "qtype", "bank", "marks", "live"]
    filterset_class = QuestionFilterSet
    search_fields = ["title", "stem"]
    list_export = ["title", "qtype", "bank", "marks", "stem_text"]
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionForm)
    chooser_viewset_class = QuestionChooserViewSet


class GiftViewSet(ViewSet):
    name = "gift"
    icon = "download"
    menu_label = _("GIFT import / export")

    def get_urlpatterns(self):
        return [
            path("import/", admin_views.gift_import, name="import"),
            path("import/<int:job_id>/", admin_views.gift_import_job, name="job"),
            path("export/", admin_views.gift_export, name="export"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 900,
            permission="assessments.add_question",
        )


class MoodleXmlViewSet(ViewSet):
    name = "moodle_xml"
    icon = "download"
    menu_label = _("Moodle XML import / export")

    def get_urlpatterns(self):
        return [
            path("import/", moodle_admin_views.moodle_xml_import, name="import"),
            path("export/", moodle_admin_views.moodle_xml_export, name="export"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 901,
            permission="assessments.add_question",
        )


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class GradingViewSet(ViewSet):
    name = "grading"
    icon = "check"
    menu_label = _("Grading")

    def get_urlpatterns(self):
        return [
            path("", admin_grading.grading_queue, name="index"),
            path("anonymous/", admin_grading.grading_anonymous_toggle, name="anonymous"),
            path("response/<int:response_id>/", admin_grading.grading_response, name="response"),
            path("<int:attempt_id>/", admin_views.grading_attempt, name="attempt"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 800,
            permission="assessments.grade_attempt",
        )


class QuizStatisticsViewSet(ViewSet):
    name = "quiz_statistics"
    url_prefix = "quiz-statistics"
    icon = "table"
    menu_label = _("Quiz statistics")

    def get_urlpatterns(self):
        return [
            path("", admin_statistics.quiz_statistics_index, name="index"),
            path("<int:quiz_id>/", admin_statistics.quiz_statistics_detail, name="detail"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 810,
            permission=admin_statistics.PERMISSION,
        )


class RegradeViewSet(ViewSet):
    name = "regrade"
    icon = "resubmit"
    menu_label = _("Regrade")

    def get_urlpatterns(self):
        return [
            path("", regrade_views.regrade_index, name="index"),
            path("quiz/<int:quiz_id>/", regrade_views.regrade_quiz, name="quiz"),
            path("jobs/<int:job_id>/", regrade_views.regrade_job, name="job"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 850,
            permission="assessments.grade_attempt",
        )


@hooks.register("register_log_actions")
def register_regrade_log_action(actions):
    actions.register_action("assessments.regrade", _("Regrade"), _("Regraded attempts"))


class AttemptsViewSet(ViewSet):
    """The attempts listing (a report per quiz and cohort), one attempt read-only, and the
    coordinator's actions on it."""

    name = "attempts"
    icon = "list-ul"
    menu_label = _("Quiz attempts")

    def get_urlpatterns(self):
        return [
            path("", AttemptsReportView.as_view(), name="index"),
            path("results/", AttemptsReportView.as_view(results_only=True), name="index_results"),
            path("<int:attempt_id>/", admin_grading.attempt_detail, name="detail"),
            path("<int:attempt_id>/reopen/", admin_grading.attempt_reopen_view, name="reopen"),
            path("<int:attempt_id>/grant/", admin_grading.attempt_grant_view, name="grant"),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            icon_name=self.icon,
            order=order or 810,
            permission="assessments.grade_attempt",
        )


class AccommodationScopeMixin:
    """Extra time is a learner record: another cohort's is a 404, as if it did not exist."""

    def scoped_queryset(self):
        return accommodation_visible_to(user=self.request.user)

    def get_object(self, queryset=None):
        # Replaces the generic lookup by model; ``live_object`` is what Wagtail's optional
        # features mixin would have set on the way.
        self.live_object = get_object_or_404(self.scoped_queryset(), pk=unquote(str(self.kwargs["pk"])))
        return self.live_object

    def get_base_object_queryset(self):
        return self.scoped_queryset()


class AccommodationIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        return accommodation_visible_to(user=self.request.user).select_related("learner", "quiz")

    def get(self, request, *args, **kwargs):
        if not self.results_only:
            no_cohort_notice(request)
        return super().get(request, *args, **kwargs)


class AccommodationEditView(AccommodationScopeMixin, snippet_views.EditView):
    pass


class AccommodationDeleteView(AccommodationScopeMixin, snippet_views.DeleteView):
    pass


class AccommodationUsageView(AccommodationScopeMixin, snippet_views.UsageView):
    pass


class AccommodationHistoryView(AccommodationScopeMixin, snippet_views.HistoryView):
    pass


class AccommodationViewSet(SnippetViewSet):
    model = QuizAccommodation
    icon = "time"
    menu_label = _("Extra time")
    list_display = ["learner", "quiz", "extra_minutes", "note"]
    search_fields = ["note"]
    index_view_class = AccommodationIndexView
    edit_view_class = AccommodationEditView
    delete_view_class = AccommodationDeleteView
    usage_view_class = AccommodationUsageView
    history_view_class = AccommodationHistoryView
    copy_view_enabled = False

    def register_chooser_viewset(self):
        # Nothing chooses an accommodation, and the chooser's views know no cohort scope.
        pass


class TrainingGroup(SnippetViewSetGroup):
    menu_label = _("Training")
    menu_icon = "tasks"
    menu_order = 250
    # Reports (content/wagtail_hooks.py) sit above assessments: they add themselves here.
    submenu_hook = "register_training_menu_item"
    items = (
        QuestionViewSet,
        QuestionBankViewSet,
        RegradeViewSet,
        GiftViewSet,
        MoodleXmlViewSet,
        GradingViewSet,
        AttemptsViewSet,
        QuizStatisticsViewSet,
        AccommodationViewSet,
        *COHORT_VIEWSETS,
        *BULK_VIEWSETS,
    )


register_snippet(TrainingGroup)


@hooks.register("insert_global_admin_js")
def question_editor_js():
    """Shows only the chosen type's panels in the question editor (a no-op elsewhere)."""
    return format_html('<script src="{}" defer></script>', static("assessments/question_editor.js"))


@hooks.register("register_log_actions")
def register_attempt_log_actions(actions):
    from assessments.services.coordinator import GRANT_ACTION, REOPEN_ACTION

    actions.register_action(REOPEN_ACTION, _("Reopen attempt"), _("Attempt reopened"))
    actions.register_action(GRANT_ACTION, _("Grant an extra attempt"), _("Extra attempt granted"))
