from django.db import migrations


def create_secretariat_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the group needs one now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    body_type, _ = ContentType.objects.get_or_create(app_label="meetings", model="body")
    add_body, _ = Permission.objects.get_or_create(
        content_type=body_type, codename="add_body", defaults={"name": "Can add body"}
    )
    group, _ = Group.objects.get_or_create(name="Secretariat")
    group.permissions.add(add_body)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_secretariat_group, migrations.RunPython.noop)]
