"""One rule for spreadsheet exports: text a spreadsheet would run as a formula.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, and names are typed by learners: every such text cell is prefixed with
``'`` (OWASP's advice). Here, below every app, so each app's reports use the same rule.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    """Text a spreadsheet would run as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
