"""Lets training coordinators manage question banks and questions (snippets)."""

from django.db import migrations

PERMISSIONS = {
    "question": ("add", "change", "delete", "view", "publish"),
    "questionbank": ("add", "change", "delete", "view"),
}

# Frozen here rather than imported from training_site.accounts: a migration must keep
# working when application code is renamed or removed later.
COORDINATORS_GROUP = "Training coordinators"


def _grant(apps, permissions):
    """Model permissions do not exist yet during migrate (Django adds them after it), so
    they are created here with get_or_create, as Wagtail's own migrations do."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    for model, actions in permissions.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="assessments", model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            group.permissions.add(permission)


def _revoke(apps, permissions):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=COORDINATORS_GROUP).first()
    if group is None:
        return
    codenames = [f"{action}_{model}" for model, actions in permissions.items() for action in actions]
    group.permissions.remove(
        *Permission.objects.filter(content_type__app_label="assessments", codename__in=codenames)
    )


def grant(apps, schema_editor):
    _grant(apps, PERMISSIONS)


def revoke(apps, schema_editor):
    _revoke(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("accounts", "0002_training_coordinators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
