"""Lets training coordinators grant learners extra time on quizzes."""

from django.db import migrations

from training_site.accounts.migration_helpers import coordinator_permissions_grant, coordinator_permissions_revoke

PERMISSIONS = {"quizaccommodation": ("add", "change", "delete", "view")}


def grant(apps, schema_editor):
    coordinator_permissions_grant(apps, "assessments", PERMISSIONS)


def revoke(apps, schema_editor):
    coordinator_permissions_revoke(apps, "assessments", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_quizzes")]

    operations = [migrations.RunPython(grant, revoke)]
