from django.db import migrations

from infusionist.postgres import PostgresOnlySQL


class Migration(migrations.Migration):
    """Let name search's prefix match (token LIKE 'ruiz%') use an index whatever the collation."""

    dependencies = [("patients", "0003_patient_name_tokens")]
    operations = [
        PostgresOnlySQL(
            sql="CREATE INDEX patient_token_pattern ON patients_patientnametoken "
            "(organization_id, token text_pattern_ops);",
            reverse_sql="DROP INDEX IF EXISTS patient_token_pattern;",
        )
    ]
