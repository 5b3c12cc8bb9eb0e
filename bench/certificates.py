"""Certificate rendering benchmark (a `make bench` section). Not a timed test.

Every number is measured in this run, in this process, so the goals are ratios:

- a certificate render costs at most 3× a one-paragraph WeasyPrint document rendered
  with the same font configuration and the same output options (PDF/A-3a). The
  PDF/A-3a output intent (an sRGB ICC profile), XMP metadata and structure tree are a
  fixed cost of about 1 ms per PDF whatever it holds, so the baseline pays it too; the
  ratio against a plain one-paragraph PDF is printed beside it for reference;
- it costs at most 0.75× the same certificate rendered with the stylesheet and fonts
  rebuilt for every render (what the shared resources save);
- resident memory after 300 renders is within 10 % of memory after 10.

Times are CPU time of this process (`time.process_time`), so other work on the machine
disturbs them less than wall-clock time; the variants are interleaved round by round and
compared by their medians. Each render is a different certificate (its own id, code and
QR code), as in production. Run alone with `python bench/run.py certificates`.
"""

import base64
import datetime
import decimal
import gc
import io
import logging
import math
import os
import statistics
import sys
import time

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from weasyprint import HTML

from certificates import rendering
from certificates.models import (
    Certificate,
    certificate_code_generate,
    certificate_public_id_generate,
)

FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
WARMUP = 3
MEMORY_EARLY, MEMORY_LATE = 10, 300
GOALS = {"vs_paragraph": 3.0, "vs_rebuilt": 0.75, "memory_growth": 0.10}
ONE_PARAGRAPH = (
    '<!DOCTYPE html><html lang="en"><body><p>A School Community Liaison connects a school with '
    "its families and its neighborhood: listening, explaining, and bringing people together.</p>"
    "</body></html>"
)

logging.getLogger("weasyprint").setLevel(logging.ERROR)


def sample_certificate() -> Certificate:
    """An unsaved certificate with realistic text and a fresh id, code and QR code."""
    return Certificate(
        public_id=certificate_public_id_generate(),
        code=certificate_code_generate(),
        learner_name="Dana María Okafor-Reyes",
        course_title="Conflict Resolution for School–Family Partnerships",
        contact_hours=decimal.Decimal("6"),
        competencies=["communication", "conflict resolution", "de-escalation", "mediation"],
        issued_on=datetime.date(2026, 3, 14),
        expires_on=datetime.date(2028, 3, 14),
        issuer_name="Liaison Academy",
        signatory_name="Alma Reyes",
        signatory_title="Director of Training",
    )


def logo_upload() -> PILImage.Image:
    """A logo as a coordinator would upload it: 2400 × 900 RGBA, a disc, a word, a gradient."""
    image = PILImage.new("RGBA", (2400, 900), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 60, 800, 820), fill=(11, 95, 115, 255))
    draw.ellipse((240, 260, 600, 620), fill=(242, 165, 65, 255))
    font = ImageFont.truetype(FONT_FILE, 300)
    draw.text((880, 250), "Liaison", font=font, fill=(11, 95, 115, 255))
    for x in range(880, 2360):
        draw.line((x, 700, x, 760), fill=(242, 165 - (x - 880) // 20, 65, 255))
    return image


def signature_upload() -> PILImage.Image:
    """A scanned signature: 1600 × 500, dark strokes on off-white paper."""
    image = PILImage.new("RGB", (1600, 500), (250, 248, 242))
    draw = ImageDraw.Draw(image)
    points = [(80 + x * 12, 250 + round(120 * math.sin(x / 7) * math.cos(x / 23))) for x in range(120)]
    draw.line(points, fill=(20, 30, 60), width=9, joint="curve")
    draw.line([(200, 400), (1450, 380)], fill=(20, 30, 60), width=6)
    return image


def uploaded_image_uri(upload: PILImage.Image, box_mm: tuple[int, int]) -> str:
    """The upload prepared the way the service prepares settings images."""
    original = io.BytesIO()
    upload.save(original, format="PNG")
    original.seek(0)
    box_px = tuple(round(mm / rendering.MM_PER_INCH * rendering.IMAGE_DPI) for mm in box_mm)
    jpeg = rendering.print_image(original, box_px=box_px)
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


LOGO = uploaded_image_uri(logo_upload(), rendering.LOGO_BOX_MM)
SIGNATURE = uploaded_image_uri(signature_upload(), rendering.SIGNATURE_BOX_MM)


def render_certificate(resources=None) -> bytes:
    return rendering.certificate_pdf(
        sample_certificate(), logo_uri=LOGO, signature_uri=SIGNATURE, resources=resources
    )


def render_rebuilt() -> bytes:
    # A new stylesheet and font configuration for this one render; the image cache is the
    # shared one, so only what the goal names is rebuilt.
    return render_certificate(resources=rendering.build_resources(cache=rendering.shared_resources().cache))


def render_paragraph() -> bytes:
    return HTML(string=ONE_PARAGRAPH).write_pdf(
        font_config=rendering.shared_resources().font_config, pdf_variant=rendering.PDF_VARIANT
    )


def render_paragraph_plain() -> bytes:
    # Informational: the same paragraph as a plain PDF (no PDF/A, no tags).
    return HTML(string=ONE_PARAGRAPH).write_pdf(font_config=rendering.shared_resources().font_config)


def build_html() -> str:
    # Informational: the Django template and the segno QR code, before WeasyPrint.
    return rendering.certificate_html(sample_certificate(), has_logo=True, has_signature=True)


def cpu_ms(function) -> float:
    start = time.process_time()
    function()
    return (time.process_time() - start) * 1000


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_times() -> dict[str, list[float]]:
    variants = {
        "paragraph": render_paragraph,
        "paragraph_plain": render_paragraph_plain,
        "certificate": render_certificate,
        "rebuilt": render_rebuilt,
        "html": build_html,
    }
    for function in variants.values():
        for _ in range(WARMUP):
            function()
    times = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, function in variants.items():
            times[name].append(cpu_ms(function))
    return times


def measure_memory() -> tuple[int, int]:
    for _ in range(MEMORY_EARLY):
        render_certificate()
    gc.collect()
    early = resident_bytes()
    for _ in range(MEMORY_LATE - MEMORY_EARLY):
        render_certificate()
    gc.collect()
    return early, resident_bytes()


def run() -> list[dict]:
    from bench.common import row

    if not rendering.harfbuzz_subset_available():
        print(
            "WARNING: libharfbuzz-subset not found; WeasyPrint subsets fonts in Python (slow).",
            file=sys.stderr,
        )
    times = measure_times()
    medians = {name: statistics.median(values) for name, values in times.items()}
    early, late = measure_memory()
    plain_ratio = medians["certificate"] / medians["paragraph_plain"]
    return [
        row(
            id="C1",
            subject="certificate render (PDF/A-3a), CPU",
            baseline="one-paragraph PDF/A-3a document",
            ratio=medians["certificate"] / medians["paragraph"],
            goal=GOALS["vs_paragraph"],
            detail=(
                f"{medians['certificate']:.1f} ms vs {medians['paragraph']:.1f} ms over {ROUNDS} rounds; "
                f"{plain_ratio:.2f}x a plain one-paragraph PDF; HTML and QR code "
                f"{medians['html']:.1f} ms"
            ),
        ),
        row(
            id="C2",
            subject="certificate render with shared stylesheet and fonts",
            baseline="the same with stylesheet+fonts rebuilt",
            ratio=medians["certificate"] / medians["rebuilt"],
            goal=GOALS["vs_rebuilt"],
            detail=f"{medians['certificate']:.1f} ms vs {medians['rebuilt']:.1f} ms",
        ),
        row(
            id="C3",
            subject=f"resident memory after {MEMORY_LATE} renders",
            baseline=f"after {MEMORY_EARLY} renders",
            ratio=late / early,
            goal=1 + GOALS["memory_growth"],
            detail=(
                f"{early / 2**20:.1f} MiB after {MEMORY_EARLY}, {late / 2**20:.1f} MiB after {MEMORY_LATE}; "
                f"{len(rendering.shared_resources().cache)} image cache entries"
            ),
        ),
    ]
