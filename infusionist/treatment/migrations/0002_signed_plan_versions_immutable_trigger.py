from django.db import migrations

from infusionist.postgres import PostgresOnlySQL

TABLE = "treatment_treatmentplanversion"
FUNCTION = "treatment_plan_version_signed_immutable"

# Drafts may change and be signed (an UPDATE from 'draft' to 'signed'); once the stored
# row is signed, every UPDATE and DELETE is rejected. Corrections are new versions.
FORWARD = f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION '% of a signed treatment plan version is not allowed: signed versions are immutable', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER {FUNCTION}
        BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""
REVERSE = f"DROP TRIGGER IF EXISTS {FUNCTION} ON {TABLE}; DROP FUNCTION IF EXISTS {FUNCTION}();"


class Migration(migrations.Migration):
    """Reject UPDATE and DELETE of signed plan versions in the database itself."""

    dependencies = [("treatment", "0001_protocols_dosing_settings_and_plan_versions")]
    operations = [PostgresOnlySQL(sql=FORWARD, reverse_sql=REVERSE)]
