"""Certificate rendering benchmark (`make bench`). Not a timed test.

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
QR code), as in production. Exits 1 when a goal is missed.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "training_site.settings.test")

import django  # noqa: E402

django.setup()

from PIL import Image as PILImage  # noqa: E402
from PIL import ImageDraw, ImageFont  # noqa: E402
from weasyprint import HTML  # noqa: E402

from certificates import rendering  # noqa: E402
from certificates.models import (  # noqa: E402
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


def main() -> int:
    if not rendering.harfbuzz_subset_available():
        print("WARNING: libharfbuzz-subset not found; WeasyPrint subsets fonts in Python (slow).")
    times = measure_times()
    medians = {name: statistics.median(values) for name, values in times.items()}
    early, late = measure_memory()

    results = [
        (
            "certificate / one-paragraph document (both PDF/A-3a)",
            medians["certificate"] / medians["paragraph"],
            GOALS["vs_paragraph"],
            "×",
        ),
        (
            "certificate / certificate with stylesheet+fonts rebuilt",
            medians["certificate"] / medians["rebuilt"],
            GOALS["vs_rebuilt"],
            "×",
        ),
        (
            f"memory after {MEMORY_LATE} renders / after {MEMORY_EARLY} − 1",
            (late - early) / early,
            GOALS["memory_growth"],
            "%",
        ),
    ]

    print(f"Certificate rendering, CPU time per render over {ROUNDS} interleaved rounds")
    print(f"  {'variant':<58}{'median':>9}{'min':>9}{'max':>9}")
    labels = {
        "paragraph": "one-paragraph document, shared fonts, PDF/A-3a",
        "paragraph_plain": "  the same paragraph as a plain PDF",
        "certificate": "certificate, shared stylesheet, fonts and cache",
        "rebuilt": "certificate, stylesheet and fonts rebuilt per render",
        "html": "  of a certificate: its HTML and QR code (template, segno)",
    }
    for name, values in times.items():
        print(f"  {labels[name]:<58}{medians[name]:>7.1f}ms{min(values):>7.1f}ms{max(values):>7.1f}ms")
    print(
        f"  resident memory: {early / 2**20:.1f} MiB after {MEMORY_EARLY} renders, "
        f"{late / 2**20:.1f} MiB after {MEMORY_LATE}"
    )
    print()
    print(f"  {'goal':<58}{'measured':>10}{'limit':>10}  result")
    missed = 0
    for label, value, limit, unit in results:
        ok = value <= limit
        missed += not ok
        if unit == "%":
            shown, bound = f"{value * 100:+.1f} %", f"≤ {limit * 100:.0f} %"
        else:
            shown, bound = f"{value:.2f}×", f"≤ {limit:.2f}×"
        print(f"  {label:<58}{shown:>10}{bound:>10}  {'ok' if ok else 'MISSED'}")
    plain_ratio = medians["certificate"] / medians["paragraph_plain"]
    print(f"  {'for reference: certificate / plain one-paragraph PDF':<58}{plain_ratio:>9.2f}×")
    print(f"  {'image cache entries after the memory run':<58}{len(rendering.shared_resources().cache):>10}")
    print()
    print("All goals met." if not missed else f"{missed} goal(s) missed.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
