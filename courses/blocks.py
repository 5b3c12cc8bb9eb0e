"""StreamField blocks for lessons. Reused by pages in content/ (About, Pathway)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        template = "courses/blocks/heading_block.html"
        description = _("A section heading inside the lesson.")
        form_classname = "title"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("key_idea", _("Key idea")), ("caution", _("Caution"))],
        default="tip",
    )
    title = blocks.CharBlock(required=False, max_length=120)
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        template = "courses/blocks/callout_block.html"
        description = _("A highlighted tip, key idea or caution.")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250, help_text=_("Describe the image for people who cannot see it.")
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "courses/blocks/image_block.html"
        description = _("An image with alternative text and an optional caption.")


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text=_("A link to the video, e.g. on YouTube or Vimeo."))
    transcript = blocks.RichTextBlock(required=False, features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "media"
        template = "courses/blocks/video_block.html"
        description = _("An embedded video with an optional transcript.")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "courses/blocks/quote_block.html"
        description = _("A quotation from a real, named source.")


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    situation = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    questions = blocks.ListBlock(blocks.CharBlock(max_length=500), label=_("Discussion questions"))

    class Meta:
        icon = "group"
        template = "courses/blocks/scenario_block.html"
        description = _("A realistic situation followed by discussion questions.")


class ReflectionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(help_text=_("The learner answers in a private note."))

    class Meta:
        icon = "edit"
        template = "courses/blocks/reflection_block.html"
        description = _("A prompt the learner answers in a private note saved for them.")


class TakeawaysBlock(blocks.StructBlock):
    items = blocks.ListBlock(blocks.CharBlock(max_length=400))

    class Meta:
        icon = "list-ul"
        template = "courses/blocks/takeaways_block.html"
        description = _("The lesson's key takeaways.")


class ResourceStructValue(blocks.StructValue):
    def href(self) -> str:
        document = self.get("document")
        if document:
            return document.url
        return self.get("url") or ""


class ResourceBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    document = DocumentChooserBlock(required=False)
    url = blocks.URLBlock(required=False, help_text=_("Used when no document is chosen."))
    description = blocks.TextBlock(required=False)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/resource_block.html"
        description = _("A downloadable document or a link to an outside resource.")
        value_class = ResourceStructValue

    def clean(self, value):
        cleaned = super().clean(value)
        if not cleaned.get("document") and not cleaned.get("url"):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError(_("Choose a document or give a URL."))}
            )
        return cleaned


class LessonBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        icon="pilcrow",
        template="courses/blocks/text_block.html",
        description=_("Paragraphs of text."),
    )
    heading = HeadingBlock()
    callout = CalloutBlock()
    image = ImageBlock()
    video = VideoBlock()
    quote = QuoteBlock()
    scenario = ScenarioBlock()
    reflection = ReflectionBlock()
    takeaways = TakeawaysBlock()
    resource = ResourceBlock()
