from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict computed by a selector (templates cannot index by variable)."""
    if not mapping:
        return None
    return mapping.get(key)
