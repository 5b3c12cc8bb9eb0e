"""Lets training coordinators edit the certificate settings (issuer, logo, signatory) and
list, award, revoke and reissue certificates in the admin.

Model permissions do not exist yet during migrate (Django adds them afterwards), so they
are created here, as training_site/accounts/migrations/0002 does.
"""

from django.db import migrations

GROUP = "Training coordinators"
PERMISSIONS = {
    "certificatesettings": ("change",),
    "certificate": ("add", "change", "view"),
}
NAMES = {"certificatesettings": "certificate settings", "certificate": "certificate"}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, actions in PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="certificates", model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {NAMES[model]}"},
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    for model, actions in PERMISSIONS.items():
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="certificates",
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("accounts", "0002_training_coordinators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
