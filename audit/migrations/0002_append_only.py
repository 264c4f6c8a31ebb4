from django.db import migrations

# PostgreSQL refuses to change or delete an entry, whoever asks; only the table's owner can
# switch the trigger off, and the chain shows what they then did (audit.trail.check).
APPEND_ONLY = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: entries are never changed or deleted.';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
DROP = """
DROP TRIGGER audit_entry_append_only ON audit_entry;
DROP FUNCTION audit_entry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_entry_and_head")]

    operations = [migrations.RunPython(forwards, backwards)]
