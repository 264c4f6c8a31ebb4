from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# The stored search vectors made again in the archive's configuration (documents' migration
# 0003), the expression minutes.archive.MINUTES_VECTOR as it stood when this was written.
SECTIONS_TEXT = (
    "(SELECT string_agg(concat_ws(E'\\n', s->>'title', s->>'text'), E'\\n') "
    "FROM jsonb_array_elements(minutes_minutes.sections) s)"
)


def vector(config: str) -> str:
    return (
        f"to_tsvector('{config}'::regconfig, COALESCE({SECTIONS_TEXT}, '')) || "
        f"jsonb_to_tsvector('{config}'::regconfig, minutes_minutes.record, '[\"string\"]')"
    )


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"UPDATE minutes_minutes SET search_vector = {vector('archive')}")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"UPDATE minutes_minutes SET search_vector = {vector('simple')}")


class Migration(migrations.Migration):
    dependencies = [
        ("minutes", "0004_minutes_search_vector"),
        ("documents", "0003_archive_search_config"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
