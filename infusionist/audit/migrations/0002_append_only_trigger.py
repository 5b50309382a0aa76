from django.db import migrations

from infusionist.postgres import PostgresOnlySQL, append_only_trigger_sql

forward, reverse = append_only_trigger_sql("audit_auditevent")


class Migration(migrations.Migration):
    """Reject UPDATE and DELETE of audit events in the database itself (45 CFR 164.312(b))."""

    dependencies = [("audit", "0001_initial")]
    operations = [PostgresOnlySQL(sql=forward, reverse_sql=reverse)]
