"""Lets training coordinators manage question banks and questions (snippets)."""

from django.db import migrations

from training_site.accounts.migration_helpers import coordinator_permissions_grant, coordinator_permissions_revoke

PERMISSIONS = {
    "question": ("add", "change", "delete", "view", "publish"),
    "questionbank": ("add", "change", "delete", "view"),
}


def grant(apps, schema_editor):
    coordinator_permissions_grant(apps, "assessments", PERMISSIONS)


def revoke(apps, schema_editor):
    coordinator_permissions_revoke(apps, "assessments", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("accounts", "0002_training_coordinators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
