"""Certificate PDFs with WeasyPrint.

Secured by construction:
- the HTML comes from a Django template with autoescaping, and no learner- or
  coordinator-supplied string is ever marked safe, so a name like ``<img src=...>``
  prints as text;
- every URL WeasyPrint would fetch goes through ``CertificateURLFetcher``, which allows
  only ``data:`` URLs and files under the project's static roots, with redirects off;
- images from the settings are read through the storage API, scaled to the size they
  print at and embedded as JPEG ``data:`` URIs (in a stylesheet built only from
  URIs that match ``DATA_URI``); the QR code is a PNG ``data:`` URI.

Fast by construction: the stylesheet, the font configuration and WeasyPrint's image
cache are built once per process (a Celery worker child) and reused by every render.
WeasyPrint keys that cache by URL, and every certificate's QR code is a new ``data:``
URL, so the cache is bounded (``ImageCache``, least recently used out): the logo and
signature, used by every render, stay in it; old QR codes leave.
"""

import base64
import io
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image as PILImage
from PIL import ImageOps
from weasyprint import CSS, HTML
from weasyprint.text import ffi as weasyprint_text_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

TEMPLATE = "certificates/certificate_pdf.html"
STYLESHEET = "certificates/certificate.css"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PDF_VARIANT = "pdf/a-3a"
PDF_VARIANT_FALLBACK = "pdf/a-3b"
# Images are scaled for print at this resolution; the stylesheet declares the same value
# with `image-resolution`, so a prepared image prints at exactly its box size or smaller.
IMAGE_DPI = 300
LOGO_BOX_MM = (60, 16)  # the same as .logo max-width and max-height in the stylesheet
SIGNATURE_BOX_MM = (55, 16)  # the same as .signature in the stylesheet
MM_PER_INCH = 25.4


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (font subsetting about 5× faster)."""
    return weasyprint_text_ffi.harfbuzz_subset is not None


def static_file_roots() -> tuple[Path, ...]:
    """Folders whose files are the project's static files: what the finders serve."""
    roots = {STATIC_DIR.resolve()}
    if settings.STATIC_ROOT:
        roots.add(Path(settings.STATIC_ROOT).resolve())
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.add(Path(location).resolve())
    return tuple(sorted(roots))


class CertificateURLFetcher(URLFetcher):
    """Lets WeasyPrint read ``data:`` URLs and our static files, and nothing else.

    A blocked URL raises, which WeasyPrint logs and treats as a missing resource: no
    network request, no file outside the static roots, no redirect is ever followed.
    """

    def __init__(self, *, static_roots: tuple[Path, ...] | None = None, **kwargs):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=5, **kwargs)
        self.static_roots = static_roots if static_roots is not None else static_file_roots()

    def fetch(self, url, headers=None):
        if not self.is_allowed(url):
            raise ValueError(f"URL blocked by the certificate URL fetcher: {url[:100]}")
        return super().fetch(url, headers)

    def is_allowed(self, url: str) -> bool:
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return True
        if scheme != "file":
            return False
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return False
        path = Path(url2pathname(parts.path)).resolve()
        return path.is_file() and any(path.is_relative_to(root) for root in self.static_roots)


class LRUDict(OrderedDict):
    """A dict with a size limit, least recently used out."""

    def __init__(self, maxsize: int):
        super().__init__()
        self.maxsize = maxsize

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)


class ImageCache(LRUDict):
    """WeasyPrint's image cache with a size limit.

    WeasyPrint stores two or three entries per image (the decoded image by URL, and its
    data by image id) and reads them again while writing the same PDF, so the limit is
    many renders' worth of entries: what one render uses is always recent.
    """

    def __init__(self, maxsize: int = 64):
        super().__init__(maxsize)


# What a settings image's data: URI looks like; nothing else goes into a stylesheet.
DATA_URI = re.compile(r"data:image/(?:jpeg|png);base64,[A-Za-z0-9+/]*={0,2}")


@dataclass
class SharedResources:
    """What every render in this process reuses."""

    font_config: FontConfiguration
    stylesheet: CSS
    url_fetcher: CertificateURLFetcher
    cache: dict = field(default_factory=ImageCache)
    issuer_stylesheets: dict = field(default_factory=lambda: LRUDict(4))
    issuer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issuer_stylesheet(self, logo_uri: str | None, signature_uri: str | None) -> CSS | None:
        """The logo and signature as CSS backgrounds, parsed once per pair of images.

        A data: URI in the HTML is parsed again on every render, at about 0.06 ms per KB
        (3 ms for a typical logo and signature); in a stylesheet kept here it is parsed
        once. Both images are decorative: the issuer's and the signatory's names are
        printed beside them as text, so in the tagged PDF they are artifacts, as
        backgrounds are.
        """
        if not logo_uri and not signature_uri:
            return None
        key = (logo_uri, signature_uri)
        with self.issuer_lock:
            if key not in self.issuer_stylesheets:
                self.issuer_stylesheets[key] = self._issuer_stylesheet_build(logo_uri, signature_uri)
            return self.issuer_stylesheets[key]

    def _issuer_stylesheet_build(self, logo_uri: str | None, signature_uri: str | None) -> CSS:
        rules = []
        for selector, uri in ((".logo", logo_uri), (".signature", signature_uri)):
            if uri:
                if not DATA_URI.fullmatch(uri):
                    raise ValueError(f"Not an image data: URI: {uri[:40]}")
                rules.append(f'{selector} {{ background-image: url("{uri}"); }}')
        return CSS(string="\n".join(rules), font_config=self.font_config, url_fetcher=self.url_fetcher)


_shared: SharedResources | None = None
_shared_lock = threading.Lock()
# Renders in one process take turns: WeasyPrint's font configuration and cache are not
# documented as thread-safe, and only `make run` (eager tasks in runserver threads)
# renders from more than one thread.
_render_lock = threading.Lock()


def build_resources(*, cache: dict | None = None) -> SharedResources:
    """A new stylesheet and font configuration (and image cache unless one is given)."""
    font_config = FontConfiguration()
    url_fetcher = CertificateURLFetcher()
    stylesheet = CSS(filename=str(STATIC_DIR / STYLESHEET), font_config=font_config, url_fetcher=url_fetcher)
    return SharedResources(
        font_config=font_config,
        stylesheet=stylesheet,
        url_fetcher=url_fetcher,
        cache=ImageCache() if cache is None else cache,
    )


def shared_resources() -> SharedResources:
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = build_resources()
    return _shared


def image_data_uri(image, *, box_mm: tuple[int, int]) -> str:
    """The Wagtail image scaled to fit ``box_mm`` at IMAGE_DPI, as a JPEG ``data:`` URI.

    Read through the image's storage, so it works with any storage backend.
    """
    box_px = tuple(round(mm / MM_PER_INCH * IMAGE_DPI) for mm in box_mm)
    return _print_image_data_uri(image.file.storage, image.file.name, image.get_file_hash(), box_px)


@lru_cache(maxsize=16)
def _print_image_data_uri(storage, name: str, file_hash: str, box_px: tuple[int, int]) -> str:
    # The content hash is part of the key (as in Wagtail's renditions): a file replaced
    # under the same name is read again.
    with storage.open(name, "rb") as file:
        jpeg = print_image(file, box_px=box_px)
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def print_image(file, *, box_px: tuple[int, int]) -> bytes:
    """JPEG bytes of the image scaled down to fit ``box_px``, flattened onto white.

    JPEG because WeasyPrint embeds JPEG bytes as they are (DCTDecode), while it decodes
    and recompresses a PNG on every render: for a logo and a signature that was a fifth
    of the render time. Quality 95 without chroma subsampling keeps the edges of logo
    text and signature strokes clean at 300 dpi. The certificate is white, so flattening
    transparency onto white changes nothing that prints.
    """
    with PILImage.open(file) as original:
        # Opening reads only the header: refuse to decode an image larger than uploads may
        # be (one stored before the cap, or put in storage directly), which would cost
        # hundreds of MB per render. The caller prints the certificate without it.
        max_pixels = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", None)
        if max_pixels and original.width * original.height > max_pixels:
            raise ValueError(f"{original.width}×{original.height} is more than {max_pixels} pixels")
        image = ImageOps.exif_transpose(original)
        image.thumbnail(box_px, PILImage.Resampling.LANCZOS)
        if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            flat = PILImage.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:
            flat = image.convert("RGB")
    buffer = io.BytesIO()
    flat.save(buffer, format="JPEG", quality=95, subsampling=0, optimize=True)
    return buffer.getvalue()


# Grey levels of the QR code's light and dark modules (the dark one is the text colour).
QR_LIGHT, QR_DARK = 255, 0x24
_QR_GREY = bytes([QR_LIGHT, QR_DARK]) + bytes(254)


def qr_data_uri(url: str) -> str:
    """The QR code for the URL as a one-pixel-per-module greyscale PNG ``data:`` URI.

    The stylesheet scales it up with ``image-rendering: pixelated``, so it prints sharp.
    A raster this small costs WeasyPrint almost nothing, where the same code as an SVG
    path took a third of the render. Mask 0 is fixed: choosing the "best" of the eight
    masks (segno's default) costs more than the rest of the encoding, and any mask gives
    a valid, scannable code. Pillow writes the PNG (segno's writer is pure Python), as
    8-bit grey, which WeasyPrint embeds without converting it.
    """
    qr = segno.make(url, error="m", mask=0, mode="byte")
    size = len(qr.matrix)
    pixels = b"".join(bytes(row) for row in qr.matrix).translate(_QR_GREY)
    buffer = io.BytesIO()
    PILImage.frombytes("L", (size, size), pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _size_class(text: str, *, long: int, very_long: int) -> str:
    if len(text) > very_long:
        return "very-long"
    if len(text) > long:
        return "long"
    return ""


def certificate_html(certificate, *, has_logo: bool = False, has_signature: bool = False) -> str:
    """The certificate as HTML: Django's template engine with autoescaping on.

    The logo and signature are not in the HTML: ``SharedResources.issuer_stylesheet``
    paints them as backgrounds of their boxes.
    """
    verify_url = certificate.get_absolute_verify_url()
    context = {
        "certificate": certificate,
        "competencies": certificate.competencies or [],
        "has_logo": has_logo,
        "has_signature": has_signature,
        # The QR code opens the certificate's own page; the printed text is the short form
        # (Certificate.printed_verify_url), which a person can type.
        "qr_uri": qr_data_uri(verify_url),
        "name_size": _size_class(certificate.learner_name, long=32, very_long=60),
        "title_size": _size_class(certificate.course_title, long=48, very_long=90),
        "language_code": settings.LANGUAGE_CODE,
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, context)


def pdf_from_html(
    html: str,
    *,
    resources: SharedResources | None = None,
    url_fetcher: CertificateURLFetcher | None = None,
    issuer_stylesheet: CSS | None = None,
    pdf_variant: str = PDF_VARIANT,
) -> bytes:
    """Render HTML to a tagged PDF/A with the shared stylesheet and fonts."""
    resources = resources or shared_resources()
    fetcher = url_fetcher or resources.url_fetcher
    stylesheets = [resources.stylesheet]
    if issuer_stylesheet is not None:
        stylesheets.append(issuer_stylesheet)
    with _render_lock:
        document = HTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=fetcher)
        options = {
            "stylesheets": stylesheets,
            "font_config": resources.font_config,
            "cache": resources.cache,
        }
        try:
            return document.write_pdf(pdf_variant=pdf_variant, **options)
        except Exception:
            if pdf_variant != PDF_VARIANT:
                raise
            logger.warning("Rendering as %s failed; falling back to %s", PDF_VARIANT, PDF_VARIANT_FALLBACK)
            return document.write_pdf(pdf_variant=PDF_VARIANT_FALLBACK, **options)


def certificate_pdf(
    certificate,
    *,
    logo_uri: str | None = None,
    signature_uri: str | None = None,
    url_fetcher: CertificateURLFetcher | None = None,
    resources: SharedResources | None = None,
) -> bytes:
    """The certificate's PDF bytes, with the logo and signature given as ``data:`` URIs."""
    resources = resources or shared_resources()
    html = certificate_html(certificate, has_logo=bool(logo_uri), has_signature=bool(signature_uri))
    return pdf_from_html(
        html,
        resources=resources,
        url_fetcher=url_fetcher,
        issuer_stylesheet=resources.issuer_stylesheet(logo_uri, signature_uri),
    )
