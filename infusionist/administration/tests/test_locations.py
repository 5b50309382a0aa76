"""Clinic administration of locations: hours, closures, rooms, chairs and staffing rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from infusionist.administration import services
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import BusinessHours, Chair, Closure, Location, Room
from infusionist.clinics.selectors import hours_overlap, is_open, locations_for_organization

T = dt.time


def _location_fresh(cast) -> Location:
    return locations_for_organization(organization=cast.org).get(pk=cast.location.pk)


def test_an_admin_sets_split_hours_and_the_change_is_audited(cast) -> None:
    hours = {0: [(T(9), T(12)), (T(13), T(17))], 5: [(T(10), T(14))]}
    assert services.business_hours_set(location=cast.location, actor=cast.admin, hours=hours)
    blocks = list(
        BusinessHours.objects.filter(location=cast.location).order_by("weekday", "opens_at")
    )
    assert [(b.weekday, b.opens_at, b.closes_at) for b in blocks] == [
        (0, T(9), T(12)),
        (0, T(13), T(17)),
        (5, T(10), T(14)),
    ]
    event = AuditEvent.objects.get(object_type="business_hours")
    assert event.detail["after"][0] == [0, "09:00:00", "12:00:00"]
    # The same hours again change nothing and write nothing.
    assert not services.business_hours_set(location=cast.location, actor=cast.admin, hours=hours)
    assert AuditEvent.objects.filter(object_type="business_hours").count() == 1


@pytest.mark.parametrize(
    "blocks",
    [
        [(T(9), T(13)), (T(12), T(17))],  # overlap
        [(T(9), T(17)), (T(9), T(17))],  # the same block twice
        [(T(13), T(17)), (T(9), T(13, 30))],  # overlap given out of order
        [(T(17), T(9))],  # closes before it opens
        [(T(9), T(9))],  # closes when it opens
    ],
)
def test_bad_hours_are_refused_naming_the_day_and_nothing_changes(cast, blocks) -> None:
    before = BusinessHours.objects.filter(location=cast.location).count()
    with pytest.raises(ValidationError) as refused:
        services.business_hours_set(location=cast.location, actor=cast.admin, hours={2: blocks})
    assert "Wednesday" in " ".join(refused.value.messages)
    assert BusinessHours.objects.filter(location=cast.location).count() == before


def test_hours_overlap_is_exact_at_the_edges() -> None:
    assert not hours_overlap([(T(9), T(12)), (T(12), T(17))])  # back to back is fine
    assert hours_overlap([(T(9), T(12, 1)), (T(12), T(17))])


def test_the_hours_page_keeps_what_was_typed_on_an_error(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:location_hours", args=[cast.location.pk])
    overlapping = {
        "day1_opens1": "09:00",
        "day1_closes1": "13:00",
        "day1_opens2": "12:00",
        "day1_closes2": "17:00",
    }
    response = client.post(url, overlapping)
    page = response.content.decode()
    assert response.status_code == 422 and "Tuesday: the opening blocks overlap." in page
    assert 'value="12:00"' in page and 'value="13:00"' in page
    response = client.post(url, {"day2_opens1": "09:00"})
    assert response.status_code == 422
    assert "give both the opening and the closing time" in response.content.decode()


def test_a_closure_closes_the_location_on_those_days(cast) -> None:
    tuesday = dt.datetime(2026, 11, 24, 17, 30, tzinfo=dt.UTC)  # 09:30 in Los Angeles
    assert is_open(location=_location_fresh(cast), now=tuesday)
    services.closure_add(
        location=cast.location,
        actor=cast.admin,
        starts_on=dt.date(2026, 11, 24),
        ends_on=dt.date(2026, 11, 24),
        reason="Staff training",
        today=dt.date(2026, 11, 24),
    )
    assert not is_open(location=_location_fresh(cast), now=tuesday)
    assert is_open(location=_location_fresh(cast), now=tuesday + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(dt.date(2026, 12, 26), dt.date(2026, 12, 25)), (dt.date(2027, 1, 1), dt.date(2026, 1, 1))],
)
def test_a_closure_that_ends_before_it_starts_is_refused(client, cast, starts, ends) -> None:
    with pytest.raises(ValidationError):
        services.closure_add(
            location=cast.location, actor=cast.admin, starts_on=starts, ends_on=ends, reason="x"
        )
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:closure_add", args=[cast.location.pk]),
        {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "reason": "Kept reason"},
    )
    page = response.content.decode()
    assert response.status_code == 422 and "ends before it starts" in page
    assert "Kept reason" in page and not Closure.objects.exists()


def test_rooms_and_chairs_with_capabilities(client, cast) -> None:
    client.force_login(cast.admin)
    client.post(
        reverse("administration:room_add", args=[cast.location.pk]),
        {"name": "Room B", "is_active": "on"},
    )
    room = Room.objects.get(name="Room B")
    prefix = f"room-{room.pk}-"
    response = client.post(
        reverse("administration:chair_add", args=[room.pk]),
        {f"{prefix}name": "Chair 3", f"{prefix}capabilities": ["iv_infusion", "intranasal"]},
    )
    assert response.status_code == 302
    chair = Chair.objects.get(name="Chair 3")
    assert chair.capabilities == ["iv_infusion", "intranasal"] and chair.is_active is False
    page = client.get(reverse("administration:location_detail", args=[cast.location.pk]))
    assert "IV infusion, Intranasal (esketamine) monitoring" in page.content.decode()
    # No capability, and a duplicate name, are refused with a message; nothing typed is lost.
    response = client.post(
        reverse("administration:chair_add", args=[room.pk]), {f"{prefix}name": "Chair 4"}
    )
    assert response.status_code == 422
    assert "Choose at least one thing" in response.content.decode()
    response = client.post(
        reverse("administration:chair_add", args=[room.pk]),
        {f"{prefix}name": "Chair 3", f"{prefix}capabilities": ["nutrient_drip"]},
    )
    assert response.status_code == 422 and "already has a chair" in response.content.decode()
    assert AuditEvent.objects.filter(object_type="chair", action="create").count() == 1
    with pytest.raises(ValidationError):
        services.chair_save(room=room, actor=cast.admin, name="X", capabilities=["teleport"])


def test_a_new_primary_location_replaces_the_old_one(cast) -> None:
    second = services.location_save(
        organization=cast.org,
        actor=cast.admin,
        data={
            "name": "Eastside",
            "address_line1": "2 Test Street",
            "city": "Testville",
            "state": "OR",
            "postal_code": "97401",
            "phone": "(541) 555-0198",
            "time_zone": "America/Los_Angeles",
            "is_primary": True,
        },
    )
    cast.location.refresh_from_db()
    assert second.is_primary and not cast.location.is_primary
    event = AuditEvent.objects.get(object_type="location", action="create")
    assert event.detail["after"]["name"] == "Eastside"


def test_a_duplicate_location_name_is_refused_on_the_form(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:location_create"),
        {
            "name": "main",
            "address_line1": "2 Test Street",
            "city": "Testville",
            "state": "OR",
            "postal_code": "97401",
            "phone": "(541) 555-0198",
            "time_zone": "America/Chicago",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422 and "Another location already has this name." in page
    assert 'value="2 Test Street"' in page


def test_staffing_rule_defaults_cite_their_basis_and_change_with_an_audit(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:location_staffing", args=[cast.location.pk])
    assert "No published source" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "chairs_per_nurse": "3",
            "physician_availability": "on_call",
            "physician_response_min": "10",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="location_staffing")
    assert (
        event.detail["before"]["chairs_per_nurse"] == 2
        and event.detail["after"]["chairs_per_nurse"] == 3
    )
    bad = client.post(
        url,
        {
            "chairs_per_nurse": "40",
            "physician_availability": "on_site",
            "physician_response_min": "10",
        },
    )
    assert bad.status_code == 422


def test_only_a_clinic_admin_of_the_same_clinic_changes_locations(cast) -> None:
    for actor in (cast.physician, cast.nurse, cast.frontdesk, cast.outsider):
        with pytest.raises(PermissionDenied):
            services.closure_add(
                location=cast.location,
                actor=actor,
                starts_on=dt.date(2030, 1, 1),
                ends_on=dt.date(2030, 1, 1),
                reason="x",
            )
    assert not Closure.objects.exists()
