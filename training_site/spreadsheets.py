"""Exports that open in a spreadsheet: one rule for formula injection, used by every report.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (OWASP, "CSV Injection"). Learners and
coordinators type names and answers that end up in exports, so every text cell goes
through ``neutralize_formula``: prefixed with ``'`` it is shown as the text it was.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    """Text a spreadsheet would run as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
