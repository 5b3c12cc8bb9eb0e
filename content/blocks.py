"""StreamField blocks for the pathway page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from courses.blocks import RICH_TEXT_FEATURES

STEP_CHOICES = [
    ("education", _("Education")),
    ("experience", _("Experience")),
    ("certifications", _("Certifications")),
    ("training", _("Training")),
    ("skills", _("Skills")),
]


class PathwayStepValue(blocks.StructValue):
    def live_links(self) -> list:
        """The linked pages that are live, as (title, url): an unpublished course drops out
        instead of leaving a dead link."""
        return [(page.title, page.url) for page in self.get("links") or [] if page is not None and page.live]


class PathwayStepBlock(blocks.StructBlock):
    step = blocks.ChoiceBlock(choices=STEP_CHOICES)
    heading = blocks.CharBlock(max_length=120)
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    requirements = blocks.ListBlock(
        blocks.CharBlock(max_length=300), help_text=_("What this step consists of, one item each.")
    )
    links = blocks.ListBlock(
        blocks.PageChooserBlock(page_type=["courses.CoursePage", "courses.LessonPage"]),
        required=False,
        help_text=_("Courses and lessons that serve this step."),
    )

    class Meta:
        icon = "list-ol"
        template = "content/blocks/pathway_step_block.html"
        description = _("One step of the road to the role: what it asks and where to learn it.")
        value_class = PathwayStepValue
