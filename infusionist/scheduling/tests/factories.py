"""A bookable test clinic: settings, appointment types, chairs, staffing and shifts.

Built on the fixed test cast (``infusionist.test``): its location is open Monday–Friday
09:00–17:00 in America/Los_Angeles. ``bookable(cast)`` adds one room with three IV chairs
(one also equipped for esketamine monitoring), two chairs per nurse, weekday shifts
08:30–17:30 for the nurse, provider, physician and front desk, the default protocols and
one appointment type of each kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from infusionist.clinics.models import Chair, LocationStaffing, Room
from infusionist.lib.scheduling import local_instant
from infusionist.scheduling.models import AppointmentType, SchedulingSettings, StaffShift
from infusionist.test import Cast
from infusionist.treatment.models import Protocol
from infusionist.treatment.services import protocols_create_defaults


@dataclass
class Bookable:
    cast: Cast
    settings: SchedulingSettings
    types: dict[str, AppointmentType]
    chairs: list[Chair]
    protocols: dict[str, Protocol]

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """The instant the clinic's wall clock shows ``hour:minute`` on ``day``."""
        return local_instant(day, dt.time(hour, minute), self.cast.location.tzinfo)


def next_weekday(weekday: int, *, after: dt.date, weeks_ahead: int = 1) -> dt.date:
    """The first ``weekday`` (0 = Monday) at least ``weeks_ahead`` weeks after ``after``."""
    day = after + dt.timedelta(days=7 * weeks_ahead)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def bookable(cast: Cast, *, chairs: int = 3) -> Bookable:
    protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocols = {p.key: p for p in Protocol.objects.filter(organization=cast.org)}
    settings, _ = SchedulingSettings.objects.get_or_create(
        organization=cast.org, defaults={"reminder_offsets_h": [72, 24, 2]}
    )
    room = Room.objects.create(location=cast.location, name="Infusion room")
    made = []
    for n in range(1, chairs + 1):
        caps = ["iv_infusion", "nutrient_drip"]
        if n == 1:
            caps.append("intranasal")
        made.append(Chair.objects.create(room=room, name=f"Chair {n}", capabilities=caps))
    LocationStaffing.objects.update_or_create(
        location=cast.location, defaults={"chairs_per_nurse": 2}
    )
    for user in (cast.nurse, cast.provider, cast.physician, cast.frontdesk):
        for weekday in range(5):
            StaffShift.objects.create(
                organization=cast.org,
                staff=user,
                location=cast.location,
                weekday=weekday,
                starts_at=dt.time(8, 30),
                ends_at=dt.time(17, 30),
            )
    K = AppointmentType.Kind
    R = AppointmentType.StaffRole
    spec = [
        (
            "free-consultation",
            K.FREE_CONSULTATION,
            "Free consultation call",
            None,
            15,
            "",
            R.FRONT_DESK,
            True,
            False,
            True,
        ),
        (
            "telehealth-consult",
            K.TELEHEALTH_CONSULT,
            "Physician telehealth consultation",
            None,
            30,
            "",
            R.PHYSICIAN,
            True,
            False,
            False,
        ),
        (
            "intake-evaluation",
            K.INTAKE_EVALUATION,
            "Intake and evaluation",
            None,
            60,
            "",
            R.PRESCRIBER,
            True,
            False,
            False,
        ),
        (
            "ketamine-infusion",
            K.KETAMINE_INFUSION,
            "Ketamine infusion",
            protocols["depression-iv-induction"],
            40,
            "iv_infusion",
            R.NURSE,
            False,
            True,
            False,
        ),
        (
            "esketamine-session",
            K.ESKETAMINE_SESSION,
            "Esketamine session",
            protocols["esketamine-induction"],
            15,
            "intranasal",
            R.NURSE,
            False,
            True,
            False,
        ),
        (
            "iv-drip",
            K.IV_DRIP,
            "IV nutrient drip",
            None,
            45,
            "nutrient_drip",
            R.NURSE,
            False,
            False,
            False,
        ),
        (
            "mobile-visit",
            K.MOBILE_VISIT,
            "Mobile IV visit",
            None,
            60,
            "",
            R.NURSE,
            True,
            False,
            False,
        ),
        ("follow-up", K.FOLLOW_UP, "Follow-up", None, 20, "", R.PRESCRIBER, True, False, False),
    ]
    types = {}
    for key, kind, name, protocol, minutes, capability, role, exclusive, physician, public in spec:
        types[key] = AppointmentType.objects.create(
            organization=cast.org,
            key=key,
            kind=kind,
            name=name,
            protocol=protocol,
            service_min=minutes,
            travel_buffer_min=30 if kind == K.MOBILE_VISIT else 0,
            chair_capability=capability,
            staff_role=role,
            staff_exclusive=exclusive,
            needs_physician_available=physician,
            public_bookable=public,
            portal_bookable=kind == K.FOLLOW_UP,
        )
    return Bookable(cast, settings, types, made, protocols)
