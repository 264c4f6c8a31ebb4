"""Bodies that cite the Law on Government Organisation 2015 cite the law in force since
1 March 2025 instead. Results frozen before keep the reference they were decided under."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

FORMER = "Law on Government Organisation 2015, Art. 46; Decree 39/2022/ND-CP"
CURRENT = "Law on Government Organisation 2025 (No. 63/2025/QH15); Decree 39/2022/ND-CP"


def cite_the_law_in_force(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("meetings", "Body").objects.filter(rules_reference=FORMER).update(
        rules_reference=CURRENT
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_votes_may_change"),
    ]

    operations = [migrations.RunPython(cite_the_law_in_force, migrations.RunPython.noop)]
