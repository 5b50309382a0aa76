"""Signed notes, their co-signatures and addenda, lifecycle events and gate overrides never
change (PostgreSQL triggers refuse UPDATE and DELETE; the ORM refuses them everywhere)."""

from django.db import migrations

from infusionist.postgres import PostgresOnlySQL, append_only_trigger_sql

TABLES = (
    "infusions_visitevent",
    "infusions_gateoverride",
    "infusions_signednote",
    "infusions_notecosignature",
    "infusions_noteaddendum",
)


def _operations() -> list[PostgresOnlySQL]:
    operations = []
    for table in TABLES:
        forward, reverse = append_only_trigger_sql(table)
        operations.append(PostgresOnlySQL(forward, reverse))
    return operations


class Migration(migrations.Migration):
    dependencies = [("infusions", "0001_initial")]

    operations = _operations()
