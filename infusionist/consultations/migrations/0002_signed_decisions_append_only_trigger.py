from django.db import migrations

from infusionist.postgres import PostgresOnlySQL, append_only_trigger_sql

forward, reverse = append_only_trigger_sql("consultations_eligibilitydecision")


class Migration(migrations.Migration):
    """Reject UPDATE and DELETE of signed eligibility decisions in the database itself."""

    dependencies = [("consultations", "0001_consultations_eligibility_settings_and_decisions")]
    operations = [PostgresOnlySQL(sql=forward, reverse_sql=reverse)]
