"""Image uploads that cannot be decoded are form errors, not 500s.

Wagtail's image field recognises a file by its first bytes (Willow), then reads its size
with Pillow; a GIF/JS polyglot or a truncated file passes the first step and raises from
the second, which Wagtail does not catch. The size cap itself is
WAGTAILIMAGES_MAX_IMAGE_PIXELS (settings).
"""

from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


class DecodableImageField(WagtailImageField):
    def check_image_pixel_size(self, f):
        try:
            super().check_image_pixel_size(f)
            if f.image.format_name != "svg":
                # verify() walks the whole file (chunks and checksums) without decoding
                # the pixels, so a damaged image is caught here, not at its first rendition.
                f.seek(0)
                with PILImage.open(f) as image:
                    image.verify()
        except ValidationError:
            raise
        except Exception as error:  # noqa: BLE001 - Pillow raises many types for bad input
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from error
        finally:
            if hasattr(f, "seek"):
                f.seek(0)


class ImageForm(BaseImageForm):
    file = DecodableImageField()
