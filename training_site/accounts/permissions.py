"""Whether a user may open Wagtail's admin, for the "Admin" link every signed-in page shows.

``user.has_perm("wagtailadmin.access_admin")`` costs two queries (the user's permissions and
their groups') on every page a learner opens, to show a link almost none of them get. The
answer is kept in the cache per user and dropped whenever a user's groups or permissions or
a group's permissions change. The link is only a convenience: the admin checks the
permission itself on every request.
"""

import secrets

from django.contrib.auth.models import Group
from django.core.cache import cache

GENERATION_KEY = "admin-access:generation"
TIMEOUT_SECONDS = 600


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = secrets.token_hex(8)
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


def user_can_access_admin(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    key = f"admin-access:{_generation()}:{user.pk}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = user.has_perm("wagtailadmin.access_admin")
        cache.set(key, allowed, TIMEOUT_SECONDS)
    return allowed


def admin_access_changed(sender, action: str, **kwargs) -> None:
    """m2m_changed receiver: a change to who is in which group or holds which permission."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    watched = (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through)
    if sender in watched and action in ("post_add", "post_remove", "post_clear"):
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
