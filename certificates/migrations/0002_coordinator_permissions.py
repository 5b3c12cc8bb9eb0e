"""Lets training coordinators edit the certificate settings (issuer, logo, signatory) and
list, award, revoke and reissue certificates in the admin.

Self-contained: a migration must keep working when application code changes, so the group
name and the permission helper are frozen here. Model permissions do not exist yet during
migrate (Django adds them after it), so they are created with get_or_create, as Wagtail's
own migrations do.
"""

from django.db import migrations

GROUP = "Training coordinators"
APP_LABEL = "certificates"
PERMISSIONS = {
    "certificatesettings": ("change",),
    "certificate": ("add", "change", "view"),
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, actions in PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=APP_LABEL, model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.remove(*Permission.objects.filter(content_type__app_label=APP_LABEL, codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("accounts", "0002_training_coordinators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
