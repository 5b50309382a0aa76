"""Time finding slots for a 6-session induction series over 4 weeks (10 chairs, 6 nurses).

Run it with `make bench` (PostgreSQL database of its own) or, against any database,
`DATABASE_URL=... .venv/bin/python bench/bench_scheduling.py`. It migrates the database,
creates (once) a fictional "Bench Scheduling Clinic" open Monday–Saturday 08:00–18:00 with
10 infusion chairs, 6 nurses on shift and, over the next 4 weeks, existing infusions that
fill about half of the chair time, then times:

- ``series_propose``: the whole service a front-desk page calls (loading hours, chairs,
  staffing, shifts, time off and the 4 weeks of appointments, then fitting 6 Monday /
  Wednesday / Friday sessions with alternatives where one is missing);
- the kernel alone (``lib.scheduling.propose_series`` on already-loaded values).

Each figure is the best of 20 runs. Writes bench/SCHEDULING.md. Target: < 50 ms end to end.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench" / "SCHEDULING.md"
REPEATS = 20
TARGET_MS = 50.0
CHAIRS = 10
NURSES = 6


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infusionist.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from infusionist.accounts.models import User
    from infusionist.clinics.models import (
        BusinessHours,
        Chair,
        Location,
        LocationStaffing,
        Organization,
        Room,
    )
    from infusionist.lib import scheduling as kernel
    from infusionist.patients.models import Patient
    from infusionist.scheduling import selectors, services
    from infusionist.scheduling.models import (
        Appointment,
        AppointmentType,
        SchedulingSettings,
        StaffShift,
    )
    from infusionist.treatment.models import Protocol
    from infusionist.treatment.services import protocols_create_defaults

    org, created = Organization.objects.get_or_create(
        slug="bench-scheduling",
        defaults={"name": "Bench Scheduling Clinic", "mrn_prefix": "BSC", "phone": "+15415550100"},
    )
    tz_name = "America/Chicago"
    if created:
        location = Location.objects.create(
            organization=org,
            name="Bench",
            address_line1="1 Bench Way",
            city="Benchville",
            state="TX",
            postal_code="73301",
            phone="+15415550100",
            time_zone=tz_name,
            is_primary=True,
        )
        for weekday in range(6):
            BusinessHours.objects.create(
                location=location, weekday=weekday, opens_at=dt.time(8), closes_at=dt.time(18)
            )
        room = Room.objects.create(location=location, name="Infusion suite")
        for n in range(CHAIRS):
            Chair.objects.create(room=room, name=f"Chair {n + 1}", capabilities=["iv_infusion"])
        LocationStaffing.objects.create(location=location, chairs_per_nurse=2)
        physician = User.objects.create_user(
            "bench-physician@bench.example",
            None,
            role="physician",
            organization=org,
            full_name="Bench Physician",
        )
        protocols_create_defaults(organization=org, actor=physician)
        for n in range(NURSES):
            nurse = User.objects.create_user(
                f"bench-nurse{n}@bench.example",
                None,
                role="nurse",
                organization=org,
                full_name=f"Bench Nurse {n}",
            )
            for weekday in range(6):
                StaffShift.objects.create(
                    organization=org,
                    staff=nurse,
                    location=location,
                    weekday=weekday,
                    starts_at=dt.time(7, 30),
                    ends_at=dt.time(18, 30),
                )
        SchedulingSettings.objects.create(organization=org, reminder_offsets_h=[72, 24, 2])
        AppointmentType.objects.create(
            organization=org,
            key="ketamine-infusion",
            kind="ketamine_infusion",
            name="Ketamine infusion",
            protocol=Protocol.objects.get(organization=org, key="depression-iv-induction"),
            chair_capability="iv_infusion",
            staff_role="nurse",
            staff_exclusive=False,
        )
        patients = []
        for n in range(400):
            p = Patient(
                organization=org,
                mrn=f"BSC{n:06d}",
                legal_first_name="Bench",
                legal_last_name=f"Patient{n}",
                date_of_birth=dt.date(1980, 1, 1),
                sex_at_birth="female",
            )
            p.refresh_search_keys()
            patients.append(p)
        Patient.objects.bulk_create(patients)
    location = Location.objects.get(organization=org, name="Bench")
    infusion = AppointmentType.objects.select_related("protocol").get(
        organization=org, key="ketamine-infusion"
    )
    patients = list(Patient.objects.filter(organization=org).order_by("pk"))
    tz = location.tzinfo
    today = dt.datetime.now(tz).date()
    first = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    settings = selectors.scheduling_settings_for(organization=org)
    minutes = selectors.appointment_minutes(appointment_type=infusion, settings=settings)

    # Fill about half the chair time for 4 weeks (idempotent: once per week start).
    nurses = list(User.objects.filter(organization=org, role="nurse").order_by("pk"))
    chairs = list(Chair.objects.filter(room__location=location).order_by("pk"))
    if not Appointment.objects.filter(
        organization=org, service_starts_at__gte=kernel.local_instant(first, dt.time(0), tz)
    ).exists():
        rows = []
        k = 0
        for d in range(28):
            day = first + dt.timedelta(days=d)
            if day.weekday() == 6:
                continue
            for c, chair in enumerate(chairs):
                for start_h in (8, 13) if c % 2 == 0 else ((14,) if d != 9 else (10, 14)):
                    start = kernel.local_instant(day, dt.time(start_h), tz)
                    occ, patient_time = minutes.shape(start)
                    rows.append(
                        Appointment(
                            organization=org,
                            location=location,
                            appointment_type=infusion,
                            patient=patients[k % len(patients)],
                            chair=chair,
                            staff=nurses[(c // 2) % len(nurses)],
                            staff_exclusive=False,
                            starts_at=occ.start,
                            ends_at=occ.end,
                            service_starts_at=patient_time.start,
                            service_ends_at=patient_time.end,
                        )
                    )
                    k += 1
        Appointment.objects.bulk_create(rows)
    booked = Appointment.objects.filter(organization=org).count()
    patient = patients[-1]

    def propose() -> services.SeriesProposal:
        return services.series_propose(
            organization=org,
            appointment_type=infusion,
            location=location,
            patient=patient,
            first_day=first,
            weekdays=[0, 2, 4],
            local_time=dt.time(10),
            session_count=6,
        )

    proposal = propose()
    placed = sum(1 for s in proposal.sessions if s.fit is not None)
    end_to_end = min(timeit.repeat(propose, number=1, repeat=REPEATS)) * 1000

    context = selectors.booking_context(
        organization=org,
        appointment_type=infusion,
        location=location,
        start=kernel.local_instant(first - dt.timedelta(days=4), dt.time(0), tz),
        end=kernel.local_instant(first + dt.timedelta(days=33), dt.time(0), tz),
        patient_id=patient.pk,
    )
    targets = kernel.series_targets(first, [0, 2, 4], 6)

    def kernel_only() -> object:
        return kernel.propose_series(
            targets,
            dt.time(10),
            tz,
            lambda _d: context.request,
            context.bookings,
            settings.slot_step_min,
            min_interval_h=24,
            max_per_7_days=3,
        )

    kernel_ms = min(timeit.repeat(kernel_only, number=1, repeat=REPEATS)) * 1000
    load = os.getloadavg()[0]
    text = f"""# Scheduling benchmark

Written by `bench/bench_scheduling.py` ({connection.vendor}); rerun it (or `make bench`) to refresh.

Case: a clinic open Monday–Saturday 08:00–18:00 with {CHAIRS} infusion chairs, {NURSES} nurses
(two chairs each), and {booked} infusions already booked over the next 4 weeks (about half the
chair time). A 6-session Monday/Wednesday/Friday ketamine induction series at 10:00 (chair time
{minutes.chair_min} min each), with the protocol's spacing rules; {placed} of 6 sessions fit at
the wanted time, the others come with their nearest alternatives. Best of {REPEATS} runs.

| What | Time |
|---|---:|
| `series_propose` end to end (queries + arithmetic) | {end_to_end:.1f} ms |
| kernel alone (`lib.scheduling.propose_series`) | {kernel_ms:.1f} ms |

Target: end to end < {TARGET_MS:.0f} ms ({"met" if end_to_end < TARGET_MS else "NOT met"}).

Machine: {os.cpu_count()} CPUs (load average {load:.1f} while it ran), Python
{platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.
"""
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
