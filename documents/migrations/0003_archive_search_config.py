from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# The archive compares words without case or diacritics (minutes.search_text): on PostgreSQL
# that is the text search configuration "archive", the 'simple' dictionary after 'unaccent'
# (a trusted extension shipped with PostgreSQL: the database's owner may create it). The index
# on the papers' text is made again with it, the expression the archive filters on
# (SearchVector("text", config="archive")). SQLite compares in Python and has no index.
INDEX = "documents_version_text_fts"
CREATE_CONFIG = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION archive (COPY = simple)",
    # Words with letters beyond ASCII (all Vietnamese ones with diacritics) lose them first;
    # 'simple' then lowercases every word.
    "ALTER TEXT SEARCH CONFIGURATION archive "
    "ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple",
]


def index_with(config: str) -> str:
    return (
        f"CREATE INDEX {INDEX} ON documents_documentversion "
        f"USING gin (to_tsvector('{config}'::regconfig, COALESCE(text, '')))"
    )


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in CREATE_CONFIG:
        schema_editor.execute(statement)
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(index_with("archive"))


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(index_with("simple"))
    schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS archive")


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_version_text"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
