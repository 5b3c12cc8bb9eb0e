"""Creates the "Training coordinators" group.

Model permissions do not exist yet during migrate (Django adds them after), so they are
created here as Wagtail's own migrations do. Page permissions on the course catalogue are
granted when the catalogue page is created (content.curriculum.coordinator_pages_grant).
"""

from django.db import migrations

GROUP = "Training coordinators"
COLLECTION_PERMISSIONS = {
    ("wagtailimages", "image"): ("add", "change", "choose"),
    ("wagtaildocs", "document"): ("add", "change", "choose"),
}


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    group, _created = Group.objects.get_or_create(name=GROUP)
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    group.permissions.add(access_admin)

    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    for (app_label, model), actions in COLLECTION_PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=permission
            )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
