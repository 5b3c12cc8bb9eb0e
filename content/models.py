"""The site's front door and the record of what the curriculum loader built."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import LessonBodyBlock
from training_site.routing import TreeRouteMixin


class HomePage(TreeRouteMixin, Page):
    """The site root: introduces the academy and features courses. Routes the URLs below
    it with one query (training_site/routing.py)."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    body = StreamField(LessonBodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage", "content.StandardPage", "content.PathwayPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from content.selectors import home_featured_courses

        context = super().get_context(request, *args, **kwargs)
        context["featured_courses"] = home_featured_courses(home=self)
        return context


class StandardPage(Page):
    """About, help, privacy: plain editorial pages."""

    intro = models.TextField(blank=True)
    body = StreamField(LessonBodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["content.HomePage", "content.StandardPage"]
    subpage_types = ["content.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class CurriculumEntry(models.Model):
    """Which page the loader built from which source file, and the revision it published.

    A page whose latest revision is not the loader's own has been edited by someone since:
    the loader leaves it alone.
    """

    key = models.SlugField(max_length=120, unique=True)
    page = models.OneToOneField("wagtailcore.Page", on_delete=models.CASCADE, related_name="curriculum_entry")
    source_path = models.CharField(max_length=400)
    source_hash = models.CharField(max_length=64)
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("curriculum entries")

    def __str__(self) -> str:
        return self.key

    @property
    def curriculum_key(self) -> str:
        return self.key


class CurriculumQuestion(models.Model):
    """Which question the loader imported for which quiz, and the revision it published.

    The same rule as for pages: a question whose latest revision is not this one was edited
    by someone since, and the loader leaves it alone.
    """

    question = models.OneToOneField(
        "assessments.Question", on_delete=models.CASCADE, related_name="curriculum_record"
    )
    quiz_key = models.SlugField(max_length=120)
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("curriculum questions")

    def __str__(self) -> str:
        return f"{self.quiz_key}: {self.question_id}"


# Background report exports live in their own module (content/jobs.py) and the pathway page
# in content/pathway.py; Django registers a model where its module is imported, so the models
# module imports them.
from content.jobs import ReportExport  # noqa: E402
from content.pathway import PathwayPage  # noqa: E402

__all__ = ["CurriculumEntry", "CurriculumQuestion", "HomePage", "PathwayPage", "ReportExport", "StandardPage"]
