"""The question chooser a quiz's slots open: search, filter by bank, type and tag, and show
those as columns, so a coordinator can find the question among hundreds."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet

from assessments.models import Question, QuestionBank, QuestionType


class QuestionChooserFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"), required=False, widget=forms.TextInput(attrs={"placeholder": _("Search")})
    )
    bank = forms.ModelChoiceField(QuestionBank.objects.all(), label=_("Bank"), required=False)
    qtype = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *QuestionType.choices]
    )
    tag = forms.CharField(label=_("Tag"), required=False)

    def filter(self, objects):
        data = self.cleaned_data
        if data.get("bank"):
            objects = objects.filter(bank=data["bank"])
        if data.get("qtype"):
            objects = objects.filter(qtype=data["qtype"])
        if data.get("tag"):
            objects = objects.filter(tags__name__iexact=data["tag"].strip()).distinct()
        query = (data.get("q") or "").strip()
        if query:
            # A plain substring match: any text a coordinator types is safe (the SQLite full
            # text search rejects quotes and brackets) and finds words inside titles and stems.
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(Q(title__icontains=query) | Q(stem__icontains=query))
        return objects


def _tags(question) -> str:
    return ", ".join(sorted(tag.name for tag in question.tags.all()))


class _QuestionColumns:
    filter_form_class = QuestionChooserFilterForm

    def get_object_list(self):
        return Question.objects.select_related("bank").prefetch_related("tags")

    @property
    def columns(self):
        title, *rest = super().columns
        return [
            title,
            Column("bank", label=_("Bank"), accessor=lambda q: q.bank.path),
            Column("qtype", label=_("Type"), accessor="get_qtype_display"),
            Column("tags", label=_("Tags"), accessor=_tags),
            *rest,
        ]


class QuestionChooseView(_QuestionColumns, ChooseView):
    pass


class QuestionChooseResultsView(_QuestionColumns, ChooseResultsView):
    pass


class QuestionChooserViewSet(SnippetChooserViewSet):
    choose_view_class = QuestionChooseView
    choose_results_view_class = QuestionChooseResultsView
