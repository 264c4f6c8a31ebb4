import django.contrib.postgres.search
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# The minutes' search vector, stored, with a GIN index; the existing minutes are filled in from
# their text. The expression is minutes.archive.MINUTES_VECTOR as it stood when this was
# written (a migration does not follow later changes of the code). SQLite has no full-text
# search: the column stays empty there and the archive matches substrings instead.
INDEX = "minutes_minutes_search_vector_gin"
SECTIONS_TEXT = (
    "(SELECT string_agg(concat_ws(E'\\n', s->>'title', s->>'text'), E'\\n') "
    "FROM jsonb_array_elements(minutes_minutes.sections) s)"
)
VECTOR = (
    f"to_tsvector('simple'::regconfig, COALESCE({SECTIONS_TEXT}, '')) || "
    "jsonb_to_tsvector('simple'::regconfig, minutes_minutes.record, '[\"string\"]')"
)


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON minutes_minutes USING gin (search_vector)"
        )


def backfill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"UPDATE minutes_minutes SET search_vector = {VECTOR}")


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("minutes", "0003_linked_consultations"),
    ]

    operations = [
        migrations.AddField(
            model_name="minutes",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
