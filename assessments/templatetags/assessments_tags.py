from django import template

from assessments.kinds.base import plural_count

register = template.Library()


@register.filter
def marks_count(value) -> int:
    """The count blocktranslate needs for "1 mark" / "2 marks" (marks may be decimals)."""
    return plural_count(value)
