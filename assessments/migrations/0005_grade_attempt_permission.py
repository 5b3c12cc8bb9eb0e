"""A grade_attempt permission for the grading screens (they were gated by change_question),
given to the training coordinators and to any group that could grade before."""

from django.db import migrations

# Frozen here rather than imported from training_site.accounts: a migration must keep
# working when application code is renamed or removed later.
COORDINATORS_GROUP = "Training coordinators"
CODENAME = "grade_attempt"
NAME = "Can grade quiz attempts"
# The permission that gated grading until now.
PREVIOUS_CODENAME = "change_question"


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    # Permissions are created after migrate by Django; create this one now to grant it.
    content_type, _ = ContentType.objects.get_or_create(app_label="assessments", model="attempt")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    coordinators.permissions.add(permission)
    # Whoever could grade keeps that reach.
    for group in Group.objects.filter(
        permissions__content_type__app_label="assessments", permissions__codename=PREVIOUS_CODENAME
    ).distinct():
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="assessments", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_accommodation_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="attempt",
            options={
                "ordering": ["quiz", "learner", "number"],
                "permissions": [("grade_attempt", "Can grade quiz attempts")],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
