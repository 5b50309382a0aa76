from django.db import migrations

from infusionist.postgres import PostgresOnlySQL, append_only_trigger_sql

forward, reverse = append_only_trigger_sql("consent_consentsignature")


class Migration(migrations.Migration):
    """Reject UPDATE and DELETE of consent signatures in the database itself."""

    dependencies = [("consent", "0002_default_documents_for_existing_clinics")]
    operations = [PostgresOnlySQL(sql=forward, reverse_sql=reverse)]
