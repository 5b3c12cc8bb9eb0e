"""Lets training coordinators grant learners extra time on quizzes."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name="Training coordinators")
    content_type, _ = ContentType.objects.get_or_create(app_label="assessments", model="quizaccommodation")
    for action in ("add", "change", "delete", "view"):
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_quizaccommodation",
            defaults={"name": f"Can {action} quiz accommodation"},
        )
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_quizzes")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
