from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    """Create the database cache's table (rate limits, signing lockouts) with the schema.

    Without it a new database fails on its first cached value ("no such table:
    infusionist_cache"). The command does nothing for caches that are not in the database and
    skips tables that already exist.
    """
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
