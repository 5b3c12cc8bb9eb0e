"""Roles are Wagtail groups; this module names them once for every app."""

COORDINATORS_GROUP = "Training coordinators"


def is_coordinator(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=COORDINATORS_GROUP).exists()
