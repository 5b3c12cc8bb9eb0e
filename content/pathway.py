"""The pathway page: the road to the liaison role as ordered steps.

Editorial content (a page coordinators edit, built by ``load_curriculum`` from
content/curriculum/pathway.yaml); the learner's own record and readiness against target
roles live in training_site.readiness and are linked from here.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import PathwayStepBlock


class PathwayPage(Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    steps = StreamField([("step", PathwayStepBlock())], blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("steps")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("steps")]
    parent_page_types = ["content.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("pathway page")
