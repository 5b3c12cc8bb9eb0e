from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict computed by a selector (templates cannot index by variable)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def admin_link_visible(context) -> bool:
    """Whether the signed-in user may open the admin (cached: accounts/permissions.py)."""
    from training_site.accounts.permissions import user_can_access_admin

    user = context.get("user")
    return user is not None and user_can_access_admin(user)
