"""No chair, exclusive staff member or patient holds two active appointments at once (PostgreSQL).

Exclusion constraints on half-open time ranges ``[start, end)``: back-to-back appointments
do not overlap. ``btree_gist`` lets an equality on an id join the range overlap in one GiST
index; it is a trusted extension, so the database owner may create it. On SQLite the booking
service holds the same rule under a lock on the location row (scheduling/services.py).
"""

from django.db import migrations

from infusionist.postgres import PostgresOnlySQL

ACTIVE = "('booked', 'confirmed', 'arrived', 'in_progress')"

FORWARD = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_chair_overlap
    EXCLUDE USING gist (chair_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (chair_id IS NOT NULL AND status IN {ACTIVE});
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_staff_overlap
    EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (staff_id IS NOT NULL AND staff_exclusive AND status IN {ACTIVE});
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_patient_overlap
    EXCLUDE USING gist (
        patient_id WITH =, tstzrange(service_starts_at, service_ends_at, '[)') WITH &&
    )
    WHERE (patient_id IS NOT NULL AND status IN {ACTIVE});
"""

REVERSE = """
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_chair_overlap;
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_staff_overlap;
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_patient_overlap;
"""

class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [PostgresOnlySQL(FORWARD, REVERSE)]
