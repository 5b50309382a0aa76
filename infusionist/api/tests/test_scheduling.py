"""The scheduling endpoints: types, availability, booking, listing, one appointment, cancelling."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from infusionist.accounts.roles import Role
from infusionist.accounts.services import api_token_create
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Chair, Room
from infusionist.scheduling import selectors, services
from infusionist.scheduling.models import Appointment
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.test import Cast, clinic_today

pytestmark = pytest.mark.django_db

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


@pytest.fixture
def b(cast: Cast) -> Bookable:
    return bookable(cast)


@pytest.fixture
def token(cast: Cast) -> str:
    return api_token_create(user=cast.frontdesk)


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def monday(weeks: int = 1) -> dt.date:
    return next_weekday(0, after=clinic_today(), weeks_ahead=weeks)


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def post(client, url: str, body: Any, token: str):
    return client.post(url, body, content_type="application/json", **auth(token))


def book_body(b: Bookable, start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "patient": b.cast.patient.pk,
        "type": "ketamine-infusion",
        "location": b.cast.location.pk,
        "start": iso(start),
        **extra,
    }


def book(b: Bookable, start: dt.datetime, *, key: str = "ketamine-infusion", **kw) -> Appointment:
    kw.setdefault("patient", b.cast.patient)
    return services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types[key],
        location=b.cast.location,
        service_starts_at=start,
        by=b.cast.frontdesk,
        **kw,
    )


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# ---- appointment types --------------------------------------------------------------------


def test_appointment_types_list_their_minutes_and_rules(client, b, token) -> None:
    body = client.get("/api/v1/appointment-types", **auth(token)).json()
    by_key = {t["key"]: t for t in body}
    assert set(by_key) == set(b.types)
    infusion = by_key["ketamine-infusion"]
    m = selectors.appointment_minutes(
        appointment_type=b.types["ketamine-infusion"], settings=b.settings
    )
    assert infusion["minutes"] == {
        "prep_min": m.prep_min,
        "treatment_min": m.treatment_min,
        "observation_min": m.observation_min,
        "turnover_min": m.turnover_min,
        "travel_min": 0,
        "patient_min": m.patient_min,
        "chair_min": m.chair_min,
    }
    assert infusion["chair_capability"] == "iv_infusion" and infusion["staff_role"] == "nurse"
    assert infusion["needs_physician_available"] is True
    assert by_key["esketamine-session"]["minutes"]["observation_min"] >= 120
    assert by_key["mobile-visit"]["minutes"]["travel_min"] == 30
    assert by_key["free-consultation"]["public_bookable"] is True
    assert by_key["follow-up"]["portal_bookable"] is True
    assert by_key["free-consultation"]["minutes"]["chair_min"] == 15


def test_a_type_without_its_protocol_lists_no_minutes(client, b, token) -> None:
    t = b.types["ketamine-infusion"]
    t.protocol = None
    t.save()
    body = client.get("/api/v1/appointment-types", **auth(token)).json()
    assert next(r for r in body if r["key"] == "ketamine-infusion")["minutes"] is None


def test_another_clinics_types_are_not_listed(client, b) -> None:
    outsider = api_token_create(user=b.cast.outsider)
    assert client.get("/api/v1/appointment-types", **auth(outsider)).json() == []


# ---- availability -------------------------------------------------------------------------


def availability(client, token, b: Bookable, day: dt.date, **params: Any):
    query = {
        "type": "ketamine-infusion",
        "location": b.cast.location.pk,
        "start": iso(b.at(day, 0)),
        "end": iso(b.at(day, 23)),
        **params,
    }
    return client.get("/api/v1/availability", query, **auth(token))


def test_availability_lists_open_slots_in_the_locations_offset(client, b, token) -> None:
    day = monday()
    response = availability(client, token, b, day)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"]["key"] == "ketamine-infusion"
    assert body["location"]["time_zone"] == "America/Los_Angeles"
    first = body["slots"][0]
    offset = b.at(day, 9).astimezone(b.cast.location.tzinfo).strftime("%z")
    assert ISO_WITH_OFFSET.match(first["start"]) and first["start"].endswith(
        f"{offset[:3]}:{offset[3:]}"
    )
    assert dt.datetime.fromisoformat(first["start"]) == b.at(day, 9)
    minutes = selectors.appointment_minutes(
        appointment_type=b.types["ketamine-infusion"], settings=b.settings
    )
    end = dt.datetime.fromisoformat(first["end"])
    assert end - b.at(day, 9) == dt.timedelta(minutes=minutes.patient_min)
    assert first["chair"] == {"id": b.chairs[0].pk, "name": "Chair 1"}
    assert first["staff"]["name"] in {b.cast.nurse.full_name, b.cast.provider.full_name}
    assert body["truncated"] is False
    starts = [dt.datetime.fromisoformat(s["start"]) for s in body["slots"]]
    assert starts == sorted(starts) and all(s.date() == day for s in starts)


def test_availability_across_a_dst_change_keeps_local_hours_and_shows_each_offset(
    client, b, token
) -> None:
    # US daylight saving time starts on Sunday 14 March 2027 (-08:00 → -07:00 in Oregon).
    friday, monday_after = dt.date(2027, 3, 12), dt.date(2027, 3, 15)
    body = availability(
        client,
        token,
        b,
        friday,
        start=iso(b.at(friday, 0)),
        end=iso(b.at(monday_after, 23)),
        limit=1000,
    ).json()
    by_day: dict[str, list[str]] = {}
    for slot in body["slots"]:
        by_day.setdefault(slot["start"][:10], []).append(slot["start"])
    assert set(by_day) == {"2027-03-12", "2027-03-15"}
    assert by_day["2027-03-12"][0] == "2027-03-12T09:00:00-08:00"
    assert by_day["2027-03-15"][0] == "2027-03-15T09:00:00-07:00"


def test_availability_takes_the_type_by_id_and_honours_limit(client, b, token) -> None:
    day = monday()
    by_key = availability(client, token, b, day).json()
    by_id = availability(client, token, b, day, type=str(b.types["ketamine-infusion"].pk)).json()
    assert by_id == by_key
    limited = availability(client, token, b, day, limit=2).json()
    assert len(limited["slots"]) == 2 and limited["truncated"] is True


def test_availability_leaves_out_a_taken_chair_and_the_patients_own_time(client, b, token) -> None:
    day = monday()
    book(b, b.at(day, 9), chair=b.chairs[0])
    chair_one = availability(client, token, b, day, chair=b.chairs[0].pk).json()["slots"]
    assert b.at(day, 9) not in [dt.datetime.fromisoformat(s["start"]) for s in chair_one]
    mine = availability(client, token, b, day, patient=b.cast.patient.pk).json()["slots"]
    assert b.at(day, 9) not in [dt.datetime.fromisoformat(s["start"]) for s in mine]
    other = availability(client, token, b, day, patient=b.cast.other_patient.pk).json()["slots"]
    assert b.at(day, 9) in [dt.datetime.fromisoformat(s["start"]) for s in other]


def test_availability_of_a_type_without_a_protocol_names_the_rule(client, b, token) -> None:
    t = b.types["ketamine-infusion"]
    t.protocol = None
    t.save()
    response = availability(client, token, b, monday())
    assert response.status_code == 422 and response.json()["code"] == "appointment_type"


BAD_AVAILABILITY = [
    pytest.param({"start": "yesterday"}, "start", id="garbage-start"),
    pytest.param({"end": "2026-13-45T99:00:00Z"}, "end", id="impossible-end"),
    pytest.param({"start": "2026-12-07T09:00:00"}, "start", id="naive-start"),
    pytest.param({"end": "2026-12-07"}, "end", id="date-only-end"),
    pytest.param({"start": "2026-12-07T09:00:00 08:00"}, "start", id="unencoded-plus"),
    pytest.param({"start": "9999-12-31T23:59:59+00:00"}, "start", id="far-future"),
    pytest.param({"start": "0001-01-01T00:00:00+00:00"}, "start", id="year-one"),
    pytest.param({"start": "x" * 500}, "start", id="huge-start"),
    pytest.param({"location": "main"}, "location", id="location-not-a-number"),
    pytest.param({"location": "99999999999999999999"}, "location", id="location-huge"),
    pytest.param({"location": "-1"}, "location", id="location-negative"),
    pytest.param({"type": ""}, "type", id="type-empty"),
    pytest.param({"type": "k" * 61}, "type", id="type-too-long"),
    pytest.param({"limit": "0"}, "limit", id="limit-zero"),
    pytest.param({"limit": "lots"}, "limit", id="limit-text"),
    pytest.param({"chair": "one"}, "chair", id="chair-text"),
]


@pytest.mark.parametrize(("change", "field"), BAD_AVAILABILITY)
def test_availability_names_a_bad_field(client, b, token, change, field) -> None:
    response = availability(client, token, b, monday(), **change)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "The request has invalid fields."
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])


@pytest.mark.parametrize(
    "change", [{"start": "2026-12-07T09:00\x00Z"}, {"type": "ket\x00amine"}], ids=["start", "type"]
)
def test_a_nul_byte_in_the_query_is_refused_before_the_api(client, b, token, change) -> None:
    # The site-wide RejectBadInputMiddleware answers any address with a NUL byte with 400.
    assert availability(client, token, b, monday(), **change).status_code == 400


def test_availability_refuses_a_time_without_its_offset_in_words(client, b, token) -> None:
    response = availability(client, token, b, monday(), start="2026-12-07T09:00:00")
    assert "UTC offset" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        pytest.param(9, 9, "after the start", id="end-equals-start"),
        pytest.param(12, 9, "after the start", id="end-before-start"),
    ],
)
def test_availability_refuses_an_empty_range(client, b, token, start, end, message) -> None:
    day = monday()
    response = availability(
        client, token, b, day, start=iso(b.at(day, start)), end=iso(b.at(day, end))
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "end", "message": "The end must be after the start."}
    ]


def test_availability_refuses_a_range_over_31_days(client, b, token) -> None:
    day = monday()
    end = b.at(day, 0) + dt.timedelta(days=31, minutes=1)
    response = availability(client, token, b, day, start=iso(b.at(day, 0)), end=iso(end))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "end", "message": "Ask for at most 31 days at a time."}
    ]
    ok = availability(client, token, b, day, end=iso(b.at(day, 0) + dt.timedelta(days=31)))
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        pytest.param({"type": "no-such-type"}, "No such appointment type.", id="type-key"),
        pytest.param({"type": "99999"}, "No such appointment type.", id="type-id"),
        pytest.param({"location": 99999}, "No such location.", id="location"),
        pytest.param({"chair": 99999}, "No such chair.", id="chair"),
        pytest.param({"staff": 99999}, "No such staff member.", id="staff"),
        pytest.param({"patient": 99999}, "No such patient.", id="patient"),
    ],
)
def test_availability_with_an_unknown_id_is_404(client, b, token, change, detail) -> None:
    since = last_event_id()
    response = availability(client, token, b, monday(), **change)
    assert response.status_code == 404 and response.json() == {"detail": detail}
    assert AuditEvent.objects.filter(id__gt=since, outcome="denied").exists()


def test_availability_with_another_clinics_ids_is_404(client, b, token) -> None:
    cast = b.cast
    other_location = cast.other_org.locations.get()
    other_chair = Chair.objects.create(
        room=Room.objects.create(location=other_location, name="R"), name="Theirs"
    )
    for change in (
        {"location": other_location.pk},
        {"chair": other_chair.pk},
        {"staff": cast.outsider.pk},
        {"patient": cast.outsider_patient.pk},
        {"staff": cast.patient_user.pk},  # a patient is not staff
    ):
        assert availability(client, token, b, monday(), **change).status_code == 404, change


# ---- booking ------------------------------------------------------------------------------


def test_booking_answers_201_with_the_appointment(client, b, token) -> None:
    day = monday()
    start = b.at(day, 9)
    response = post(
        client,
        "/api/v1/appointments",
        book_body(b, start, chair=b.chairs[1].pk, note="  Prefers the window.  "),
        token,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body["id"] == appointment.pk and body["status"] == "booked"
    assert body["source"] == "api" == appointment.source
    assert body["chair"] == {"id": b.chairs[1].pk, "name": "Chair 2"}
    assert body["patient"] == {
        "id": b.cast.patient.pk,
        "mrn": b.cast.patient.mrn,
        "name": b.cast.patient.display_name,
    }
    assert body["note"] == "Prefers the window."
    assert dt.datetime.fromisoformat(body["start"]) == start
    assert ISO_WITH_OFFSET.match(body["start"]) and ISO_WITH_OFFSET.match(body["chair_until"])
    assert body["start"].endswith(start.astimezone(b.cast.location.tzinfo).isoformat()[-6:])
    assert appointment.created_by == b.cast.frontdesk
    event = AuditEvent.objects.get(object_type="appointment", object_id=str(appointment.pk))
    assert event.action == "create" and event.actor == b.cast.frontdesk
    assert event.patient_id == b.cast.patient.pk and event.path == "/api/v1/appointments"
    assert "link_token" not in body and "link_token_sha256" not in body


def test_booking_accepts_utc_and_names_the_staff_member(client, b, token) -> None:
    start = b.at(monday(), 10)
    body = book_body(b, start, type=b.types["follow-up"].pk, staff=b.cast.physician.pk) | {
        "start": start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    }
    response = post(client, "/api/v1/appointments", body, token)
    assert response.status_code == 201, response.content
    assert response.json()["staff"] == {
        "id": b.cast.physician.pk,
        "name": b.cast.physician.full_name,
    }
    assert dt.datetime.fromisoformat(response.json()["start"]) == start


def test_a_taken_chair_answers_409_just_taken(client, b, token) -> None:
    start = b.at(monday(), 9)
    book(b, start, patient=b.cast.other_patient, chair=b.chairs[0])
    response = post(
        client, "/api/v1/appointments", book_body(b, start, chair=b.chairs[0].pk), token
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "chair_busy"
    assert body["detail"].startswith("That time was just taken")


def test_a_taken_patient_answers_409(client, b, token) -> None:
    start = b.at(monday(), 9)
    book(b, start)
    response = post(
        client, "/api/v1/appointments", book_body(b, start + dt.timedelta(minutes=30)), token
    )
    assert response.status_code == 409
    assert response.json()["code"] == "patient_busy"


def test_a_taken_staff_member_answers_409(client, b, token) -> None:
    start = b.at(monday(), 10)
    book(b, start, key="follow-up", patient=b.cast.other_patient, staff=b.cast.physician)
    body = book_body(b, start, type="follow-up", staff=b.cast.physician.pk)
    response = post(client, "/api/v1/appointments", body, token)
    assert response.status_code == 409
    assert response.json()["code"] == "staff_busy"
    assert response.json()["detail"].startswith("That time was just taken")


@pytest.mark.parametrize(
    ("hour", "days_back", "extra", "code"),
    [
        pytest.param(20, 0, {}, "outside_hours", id="after-hours"),
        pytest.param(9, 14, {}, "in_the_past", id="in-the-past"),
        pytest.param(10, 0, {"type": "mobile-visit"}, "visit_address", id="mobile-no-address"),
        pytest.param(
            10,
            0,
            {"type": "mobile-visit", "visit_address": "1 Fictional Way", "prepaid_sessions": 2},
            "mobile_prepaid",
            id="mobile-under-prepaid-minimum",
        ),
        pytest.param(
            10,
            0,
            {"type": "mobile-visit", "visit_address": "1 Fictional Way"},
            "mobile_prepaid",
            id="mobile-prepaid-not-given",
        ),
        pytest.param(
            9,
            0,
            {"type": "esketamine-session", "chair": "second"},
            "chair_capability",
            id="chair-not-equipped",
        ),
    ],
)
def test_a_broken_rule_answers_422_naming_it(client, b, token, hour, days_back, extra, code):
    start = b.at(monday(), hour) - dt.timedelta(days=days_back)
    if extra.get("chair") == "second":
        extra = extra | {"chair": b.chairs[1].pk}
    response = post(client, "/api/v1/appointments", book_body(b, start, **extra), token)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    assert not Appointment.objects.exists()


def test_spacing_between_infusions_answers_422_naming_the_rule(client, b, token) -> None:
    day = monday()
    book(b, b.at(day, 14))
    # 19 hours later: under the protocol's 24-hour minimum interval.
    response = post(
        client, "/api/v1/appointments", book_body(b, b.at(day + dt.timedelta(days=1), 9)), token
    )
    assert response.status_code == 422
    assert response.json()["code"] == "min_interval" and response.json()["detail"]


BAD_BODIES = [
    pytest.param({"start": "2026-12-07T09:00:00"}, "start", id="naive-start"),
    pytest.param({"start": "soon"}, "start", id="garbage-start"),
    pytest.param({"start": 1765126800}, "start", id="number-start"),
    pytest.param({"start": None}, "start", id="null-start"),
    pytest.param({"patient": "me"}, "patient", id="patient-text"),
    pytest.param({"patient": 0}, "patient", id="patient-zero"),
    pytest.param({"patient": 10**30}, "patient", id="patient-huge"),
    pytest.param({"type": ["ketamine-infusion"]}, "type", id="type-list"),
    pytest.param({"type": True}, "type", id="type-bool"),
    pytest.param({"type": ""}, "type", id="type-empty"),
    pytest.param({"type": "ket\x00"}, "type", id="type-nul"),
    pytest.param({"location": None}, "location", id="location-null"),
    pytest.param({"chair": "window"}, "chair", id="chair-text"),
    pytest.param({"note": "a\x00b"}, "note", id="note-nul"),
    pytest.param({"note": "x" * 2001}, "note", id="note-too-long"),
    pytest.param({"visit_address": "\ud800"}, "visit_address", id="address-surrogate"),
    pytest.param({"colour": "blue"}, "colour", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BODIES)
def test_a_bad_booking_body_names_the_field(client, b, token, change, field) -> None:
    body = book_body(b, b.at(monday(), 9)) | change
    response = post(client, "/api/v1/appointments", body, token)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Appointment.objects.exists()


def test_a_booking_without_a_body_or_fields_is_422(client, b, token) -> None:
    for data in ("", "{", "[]", "{}", '"x"'):
        response = client.post(
            "/api/v1/appointments", data, content_type="application/json", **auth(token)
        )
        assert response.status_code in (400, 422), (data, response.status_code)
    missing = post(client, "/api/v1/appointments", {}, token).json()
    assert {e["field"] for e in missing["errors"]} == {"patient", "type", "location", "start"}


def test_booking_with_unknown_or_another_clinics_ids_is_404(client, b, token) -> None:
    cast = b.cast
    other_location = cast.other_org.locations.get()
    other_chair = Chair.objects.create(
        room=Room.objects.create(location=other_location, name="R"), name="Theirs"
    )
    start = b.at(monday(), 9)
    for change, detail in (
        ({"patient": cast.outsider_patient.pk}, "No such patient."),
        ({"patient": 99999}, "No such patient."),
        ({"type": "nope"}, "No such appointment type."),
        ({"type": 99999}, "No such appointment type."),
        ({"location": other_location.pk}, "No such location."),
        ({"chair": other_chair.pk}, "No such chair."),
        ({"staff": cast.outsider.pk}, "No such staff member."),
    ):
        since = last_event_id()
        response = post(client, "/api/v1/appointments", book_body(b, start, **change), token)
        assert response.status_code == 404 and response.json() == {"detail": detail}, change
        assert AuditEvent.objects.filter(id__gt=since, outcome="denied").exists()
    assert not Appointment.objects.exists()


# ---- listing, one appointment, cancelling --------------------------------------------------


def list_week(client, token, b: Bookable, day: dt.date, **params: Any):
    query = {"start": iso(b.at(day, 0)), "end": iso(b.at(day + dt.timedelta(days=7), 0))}
    return client.get("/api/v1/appointments", query | params, **auth(token))


def test_the_list_covers_the_range_in_start_order_and_pages(client, b, token) -> None:
    day = monday()
    late = book(b, b.at(day, 13))
    early = book(b, b.at(day, 9), key="follow-up", patient=b.cast.other_patient)
    book(b, b.at(day + dt.timedelta(days=14), 9), key="follow-up")  # outside the range
    body = list_week(client, token, b, day).json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [early.pk, late.pk]
    assert ISO_WITH_OFFSET.match(body["results"][0]["start"])
    page = list_week(client, token, b, day, limit=1, offset=1).json()
    assert page["count"] == 2 and [r["id"] for r in page["results"]] == [late.pk]
    mine = list_week(client, token, b, day, patient=b.cast.patient.pk).json()
    assert [r["id"] for r in mine["results"]] == [late.pk]
    here = list_week(client, token, b, day, location=b.cast.location.pk).json()
    assert here["count"] == 2


def test_the_list_shows_cancelled_ones_only_when_asked(client, b, token) -> None:
    day = monday()
    kept = book(b, b.at(day, 9))
    gone = book(b, b.at(day, 10), key="follow-up", patient=b.cast.other_patient)
    services.appointment_cancel(appointment=gone, by=b.cast.frontdesk, reason="Unwell")
    assert [r["id"] for r in list_week(client, token, b, day).json()["results"]] == [kept.pk]
    cancelled = list_week(client, token, b, day, status="cancelled").json()["results"]
    assert [r["id"] for r in cancelled] == [gone.pk] and cancelled[0]["cancel_reason"] == "Unwell"
    booked = list_week(client, token, b, day, status="booked").json()["results"]
    assert [r["id"] for r in booked] == [kept.pk]


def test_the_list_audits_each_patient_shown(client, b, token) -> None:
    day = monday()
    book(b, b.at(day, 9))
    book(b, b.at(day, 10), key="follow-up", patient=b.cast.other_patient)
    since = last_event_id()
    list_week(client, token, b, day)
    named = set(
        AuditEvent.objects.filter(
            id__gt=since, action="view", object_type="appointment"
        ).values_list("patient_id", flat=True)
    )
    assert named == {b.cast.patient.pk, b.cast.other_patient.pk}


def test_another_clinic_sees_none_of_the_appointments(client, b) -> None:
    day = monday()
    appointment = book(b, b.at(day, 9))
    outsider = api_token_create(user=b.cast.outsider)
    assert list_week(client, outsider, b, day).json() == {"count": 0, "results": []}
    response = client.get(f"/api/v1/appointments/{appointment.pk}", **auth(outsider))
    assert response.status_code == 404
    response = post(
        client, f"/api/v1/appointments/{appointment.pk}/cancel", {"reason": "x"}, outsider
    )
    assert response.status_code == 404
    assert list_week(client, outsider, b, day, location=b.cast.location.pk).status_code == 404
    assert list_week(client, outsider, b, day, patient=b.cast.patient.pk).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"start": "2026-12-07T00:00:00"}, "start", id="naive"),
        pytest.param({"end": "next week"}, "end", id="garbage"),
        pytest.param({"status": "lost"}, "status", id="unknown-status"),
        pytest.param({"limit": "101"}, "limit", id="limit-over-100"),
        pytest.param({"offset": "-1"}, "offset", id="negative-offset"),
        pytest.param({"patient": "abc"}, "patient", id="patient-text"),
    ],
)
def test_the_list_names_a_bad_field(client, b, token, change, field) -> None:
    response = list_week(client, token, b, monday(), **change)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_list_refuses_a_range_over_92_days(client, b, token) -> None:
    day = monday()
    response = list_week(client, token, b, day, end=iso(b.at(day, 0) + dt.timedelta(days=93)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"


def test_one_appointment_is_shown_and_audited(client, b, token) -> None:
    appointment = book(b, b.at(monday(), 9))
    since = last_event_id()
    response = client.get(f"/api/v1/appointments/{appointment.pk}", **auth(token))
    assert response.status_code == 200 and response.json()["id"] == appointment.pk
    event = AuditEvent.objects.get(id__gt=since)
    assert (event.action, event.object_id, event.patient_id) == (
        "view",
        str(appointment.pk),
        b.cast.patient.pk,
    )


@pytest.mark.parametrize("bad_id", ["99999", "0", "-3", "abc", "99999999999999999999999"])
def test_an_unknown_appointment_is_404_or_422(client, b, token, bad_id) -> None:
    response = client.get(f"/api/v1/appointments/{bad_id}", **auth(token))
    assert response.status_code in (404, 422)
    assert "detail" in response.json()


def test_cancel_needs_a_reason_and_flags_a_late_one(client, b, token) -> None:
    appointment = book(b, b.at(monday(), 9))
    url = f"/api/v1/appointments/{appointment.pk}/cancel"
    for body in (
        {},
        {"reason": ""},
        {"reason": "   "},
        {"reason": "a\x00b"},
        {"reason": "x" * 301},
    ):
        response = post(client, url, body, token)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == "reason"
    response = post(client, url, {"reason": "The patient has a fever."}, token)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "The patient has a fever."
    assert body["late_cancellation"] is False and ISO_WITH_OFFSET.match(body["cancelled_at"])
    event = AuditEvent.objects.filter(object_type="appointment", action="update").get()
    assert event.detail["reason"] == "The patient has a fever."
    again = post(client, url, {"reason": "Twice"}, token)
    assert again.status_code == 422 and again.json()["code"] == "not_active"


def test_a_cancelled_slot_can_be_booked_again(client, b, token) -> None:
    start = b.at(monday(), 9)
    first = book(b, start, chair=b.chairs[0], patient=b.cast.other_patient)
    post(client, f"/api/v1/appointments/{first.pk}/cancel", {"reason": "Rebooking"}, token)
    response = post(
        client, "/api/v1/appointments", book_body(b, start, chair=b.chairs[0].pk), token
    )
    assert response.status_code == 201


# ---- roles --------------------------------------------------------------------------------

STAFF = [Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN, Role.CLINIC_ADMIN]


@pytest.mark.parametrize("role", [*STAFF, Role.PATIENT])
def test_every_staff_role_may_read_and_book_and_a_patient_may_not(client, b, role) -> None:
    user = b.cast.by_role()[role]
    token = api_token_create(user=user)
    day = monday()
    appointment = book(b, b.at(day, 9), key="follow-up", patient=b.cast.other_patient)
    allowed = role in STAFF
    reads = [
        client.get("/api/v1/appointment-types", **auth(token)),
        availability(client, token, b, day),
        list_week(client, token, b, day),
        client.get(f"/api/v1/appointments/{appointment.pk}", **auth(token)),
    ]
    writes = [
        post(client, "/api/v1/appointments", book_body(b, b.at(day, 13)), token),
        post(client, f"/api/v1/appointments/{appointment.pk}/cancel", {"reason": "Ill"}, token),
    ]
    for response in reads + writes:
        if allowed:
            assert response.status_code in (200, 201), (role, response.content)
        else:
            assert response.status_code == 403
            assert response.json() == {"detail": "Your role may not do this."}
    if not allowed:
        assert AuditEvent.objects.filter(actor=user, outcome="denied").count() == 6
        assert Appointment.objects.filter(status="booked").count() == 1


def test_without_a_token_every_endpoint_is_401(client, b) -> None:
    for method, url in (
        ("get", "/api/v1/appointment-types"),
        ("get", "/api/v1/availability"),
        ("get", "/api/v1/appointments"),
        ("post", "/api/v1/appointments"),
        ("get", "/api/v1/appointments/1"),
        ("post", "/api/v1/appointments/1/cancel"),
    ):
        assert getattr(client, method)(url).status_code == 401, url


# ---- OpenAPI ------------------------------------------------------------------------------


def test_the_openapi_document_has_the_endpoints_with_examples(client, db) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    for path in (
        "/api/v1/appointment-types",
        "/api/v1/availability",
        "/api/v1/appointments",
        "/api/v1/appointments/{appointment_id}",
        "/api/v1/appointments/{appointment_id}/cancel",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/appointments"]) == {"get", "post"}
    responses = paths["/api/v1/appointments"]["post"]["responses"]
    assert {"201", "409", "422", "404"} <= set(responses)
    schemas = doc["components"]["schemas"]
    for name in ("AppointmentIn", "AppointmentOut", "AvailabilityOut", "CancelIn"):
        assert schemas[name].get("examples"), name
    params = {p["name"]: p for p in paths["/api/v1/availability"]["get"]["parameters"]}
    assert {"type", "location", "start", "end"} <= set(params)
    assert params["start"]["schema"]["format"] == "date-time"


# ---- query budgets ------------------------------------------------------------------------


def _fill(b: Bookable, day: dt.date, n: int) -> None:
    """Book ``n`` short calls and follow-ups across the week (none on Wednesday)."""
    from infusionist.patients.models import Patient

    base = b.cast.patient
    made = 0
    for offset in (0, 1, 3, 4):
        for hour in range(9, 16):
            if made == n:
                return
            patient = Patient.objects.create(
                organization=b.cast.org,
                mrn=f"WTC9{made:05d}",
                legal_first_name="Budget",
                legal_last_name=f"Patient{made}",
                date_of_birth=base.date_of_birth,
                sex_at_birth="female",
            )
            book(
                b,
                b.at(day + dt.timedelta(days=offset), hour),
                key="follow-up",
                patient=patient,
            )
            made += 1


@pytest.mark.parametrize("n", [2, 20])
def test_the_list_keeps_its_query_count(client, b, token, django_assert_num_queries, n) -> None:
    day = monday()
    _fill(b, day, n)
    list_week(client, token, b, day)  # the token's last use is stamped on the first request
    # The token with its user, the count, the page with its joins, the audit events (one
    # insert for every patient shown).
    with django_assert_num_queries(4):
        body = list_week(client, token, b, day).json()
    assert body["count"] == n and len(body["results"]) == min(n, 25)


@pytest.mark.parametrize("n", [0, 20])
def test_availability_keeps_its_query_count(client, b, token, django_assert_num_queries, n):
    day = monday()
    _fill(b, day, n)
    availability(client, token, b, day)
    # The token with its user; the type; the location with its hours and closures (3);
    # the booking context: settings, hours, closures, chairs, staffing, shifts, time off,
    # appointments (8); the chair and staff names (2).
    with django_assert_num_queries(15):
        body = availability(client, token, b, day + dt.timedelta(days=2)).json()
    assert body["slots"]
