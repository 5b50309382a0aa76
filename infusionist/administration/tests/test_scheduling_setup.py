"""The scheduling set-up pages: booking rules, appointment types, shifts and time off.

Each form keeps what was typed and says beside the field what is wrong; each change is
audited with its old and new values; the rules of a type (protocol minutes, the esketamine
observation floor of the Spravato REMS [46][47], website booking, travel) are refused with a
message that names the numbers.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.scheduling import configuration
from infusionist.scheduling.models import (
    Appointment,
    AppointmentType,
    SchedulingSettings,
    StaffShift,
    StaffTimeOff,
)
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import Protocol

SETTINGS_POST = {
    "slot_step_min": "15",
    "chair_prep_min": "15",
    "chair_turnover_min": "10",
    "late_cancellation_window_h": "24",
    "reminder_offsets": "72, 24, 2",
    "waitlist_offer_minutes": "120",
    "booking_horizon_days": "60",
    "min_notice_h": "2",
    "mobile_min_prepaid_sessions": "3",
}


@pytest.fixture
def protocols(cast) -> dict[str, Protocol]:
    treatment_services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    return {p.key: p for p in Protocol.objects.filter(organization=cast.org)}


def _events(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


# ---- booking rules -------------------------------------------------------------------------


def test_the_booking_rules_page_saves_reminders_typed_as_hours_and_audits_old_and_new(
    client, cast
) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("administration:scheduling_settings")).content.decode()
    assert "offer start times every (min)" in page.lower()
    assert "72, 24, 2" in page  # the defaults, as they are typed
    response = client.post(
        reverse("administration:scheduling_settings"),
        {**SETTINGS_POST, "reminder_offsets": "48h; 4 , 24", "chair_prep_min": "20"},
    )
    assert response.status_code == 302
    row = SchedulingSettings.objects.get(organization=cast.org)
    assert row.reminder_offsets_h == [48, 24, 4] and row.chair_prep_min == 20
    (event,) = _events(AuditEvent.ObjectType.SCHEDULING_SETTINGS)
    assert event.actor == cast.admin and event.action == AuditEvent.Action.UPDATE
    assert event.detail["before"] == {"chair_prep_min": 15, "reminder_offsets_h": [72, 24, 2]}
    assert event.detail["after"] == {"chair_prep_min": 20, "reminder_offsets_h": [48, 24, 4]}
    # Saving the same values again changes and audits nothing.
    client.post(
        reverse("administration:scheduling_settings"),
        {**SETTINGS_POST, "reminder_offsets": "48, 24, 4", "chair_prep_min": "20"},
    )
    assert len(_events(AuditEvent.ObjectType.SCHEDULING_SETTINGS)) == 1


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("72, 24, 24", "24 hours is listed twice"),
        ("72, -2", "“-2” is negative"),
        ("400", "400 hours is more than two weeks"),
        ("72, soon", "“soon” is not a whole number of hours"),
        ("2.5", "“2.5” is not a whole number of hours"),
        ("0", "0 hours before the start would arrive too late"),
        ("1 2 3 4 5 6 7", "At most 6 reminders"),
    ],
)
def test_bad_reminder_offsets_are_refused_beside_the_field_and_kept(
    client, cast, typed, says
) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:scheduling_settings"),
        {**SETTINGS_POST, "reminder_offsets": typed, "chair_turnover_min": "12"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert says in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert f'value="{typed}"' in page and 'value="12"' in page
    assert not _events(AuditEvent.ObjectType.SCHEDULING_SETTINGS)


def test_a_number_outside_its_limits_is_refused_with_the_limit(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:scheduling_settings"), {**SETTINGS_POST, "slot_step_min": "2"}
    )
    assert response.status_code == 422
    assert "Enter 5 or more" in response.content.decode()


def test_only_the_clinic_admin_changes_the_booking_rules(cast) -> None:
    with pytest.raises(PermissionDenied):
        configuration.scheduling_settings_update(
            organization=cast.org, actor=cast.physician, data={"slot_step_min": 30}
        )
    with pytest.raises(PermissionDenied):
        configuration.scheduling_settings_update(
            organization=cast.other_org, actor=cast.admin, data={"slot_step_min": 30}
        )


# ---- appointment types ---------------------------------------------------------------------


def _type_post(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Ketamine infusion",
        "name_es": "Infusión de ketamina",
        "kind": "ketamine_infusion",
        "protocol": "",
        "service_min": "40",
        "observation_min": "0",
        "travel_buffer_min": "0",
        "chair_capability": "iv_infusion",
        "staff_role": "nurse",
        "needs_physician_available": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_infusion_type_takes_its_chair_time_from_the_protocol(client, cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:appointment_type_create"),
        _type_post(protocol=str(protocol.pk)),
    )
    assert response.status_code == 302
    saved = AppointmentType.objects.get(organization=cast.org)
    assert saved.protocol == protocol and saved.key == "ketamine-infusion"
    assert not saved.staff_exclusive  # unchecked: monitored chair time
    (event,) = _events(AuditEvent.ObjectType.APPOINTMENT_TYPE)
    assert event.action == AuditEvent.Action.CREATE
    assert event.detail["after"]["protocol"] == protocol.pk
    listing = client.get(reverse("administration:appointment_types")).content.decode()
    total = 15 + protocol.duration_min + protocol.observation_min + 10
    assert f"<strong>{total}</strong>" in listing
    edit = client.get(reverse("administration:appointment_type_edit", args=[saved.pk]))
    assert f"{total} min" in edit.content.decode()


def test_an_infusion_without_a_protocol_is_refused(client, cast, protocols) -> None:
    client.force_login(cast.admin)
    response = client.post(reverse("administration:appointment_type_create"), _type_post())
    assert response.status_code == 422
    assert "Choose the protocol this type follows" in response.content.decode()
    assert 'value="Infusión de ketamina"' in response.content.decode()


def test_an_esketamine_type_whose_protocol_observes_less_than_two_hours_is_refused(
    client, cast, protocols
) -> None:
    protocol = protocols["esketamine-induction"]
    Protocol.objects.filter(pk=protocol.pk).update(observation_min=60)
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:appointment_type_create"),
        _type_post(
            name="Esketamine session",
            kind="esketamine_session",
            protocol=str(protocol.pk),
            chair_capability="intranasal",
            service_min="15",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "observes patients for 60 min after the dose" in page
    assert re.search(r"<li>[^<]*observes patients for 60 min[^<]*<a[^>]*#source-46", page)
    assert "at least 120 min" in page and "#source-47" in page
    assert not AppointmentType.objects.exists()
    # With the protocol's two hours it is accepted.
    Protocol.objects.filter(pk=protocol.pk).update(observation_min=120)
    response = client.post(
        reverse("administration:appointment_type_create"),
        _type_post(
            name="Esketamine session",
            kind="esketamine_session",
            protocol=str(protocol.pk),
            chair_capability="intranasal",
            service_min="15",
        ),
    )
    assert response.status_code == 302


def test_the_service_refuses_a_short_esketamine_observation_too(cast, protocols) -> None:
    protocol = protocols["esketamine-induction"]
    Protocol.objects.filter(pk=protocol.pk).update(observation_min=119)
    protocol.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        configuration.appointment_type_save(
            organization=cast.org,
            actor=cast.admin,
            data={
                "kind": "esketamine_session",
                "name": "Spravato",
                "protocol": protocol,
                "chair_capability": "intranasal",
            },
        )
    assert "119 min" in refused.value.message_dict["protocol"][0]


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        (
            {
                "kind": "iv_drip",
                "name": "Drip",
                "chair_capability": "nutrient_drip",
                "public_bookable": "on",
            },
            "Only the free consultation call can be booked from the public website",
        ),
        (
            {"kind": "mobile_visit", "name": "Mobile", "chair_capability": "mobile_kit"},
            "A mobile visit needs travel time",
        ),
        (
            {
                "kind": "follow_up",
                "name": "Follow",
                "chair_capability": "",
                "travel_buffer_min": "20",
            },
            "Only mobile visits have travel time",
        ),
        (
            {"kind": "follow_up", "name": "Follow", "chair_capability": "", "service_min": "2"},
            "Enter 5 or more",
        ),
        (
            {"kind": "follow_up", "name": "Follow", "chair_capability": "hoverboard"},
            "Select a valid choice",
        ),
    ],
)
def test_a_type_that_breaks_a_rule_is_refused_beside_the_field(
    client, cast, overrides, field_message
) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:appointment_type_create"), _type_post(**overrides)
    )
    assert response.status_code == 422
    assert field_message in response.content.decode()
    assert f'value="{overrides["name"]}"' in response.content.decode()
    assert not AppointmentType.objects.exists()


def test_the_free_consultation_may_be_public_and_a_mobile_visit_has_travel(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:appointment_type_create"),
        _type_post(
            name="Free consultation call",
            kind="free_consultation",
            service_min="15",
            chair_capability="",
            staff_role="front_desk",
            public_bookable="on",
        ),
    )
    assert response.status_code == 302
    response = client.post(
        reverse("administration:appointment_type_create"),
        _type_post(
            name="Mobile IV visit",
            kind="mobile_visit",
            service_min="60",
            travel_buffer_min="30",
            chair_capability="mobile_kit",
        ),
    )
    assert response.status_code == 302
    mobile = AppointmentType.objects.get(kind="mobile_visit")
    listing = client.get(reverse("administration:appointment_types")).content.decode()
    # 30 travel + 15 prep + 60 + 0 observation + 10 cleaning + 30 travel back
    assert "<strong>145</strong>" in listing and mobile.name in listing


def test_editing_a_type_audits_old_and_new_and_deactivating_keeps_it_listed(
    client, cast, protocols
) -> None:
    follow_up = configuration.appointment_type_save(
        organization=cast.org,
        actor=cast.admin,
        data={"kind": "follow_up", "name": "Follow-up", "service_min": 30, "staff_role": "nurse"},
    )
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:appointment_type_edit", args=[follow_up.pk]),
        _type_post(name="Follow-up visit", kind="follow_up", service_min="45", chair_capability=""),
    )
    assert response.status_code == 302
    update = _events(AuditEvent.ObjectType.APPOINTMENT_TYPE)[-1]
    assert update.detail["before"]["service_min"] == 30
    assert update.detail["after"]["service_min"] == 45
    assert update.detail["after"]["name"] == "Follow-up visit"
    client.post(reverse("administration:appointment_type_deactivate", args=[follow_up.pk]))
    follow_up.refresh_from_db()
    assert not follow_up.is_active
    assert _events(AuditEvent.ObjectType.APPOINTMENT_TYPE)[-1].detail["after"] == {
        "is_active": False
    }
    listing = client.get(reverse("administration:appointment_types")).content.decode()
    assert "Not offered" in listing and "Offer again" in listing
    client.post(reverse("administration:appointment_type_reactivate", args=[follow_up.pk]))
    follow_up.refresh_from_db()
    assert follow_up.is_active


def test_two_types_may_not_share_a_name(client, cast) -> None:
    configuration.appointment_type_save(
        organization=cast.org,
        actor=cast.admin,
        data={"kind": "follow_up", "name": "Follow-up", "service_min": 30},
    )
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:appointment_type_create"),
        _type_post(name="follow-up", kind="follow_up", chair_capability=""),
    )
    assert response.status_code == 422
    assert "Another appointment type already has this name" in response.content.decode()


def test_the_kind_is_shown_in_spanish_for_patients() -> None:
    from django.utils import translation

    with translation.override("es"):
        assert str(AppointmentType.Kind.FREE_CONSULTATION.label) != "Free consultation call"


# ---- shifts and time off -------------------------------------------------------------------


def _shift_post(cast, **overrides: str) -> dict[str, str]:
    data = {
        "location": str(cast.location.pk),
        "weekday": "0",
        "starts_at": "09:00",
        "ends_at": "17:00",
        "valid_from": "",
        "valid_until": "",
    }
    data.update(overrides)
    return data


def test_a_shift_is_added_audited_and_an_overlap_is_refused_naming_the_shift(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:shift_add", args=[cast.nurse.pk])
    assert client.post(url, _shift_post(cast)).status_code == 302
    (event,) = _events(AuditEvent.ObjectType.STAFF_SHIFT)
    assert event.detail["staff"] == cast.nurse.pk
    assert event.detail["after"]["starts_at"] == "09:00:00"
    response = client.post(url, _shift_post(cast, starts_at="16:00", ends_at="20:00"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "overlaps a shift Nell Nurse already has: Monday 9:00 AM–5:00 PM at Main" in page
    assert 'value="16:00"' in page and 'value="20:00"' in page
    # Another weekday, or adjoining hours, are fine.
    assert (
        client.post(url, _shift_post(cast, starts_at="17:00", ends_at="19:00")).status_code == 302
    )
    assert client.post(url, _shift_post(cast, weekday="1")).status_code == 302
    assert StaffShift.objects.filter(staff=cast.nurse).count() == 3


def test_shifts_valid_in_different_weeks_do_not_overlap(cast) -> None:
    base = {
        "location": cast.location,
        "weekday": 2,
        "starts_at": dt.time(9),
        "ends_at": dt.time(17),
    }
    configuration.staff_shift_save(
        actor=cast.admin, staff=cast.nurse, data={**base, "valid_until": dt.date(2027, 1, 31)}
    )
    configuration.staff_shift_save(
        actor=cast.admin, staff=cast.nurse, data={**base, "valid_from": dt.date(2027, 2, 1)}
    )
    with pytest.raises(ValidationError):
        configuration.staff_shift_save(
            actor=cast.admin, staff=cast.nurse, data={**base, "valid_from": dt.date(2027, 1, 31)}
        )


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"starts_at": "17:00", "ends_at": "09:00"}, "The shift ends at or before it starts"),
        ({"valid_from": "2027-03-01", "valid_until": "2027-02-01"}, "“until” date is before"),
        ({"starts_at": "25:00"}, "Enter a valid time"),
        ({"weekday": "9"}, "Select a valid choice"),
    ],
)
def test_a_bad_shift_is_refused_beside_the_field(client, cast, overrides, says) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:shift_add", args=[cast.nurse.pk]), _shift_post(cast, **overrides)
    )
    assert response.status_code == 422
    assert says in response.content.decode().replace("&#x27;", "'")
    assert not StaffShift.objects.exists()


def test_a_shift_is_edited_and_removed_with_the_audit_trail(client, cast) -> None:
    shift = configuration.staff_shift_save(
        actor=cast.admin,
        staff=cast.nurse,
        data={
            "location": cast.location,
            "weekday": 0,
            "starts_at": dt.time(9),
            "ends_at": dt.time(17),
        },
    )
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:shift_edit", args=[shift.pk]), _shift_post(cast, ends_at="13:00")
    )
    assert response.status_code == 302
    update = _events(AuditEvent.ObjectType.STAFF_SHIFT)[-1]
    assert update.detail["before"] == {"ends_at": "17:00:00"}
    assert update.detail["after"] == {"ends_at": "13:00:00"}
    client.post(reverse("administration:shift_remove", args=[shift.pk]))
    assert not StaffShift.objects.exists()
    removal = _events(AuditEvent.ObjectType.STAFF_SHIFT)[-1]
    assert removal.action == AuditEvent.Action.DELETE and removal.detail["ends_at"] == "13:00:00"


def _appointment(cast, starts_at: dt.datetime) -> Appointment:
    follow_up = AppointmentType.objects.create(
        organization=cast.org, key="fu", kind="follow_up", name="Follow-up"
    )
    return Appointment.objects.create(
        organization=cast.org,
        location=cast.location,
        appointment_type=follow_up,
        patient=cast.patient,
        staff=cast.nurse,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        service_starts_at=starts_at,
        service_ends_at=starts_at + dt.timedelta(minutes=30),
    )


def test_time_off_is_recorded_in_the_clinic_zone_and_warns_of_booked_appointments(
    client, cast
) -> None:
    zone = cast.location.tzinfo
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=10)
    _appointment(cast, dt.datetime.combine(day, dt.time(10), tzinfo=zone))
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:time_off_add", args=[cast.nurse.pk]),
        {
            "starts_at": f"{day.isoformat()}T08:00",
            "ends_at": f"{day.isoformat()}T18:00",
            "reason": "Training day",
        },
        follow=True,
    )
    page = response.content.decode()
    absence = StaffTimeOff.objects.get(staff=cast.nurse)
    assert absence.starts_at == dt.datetime.combine(day, dt.time(8), tzinfo=zone)
    assert "1 appointment already booked with Nell Nurse falls in this time off" in page
    assert "1 appointment booked in this time off" in page and "Alice" in page
    (event,) = _events(AuditEvent.ObjectType.STAFF_TIME_OFF)
    assert event.detail["reason"] == "Training day"
    client.post(reverse("administration:time_off_remove", args=[absence.pk]))
    assert not StaffTimeOff.objects.exists()
    assert _events(AuditEvent.ObjectType.STAFF_TIME_OFF)[-1].action == AuditEvent.Action.DELETE


@pytest.mark.parametrize(
    ("starts", "ends", "reason", "says"),
    [
        ("2027-05-02T10:00", "2027-05-02T09:00", "Leave", "ends at or before it starts"),
        ("2027-05-02T10:00", "2027-05-02T12:00", "   ", "This field is required"),
        ("2027-02-30T10:00", "2027-05-02T12:00", "Leave", "Enter a valid date/time"),
    ],
)
def test_bad_time_off_is_refused_and_kept(client, cast, starts, ends, reason, says) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:time_off_add", args=[cast.nurse.pk]),
        {"starts_at": starts, "ends_at": ends, "reason": reason},
    )
    assert response.status_code == 422
    assert says in response.content.decode()
    assert f'value="{ends}"' in response.content.decode()
    assert not StaffTimeOff.objects.exists()


def test_a_staff_member_sees_their_own_shifts_but_cannot_change_them(client, cast) -> None:
    configuration.staff_shift_save(
        actor=cast.admin,
        staff=cast.nurse,
        data={
            "location": cast.location,
            "weekday": 3,
            "starts_at": dt.time(8),
            "ends_at": dt.time(12),
        },
    )
    configuration.staff_shift_save(
        actor=cast.admin,
        staff=cast.physician,
        data={
            "location": cast.location,
            "weekday": 4,
            "starts_at": dt.time(13),
            "ends_at": dt.time(15),
        },
    )
    client.force_login(cast.nurse)
    page = client.get(reverse("administration:my_schedule")).content.decode()
    assert "Your shifts and time off" in page and "Thursday" in page and "8:00 AM" in page
    assert "Friday" not in page  # the physician's shift is not hers
    assert "Add shift" not in page and "Remove" not in page
    with pytest.raises(PermissionDenied):
        configuration.staff_shift_save(
            actor=cast.nurse,
            staff=cast.nurse,
            data={
                "location": cast.location,
                "weekday": 1,
                "starts_at": dt.time(8),
                "ends_at": dt.time(9),
            },
        )


def test_a_patient_account_gets_no_shifts(cast) -> None:
    with pytest.raises(ValidationError):
        configuration.staff_shift_save(
            actor=cast.admin,
            staff=cast.patient_user,
            data={
                "location": cast.location,
                "weekday": 1,
                "starts_at": dt.time(8),
                "ends_at": dt.time(9),
            },
        )


def test_the_staff_list_keeps_its_query_count_as_shifts_grow(
    client, cast, django_assert_num_queries
) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:staff_schedules")
    client.get(url)

    def add_shifts(weekday: int) -> None:
        for member in (cast.nurse, cast.physician, cast.frontdesk):
            configuration.staff_shift_save(
                actor=cast.admin,
                staff=member,
                data={
                    "location": cast.location,
                    "weekday": weekday,
                    "starts_at": dt.time(9),
                    "ends_at": dt.time(17),
                },
            )

    add_shifts(0)
    # session, user; staff, shifts with their locations, time off; the clinic's zone;
    # the navigation's brand (organization, logo).
    with django_assert_num_queries(8):
        client.get(url)
    for weekday in range(1, 5):
        add_shifts(weekday)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


def test_the_staff_page_links_to_the_persons_shifts(client, cast) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("administration:staff_detail", args=[cast.nurse.pk])).content
    assert reverse("administration:staff_schedule", args=[cast.nurse.pk]) in page.decode()
