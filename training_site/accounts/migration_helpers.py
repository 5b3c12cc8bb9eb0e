"""Shared by data migrations that give the "Training coordinators" group model permissions.

Model permissions do not exist yet during migrate (Django adds them after it), so they are
created here with get_or_create, as Wagtail's own migrations do. Takes the historical
``apps`` so it works at any point in the migration graph.
"""

from training_site.accounts.roles import COORDINATORS_GROUP


def coordinator_permissions_grant(apps, app_label: str, permissions: dict[str, tuple[str, ...]]) -> None:
    """``permissions`` maps a model name to actions, e.g. {"question": ("add", "change")}."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    for model, actions in permissions.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            group.permissions.add(permission)


def coordinator_permissions_revoke(apps, app_label: str, permissions: dict[str, tuple[str, ...]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=COORDINATORS_GROUP).first()
    if group is None:
        return
    codenames = [f"{action}_{model}" for model, actions in permissions.items() for action in actions]
    group.permissions.remove(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )
