from django.db import migrations


def grant(apps, schema_editor):
    # Permission rows are made after all migrations run; make this one now to grant it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="audit", model="entry")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="view_entry", defaults={"name": "Can view audit entry"}
    )
    secretariat, _ = Group.objects.get_or_create(name="Secretariat")
    secretariat.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
        ("meetings", "0002_secretariat_group"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
