"""One rule for characters no field may hold, and one way to read a number from a form.

PostgreSQL cannot store NUL in text, and the other C0 control characters (and DEL) have no
meaning in anything a person types: a request carrying one in its path, a query or form
value is refused with a clear 400 before any view runs, on every database alike. Tab,
line feed and carriage return are text. Uploaded files are checked by their own forms.
"""

import re

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def ascii_int(value: str | None) -> int | None:
    """The integer written in ASCII digits, or None.

    ``str.isdigit()`` also accepts superscripts and other scripts' digits (``²``, ``١``),
    which ``int()`` then rejects or reads as a number nobody typed.
    """
    if value and value.isascii() and value.isdigit():
        return int(value)
    return None


def _querydict_has_control_characters(data) -> bool:
    return any(
        has_control_characters(key) or any(has_control_characters(v) for v in values)
        for key, values in data.lists()
    )


class ControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            has_control_characters(request.path)
            or _querydict_has_control_characters(request.GET)
            or (request.method == "POST" and _querydict_has_control_characters(request.POST))
        ):
            return HttpResponseBadRequest(
                _("The request contains a control character (such as NUL) that no field may hold."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
