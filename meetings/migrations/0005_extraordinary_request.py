"""Who may demand an extraordinary meeting. Bodies of the Government take the law's rule: at
least one third of the members."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def a_third_of_the_government(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("meetings", "Body").objects.filter(kind="government").update(
        extraordinary_numerator=1, extraordinary_denominator=3
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_government_reference_2025"),
    ]

    operations = [
        migrations.AddField(
            model_name="body",
            name="extraordinary_numerator",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="body",
            name="extraordinary_denominator",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(a_third_of_the_government, migrations.RunPython.noop),
    ]
