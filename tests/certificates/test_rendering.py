"""The certificate PDF, rendered for real by WeasyPrint and read back with pypdf."""

import io
import re
from pathlib import Path
from urllib.request import HTTPRedirectHandler

import pytest
import weasyprint.text.ffi
from django.utils.formats import date_format
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.models import Site

from certificates import rendering, services
from certificates.models import CertificateSettings
from tests.certificates.factories import png_bytes, wagtail_image

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    "<style>@import url(http://127.0.0.1:6379/)</style>",
]


class RecordingFetcher(rendering.CertificateURLFetcher):
    """The fetcher we ship, with a record of every URL WeasyPrint asks it for."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        return super().fetch(url, headers)


def read_pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def squashed(text: str) -> str:
    return "".join(text.split())


def assert_no_embedded_files(reader: PdfReader) -> None:
    catalog = reader.trailer["/Root"]
    assert "/AF" not in catalog
    names = catalog.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert reader.attachments == {}


def images_in(resources) -> list:
    """Every image XObject under the resources, looking inside form XObjects too."""
    found = []
    xobjects = resources.get_object().get("/XObject") if resources else None
    for ref in (xobjects or {}).values():
        xobject = ref.get_object()
        if xobject["/Subtype"] == "/Image":
            found.append(xobject)
        elif xobject["/Subtype"] == "/Form":
            found.extend(images_in(xobject.get("/Resources")))
    return found


def only_allowed(urls: list[str]) -> bool:
    roots = rendering.static_file_roots()
    for url in urls:
        if url.startswith("data:"):
            continue
        path = Path(url.removeprefix("file://")).resolve()
        if not (url.startswith("file://") and any(path.is_relative_to(root) for root in roots)):
            return False
    return True


def test_pdf_is_one_tagged_page_with_name_course_and_code(certificate):
    """The PDF has one page, prints the learner's name, the course and the short code, is
    tagged PDF/A-3a and embeds no file."""
    pdf = services.certificate_pdf_bytes(certificate=certificate)
    reader = read_pdf(pdf)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for value in (certificate.learner_name, certificate.course_title, certificate.code):
        assert squashed(value) in squashed(text)
    assert_no_embedded_files(reader)
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    metadata = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", metadata)
    assert re.search(r"pdfaid:conformance(>|=\")A", metadata)
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # landscape


def test_pdf_prints_the_dates_hours_competencies_and_verification_url(certificate):
    """Completion date, contact hours, competencies, expiry and the short verification
    address (host, /v/ and the code, as a person types it) are printed; the long address with
    the public id is left to the QR code."""
    certificate.expires_on = certificate.issued_on.replace(year=certificate.issued_on.year + 2)
    certificate.competencies = ["conflict resolution", "family engagement"]
    text = squashed(read_pdf(services.certificate_pdf_bytes(certificate=certificate)).pages[0].extract_text())
    assert "2contacthours" in text
    assert "conflictresolution·familyengagement" in text
    assert "Validuntil" + squashed(date_format(certificate.expires_on, "DATE_FORMAT")) in text
    assert "127.0.0.1:8000/v/" + certificate.code in text
    assert certificate.printed_verify_url == "127.0.0.1:8000/v/" + certificate.code
    assert certificate.public_id not in text


def test_harfbuzz_font_subsetting_is_in_use():
    """WeasyPrint found libharfbuzz-subset (installed by `make setup`): the fast subsetter."""
    assert weasyprint.text.ffi.harfbuzz_subset is not None
    assert rendering.harfbuzz_subset_available()


def test_stylesheet_and_fonts_are_built_once_per_process():
    """Every render shares one stylesheet, font configuration and image cache."""
    first = rendering.shared_resources()
    assert rendering.shared_resources() is first
    assert first.stylesheet is rendering.shared_resources().stylesheet


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_print_as_text_and_fetch_nothing(certificate, name):
    """Markup in a name prints literally; WeasyPrint asks the fetcher for nothing outside
    our static files and the PDF carries no embedded file."""
    certificate.learner_name = name
    certificate.signatory_name = name
    certificate.course_title = name
    fetcher = RecordingFetcher()
    reader = read_pdf(services.certificate_pdf_bytes(certificate=certificate, url_fetcher=fetcher))
    assert len(reader.pages) == 1
    assert squashed(name) in squashed(reader.pages[0].extract_text())
    assert only_allowed(fetcher.requested), fetcher.requested
    assert not any("passwd" in url or "6379" in url for url in fetcher.requested)
    assert_no_embedded_files(reader)


def test_settings_images_are_fetched_as_data_uris_only(certificate):
    """With a logo and a signature, the fetcher is asked only for data: URLs (the logo,
    the signature and the QR code)."""
    issuer = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    issuer.logo = wagtail_image("Logo")
    issuer.signature = wagtail_image("Signature", size=(1600, 500))
    issuer.save()
    fetcher = RecordingFetcher()
    services.certificate_pdf_bytes(certificate=certificate, url_fetcher=fetcher)
    kinds = sorted(url.partition(";")[0] for url in fetcher.requested)
    assert kinds == ["data:image/jpeg", "data:image/jpeg", "data:image/png"]


def test_settings_images_are_scaled_to_print_size_without_alpha(certificate):
    """A 2400 × 900 RGBA logo is embedded at most 60 × 16 mm (its box in the stylesheet) at
    300 dpi, as RGB with no mask, and as JPEG, which WeasyPrint embeds without
    recompressing it."""
    issuer = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    issuer.logo = wagtail_image("Big logo", size=(2400, 900), mode="RGBA")
    issuer.save()
    reader = read_pdf(services.certificate_pdf_bytes(certificate=certificate))
    # The other image is the QR code, one pixel per module.
    images = [image for image in images_in(reader.pages[0]["/Resources"]) if image["/Width"] > 100]
    assert len(images) == 1
    logo = images[0]
    # 60 × 16 mm at 300 dpi is 709 × 189 px; the 8:3 logo fits as 504 × 189.
    assert (logo["/Width"], logo["/Height"]) == (504, 189)
    assert "/SMask" not in logo
    assert logo["/ColorSpace"] == "/DeviceRGB" or "RGB" in str(logo["/ColorSpace"])
    assert "/DCTDecode" in str(logo["/Filter"])


def test_print_image_flattens_transparency_onto_white():
    """Transparent pixels become white, and the result is an RGB JPEG scaled into the box."""
    transparent = io.BytesIO(png_bytes(size=(400, 100), color=(0, 0, 0, 0)))
    jpeg = rendering.print_image(transparent, box_px=(200, 200))
    with PILImage.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert image.size == (200, 50)
        assert all(channel >= 250 for channel in image.getpixel((10, 10)))


def test_image_cache_is_bounded_and_keeps_what_every_render_uses(certificate):
    """Every certificate's QR code is a new URL in WeasyPrint's image cache; the cache
    stays at its limit however many certificates are rendered, and the logo, used by
    every render, stays in it."""
    issuer = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    issuer.logo = wagtail_image("Logo")
    issuer.save()
    resources = rendering.build_resources()
    resources.cache.maxsize = 12
    logo_uri = rendering.image_data_uri(issuer.logo, box_mm=rendering.LOGO_BOX_MM)
    for number in range(10):
        certificate.public_id = f"cache-test-{number:02d}-" + "x" * 20
        pdf = rendering.certificate_pdf(certificate, logo_uri=logo_uri, resources=resources)
        assert len(read_pdf(pdf).pages) == 1
        assert len(resources.cache) <= 12
    assert logo_uri in resources.cache
    qr_entries = [key for key in resources.cache if key.startswith("data:image/png")]
    assert 1 <= len(qr_entries) < 10


def test_image_cache_evicts_least_recently_used():
    cache = rendering.ImageCache(maxsize=2)
    cache["a"], cache["b"] = 1, 2
    assert cache["a"] == 1  # "a" is now the most recent
    cache["c"] = 3
    assert list(cache) == ["a", "c"]


def test_very_long_text_still_fits_one_page(certificate):
    """The longest name and title the fields allow and many competencies still print on one page."""
    certificate.learner_name = "Maximiliana " * 16
    certificate.course_title = ("Community Engagement and Family Partnership " * 6)[:255]
    certificate.competencies = [f"competency {n}" for n in range(40)]
    certificate.signatory_title = "Associate Director of Family and Community Partnerships " * 3
    reader = read_pdf(services.certificate_pdf_bytes(certificate=certificate))
    assert len(reader.pages) == 1
    assert certificate.code in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        "file://evil.example/" + str(rendering.STATIC_DIR / "certificates" / "certificate.css"),
        "file://" + str(rendering.STATIC_DIR / "certificates" / ".." / ".." / "services.py"),
        "file://" + str(rendering.STATIC_DIR / "certificates" / "missing.css"),
    ],
)
def test_fetcher_refuses_everything_but_data_and_static_files(url):
    """The fetcher refuses other schemes, hosts, files outside the static roots and traversal."""
    fetcher = rendering.CertificateURLFetcher()
    assert not fetcher.is_allowed(url)
    with pytest.raises(ValueError, match="blocked"):
        fetcher.fetch(url)


def test_fetcher_reads_data_urls_and_our_static_files():
    """data: URLs and files under the static roots are served."""
    fetcher = rendering.CertificateURLFetcher()
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    stylesheet = rendering.STATIC_DIR / "certificates" / "certificate.css"
    response = fetcher.fetch(stylesheet.as_uri())
    assert b"@page" in response.read()
    response.close()


def test_fetcher_follows_no_redirects():
    """No HTTP redirect handler is installed (and http itself is refused)."""
    fetcher = rendering.CertificateURLFetcher()
    assert not any(isinstance(handler, HTTPRedirectHandler) for handler in fetcher.handlers)


def test_qr_code_in_the_pdf_opens_the_verification_page(certificate):
    """The printed QR code decodes (zxing-cpp) to the certificate's verification URL."""
    import zxingcpp

    reader = read_pdf(services.certificate_pdf_bytes(certificate=certificate))
    decoded = []
    for image in reader.pages[0].images:
        picture = PILImage.open(io.BytesIO(image.data)).convert("L")
        if picture.width != picture.height:
            continue
        # One pixel per module in the PDF: enlarge and add the quiet zone a scanner expects.
        big = picture.resize((picture.width * 8, picture.height * 8), PILImage.Resampling.NEAREST)
        canvas = PILImage.new("L", (big.width + 64, big.height + 64), 255)
        canvas.paste(big, (32, 32))
        decoded += [result.text for result in zxingcpp.read_barcodes(canvas)]
    assert decoded == [certificate.get_absolute_verify_url()]


def test_issuer_stylesheet_is_built_once_per_pair_of_images():
    """The logo and signature data: URIs are parsed into a stylesheet once, not per render."""
    resources = rendering.build_resources()
    logo = rendering.qr_data_uri("https://example.org/logo")
    signature = rendering.qr_data_uri("https://example.org/signature")
    first = resources.issuer_stylesheet(logo, signature)
    assert resources.issuer_stylesheet(logo, signature) is first
    assert resources.issuer_stylesheet(logo, None) is not first
    assert resources.issuer_stylesheet(None, None) is None


@pytest.mark.parametrize(
    "uri",
    [
        'data:image/png;base64,AAAA"); } @import url("http://127.0.0.1:6379/',
        "file:///etc/passwd",
        "data:text/css;base64,QGltcG9ydA==",
        "http://example.org/logo.jpg",
    ],
)
def test_issuer_stylesheet_takes_only_image_data_uris(uri):
    """Only a base64 image data: URI can reach the stylesheet: nothing that closes the
    url() or names another scheme."""
    with pytest.raises(ValueError):
        rendering.build_resources().issuer_stylesheet(uri, None)


def test_an_unreadable_settings_image_is_left_out_not_fatal(certificate, caplog):
    """A logo whose file has gone from storage is logged and left out; the certificate
    still renders, with the signature."""
    issuer = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    issuer.logo = wagtail_image("Lost logo")
    issuer.signature = wagtail_image("Signature", size=(1600, 500))
    issuer.save()
    issuer.logo.file.storage.delete(issuer.logo.file.name)
    reader = read_pdf(services.certificate_pdf_bytes(certificate=certificate))
    assert len(reader.pages) == 1
    assert certificate.code in reader.pages[0].extract_text()
    # Only the signature (and the small QR code) is embedded.
    images = [image for image in images_in(reader.pages[0]["/Resources"]) if image["/Width"] > 100]
    assert len(images) == 1
    assert "Lost logo" in caplog.text
    assert "printing without it" in caplog.text
