"""Lets training coordinators edit the certificate settings (issuer, logo, signatory) and
list, award, revoke and reissue certificates in the admin."""

from django.db import migrations

from training_site.accounts.migration_helpers import coordinator_permissions_grant, coordinator_permissions_revoke

PERMISSIONS = {
    "certificatesettings": ("change",),
    "certificate": ("add", "change", "view"),
}


def grant(apps, schema_editor):
    coordinator_permissions_grant(apps, "certificates", PERMISSIONS)


def revoke(apps, schema_editor):
    coordinator_permissions_revoke(apps, "certificates", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("accounts", "0002_training_coordinators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
