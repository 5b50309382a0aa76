from django.db import migrations

from infusionist.postgres import PostgresOnlySQL

COLUMNS = ("last_name_key", "first_name_key", "preferred_name_key", "phone_key")


class Migration(migrations.Migration):
    """Let prefix searches (LIKE 'abc%') use an index whatever the database collation."""

    dependencies = [("patients", "0001_initial")]
    operations = [
        PostgresOnlySQL(
            sql=f"CREATE INDEX patient_{col}_pattern ON patients_patient "
            f"(organization_id, {col} text_pattern_ops);",
            reverse_sql=f"DROP INDEX IF EXISTS patient_{col}_pattern;",
        )
        for col in COLUMNS
    ]
