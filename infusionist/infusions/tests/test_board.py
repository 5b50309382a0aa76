"""Issue 12: the chair board, every chair of a location with its visit, times, vitals and alerts.

The selector is read at a fixed ``now`` (11:00 at the test clinic) so every minute is exact;
the pages are read as each role and as another clinic's user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Chair, Location, Room
from infusionist.infusions.board import (
    VitalsDue,
    board_rows,
    paused_seconds,
    vitals_prompt,
)
from infusionist.infusions.models import (
    AdministrationEvent,
    ChartSettings,
    Visit,
    VitalAlert,
    VitalSign,
)
from infusionist.patients.models import Patient
from infusionist.test import TEST_CLINIC_TIME_ZONE, clinic_today

TZ = zoneinfo.ZoneInfo(TEST_CLINIC_TIME_ZONE)


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """Return today at hour:minute in the test clinic's zone."""
    return dt.datetime.combine(clinic_today(), dt.time(hour, minute, second), tzinfo=TZ)


NOW = at(11)


@pytest.fixture
def chairs(cast: Any) -> list[Chair]:
    room_b = Room.objects.create(location=cast.location, name="Room B")
    room_a = Room.objects.create(location=cast.location, name="Room A")
    return [
        Chair.objects.create(room=room_a, name="Chair 1", capabilities=["iv_infusion"]),
        Chair.objects.create(room=room_a, name="Chair 2", capabilities=["iv_infusion"]),
        Chair.objects.create(room=room_b, name="Chair 3", capabilities=["iv_infusion"]),
    ]


def visit(cast: Any, chair: Chair | None, phase: str, patient: Patient | None = None, **kw: Any):
    values: dict[str, Any] = {
        "organization": cast.org,
        "location": cast.location,
        "patient": patient or cast.patient,
        "chair": chair,
        "phase": phase,
        "scheduled_at": at(10),
        "duration_min": 40,
        "observation_min": 60,
        "monitoring_interval_min": 15,
    }
    values.update(kw)
    return Visit.objects.create(**values)


def vital(v: Visit, when: dt.datetime, stage: str = "during") -> VitalSign:
    return VitalSign.objects.create(
        visit=v,
        measured_at=when,
        stage=stage,
        systolic_mmhg=128,
        diastolic_mmhg=82,
        fingerprint=f"{v.pk}-{when.isoformat()}",
    )


def alert(v: Visit, message: str, raised: dt.datetime, responded: bool = False) -> VitalAlert:
    return VitalAlert.objects.create(
        visit=v,
        rule="bp_hold",
        message=message,
        threshold="≥ 180/110 twice",
        source_keys="[10][42]",
        raised_at=raised,
        responded_at=raised + dt.timedelta(minutes=2) if responded else None,
    )


def pump(v: Visit, kind: str, when: dt.datetime) -> None:
    AdministrationEvent.objects.create(visit=v, kind=kind, at=when)


# --- the arithmetic ----------------------------------------------------------------------


def test_paused_time_adds_each_pause_until_its_resume_and_an_open_one_until_the_end() -> None:
    events = [
        ("pause", at(10, 10)),
        ("resume", at(10, 14)),
        ("resume", at(10, 20)),  # a resume without a pause is ignored
        ("pause", at(10, 30)),
        ("pause", at(10, 31)),  # a repeated pause does not restart the count
    ]
    assert paused_seconds(events, until=at(10, 40)) == (4 + 10) * 60


def test_vitals_prompt_says_later_then_due_now_then_overdue() -> None:
    due = at(11)
    assert vitals_prompt(due_at=due, now=at(10, 55, 30)).minutes == 5  # rounded up
    assert vitals_prompt(due_at=due, now=at(10, 59, 59)).state == VitalsDue.LATER
    assert vitals_prompt(due_at=due, now=at(11)).state == VitalsDue.NOW
    assert vitals_prompt(due_at=due, now=at(11, 0, 59)).state == VitalsDue.NOW
    late = vitals_prompt(due_at=due, now=at(11, 6, 10))
    assert (late.state, late.minutes, late.urgent) == (VitalsDue.OVERDUE, 6, True)


# --- the board ---------------------------------------------------------------------------


def test_every_chair_is_listed_in_room_and_name_order_with_its_visit_or_free(
    cast: Any, chairs: list[Chair]
) -> None:
    infusing = visit(cast, chairs[1], Visit.Phase.INFUSING, infusion_started_at=at(10, 30))
    board = board_rows(location=cast.location, now=NOW)
    assert [r.chair.name for r in board.rows] == ["Chair 1", "Chair 2", "Chair 3"]
    assert [r.visit for r in board.rows] == [None, infusing, None]
    assert board.rows[0].free and board.rows[1].active and board.unseated == []


def test_a_chair_shows_the_visit_in_it_before_the_next_one_booked(
    cast: Any, chairs: list[Chair]
) -> None:
    later = visit(cast, chairs[0], Visit.Phase.SCHEDULED, cast.other_patient, scheduled_at=at(13))
    sooner = visit(cast, chairs[1], Visit.Phase.SCHEDULED, cast.other_patient, scheduled_at=at(12))
    visit(cast, chairs[1], Visit.Phase.SCHEDULED, cast.other_patient, scheduled_at=at(14))
    here = visit(cast, chairs[0], Visit.Phase.CHECKED_IN, checked_in_at=at(10, 50))
    # Finished, cancelled and tomorrow's visits are not on the board.
    visit(cast, chairs[2], Visit.Phase.DISCHARGED)
    visit(cast, chairs[2], Visit.Phase.CANCELLED)
    visit(cast, chairs[2], Visit.Phase.SCHEDULED, scheduled_at=at(10) + dt.timedelta(days=1))
    board = board_rows(location=cast.location, now=NOW)
    first, second, third = board.rows
    assert (first.visit, first.is_next) == (here, False)
    assert (second.visit, second.is_next) == (sooner, True)
    assert third.free
    assert later not in board.visits


def test_visits_without_a_chair_are_listed_below(cast: Any, chairs: list[Chair]) -> None:
    inactive = Chair.objects.create(
        room=chairs[0].room, name="Old chair", capabilities=["iv_infusion"], is_active=False
    )
    nowhere = visit(cast, None, Visit.Phase.PRE_CHECKS)
    retired = visit(cast, inactive, Visit.Phase.SCHEDULED, cast.other_patient)
    board = board_rows(location=cast.location, now=NOW)
    assert [r.visit for r in board.unseated] == [nowhere, retired]
    assert [r.is_next for r in board.unseated] == [False, True]
    assert all(r.chair is None for r in board.unseated)


def test_a_visit_left_open_from_yesterday_stays_on_the_board(cast: Any, chairs) -> None:
    stale = visit(cast, chairs[0], Visit.Phase.OBSERVATION, scheduled_at=at(10) - dt.timedelta(1))
    assert board_rows(location=cast.location, now=NOW).rows[0].visit == stale


def test_another_locations_visits_are_not_on_this_board(cast: Any, chairs) -> None:
    other_site = Location.objects.create(
        organization=cast.org,
        name="Annex",
        address_line1="2 Test Street",
        city="Testville",
        state="OR",
        postal_code="97401",
        phone="+15415550198",
        time_zone=TEST_CLINIC_TIME_ZONE,
    )
    visit(cast, None, Visit.Phase.INFUSING, location=other_site, infusion_started_at=at(10))
    assert board_rows(location=cast.location, now=NOW).visits == []


def test_infusion_minutes_leave_out_the_pauses(cast: Any, chairs: list[Chair]) -> None:
    v = visit(cast, chairs[0], Visit.Phase.PAUSED, infusion_started_at=at(10, 30))
    pump(v, "start", at(10, 30))
    pump(v, "pause", at(10, 40))
    pump(v, "resume", at(10, 45))
    pump(v, "pause", at(10, 55))  # still paused at 11:00
    row = board_rows(location=cast.location, now=NOW).rows[0]
    # 30 minutes since the start, 5 + 5 paused.
    assert (row.infusion_elapsed_min, row.paused_min) == (20, 10)
    assert row.observation_elapsed_min is None


def test_infusion_minutes_stop_at_the_pump_stop_and_observation_counts_from_it(
    cast: Any, chairs: list[Chair]
) -> None:
    v = visit(
        cast,
        chairs[0],
        Visit.Phase.OBSERVATION,
        infusion_started_at=at(10, 0),
        infusion_ended_at=at(10, 43),
    )
    pump(v, "pause", at(10, 10))
    pump(v, "resume", at(10, 13))
    row = board_rows(location=cast.location, now=NOW).rows[0]
    assert (row.infusion_elapsed_min, row.observation_elapsed_min) == (40, 17)


def test_vitals_fall_due_at_the_orders_interval_after_the_last_reading(
    cast: Any, chairs: list[Chair]
) -> None:
    v = visit(cast, chairs[0], Visit.Phase.INFUSING, infusion_started_at=at(10, 20))
    vital(v, at(10, 20), stage="baseline")
    vital(v, at(10, 41))
    row = board_rows(location=cast.location, now=NOW).rows[0]
    assert row.vitals is not None
    assert (row.vitals.due_at, row.vitals.state, row.vitals.minutes) == (at(10, 56), "overdue", 4)


def test_without_an_order_interval_the_clinics_during_interval_applies(cast, chairs) -> None:
    ChartSettings.objects.create(organization=cast.org, vitals_during_min=5)
    visit(
        cast,
        chairs[0],
        Visit.Phase.INFUSING,
        infusion_started_at=at(10, 57),
        monitoring_interval_min=None,
    )
    row = board_rows(location=cast.location, now=NOW).rows[0]
    assert row.vitals is not None
    assert (row.vitals.due_at, row.vitals.state, row.vitals.minutes) == (at(11, 2), "later", 2)


def test_during_observation_the_clinics_after_interval_applies(cast, chairs) -> None:
    ChartSettings.objects.create(organization=cast.org, vitals_after_min=15)
    v = visit(
        cast,
        chairs[0],
        Visit.Phase.OBSERVATION,
        infusion_started_at=at(10),
        infusion_ended_at=at(10, 40),
    )
    vital(v, at(10, 45), stage="after")
    row = board_rows(location=cast.location, now=NOW).rows[0]
    assert row.vitals is not None
    assert (row.vitals.due_at, row.vitals.state) == (at(11), "now")


def test_no_vitals_prompt_before_the_infusion_or_once_ready(cast, chairs) -> None:
    visit(cast, chairs[0], Visit.Phase.PRE_CHECKS)
    visit(
        cast,
        chairs[1],
        Visit.Phase.READY,
        cast.other_patient,
        infusion_started_at=at(9),
        infusion_ended_at=at(9, 40),
    )
    first, second, _third = board_rows(location=cast.location, now=NOW).rows
    assert first.vitals is None and second.vitals is None
    assert second.observation_elapsed_min == 80


def test_open_alerts_are_counted_with_the_first_ones_message(cast, chairs) -> None:
    v = visit(cast, chairs[0], Visit.Phase.PAUSED, infusion_started_at=at(10, 30))
    alert(v, "Answered already", at(10, 35), responded=True)
    alert(v, "Blood pressure 185/115 twice", at(10, 40))
    alert(v, "SpO2 90%", at(10, 50))
    quiet = visit(cast, chairs[1], Visit.Phase.INFUSING, cast.other_patient)
    alert(quiet, "Answered", at(10, 45), responded=True)
    board = board_rows(location=cast.location, now=NOW)
    first, second, _third = board.rows
    assert (first.open_alert_count, first.first_alert_message) == (
        2,
        "Blood pressure 185/115 twice",
    )
    assert (second.open_alert_count, second.first_alert_message) == (0, "")
    assert board.alert_count == 2


def _fill(cast: Any, chairs: list[Chair], n: int) -> None:
    room = chairs[0].room
    for i in range(n):
        chair = Chair.objects.create(room=room, name=f"Extra {n}-{i}", capabilities=["iv_infusion"])
        v = visit(cast, chair, Visit.Phase.INFUSING, infusion_started_at=at(10, 30))
        vital(v, at(10, 40 + i % 10))
        pump(v, "pause", at(10, 41))
        pump(v, "resume", at(10, 42))
        alert(v, f"Alert {i}", at(10, 43))
        visit(cast, None, Visit.Phase.SCHEDULED, cast.other_patient, scheduled_at=at(12))


@pytest.mark.parametrize("extra", [1, 8])
def test_the_board_reads_four_queries_whatever_the_number_of_chairs(
    cast: Any, chairs: list[Chair], extra: int, django_assert_num_queries: Any
) -> None:
    ChartSettings.objects.create(organization=cast.org)
    _fill(cast, chairs, extra)
    # Chairs with rooms; visits with patient, last reading and open alerts (subqueries);
    # their pause and resume events; the chart settings.
    with django_assert_num_queries(4):
        board = board_rows(location=cast.location, now=NOW)
        for row in (*board.rows, *board.unseated):
            if row.visit is not None:
                assert row.visit.patient.display_name
                assert row.chair is None or row.chair.room.name
    assert len(board.rows) == 3 + extra


# --- the pages ---------------------------------------------------------------------------

STAFF = [Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN, Role.CLINIC_ADMIN]


def _live_visit(cast: Any, chairs: list[Chair]) -> Visit:
    v = visit(cast, chairs[0], Visit.Phase.INFUSING, infusion_started_at=NOW)
    alert(v, "Blood pressure 185/115 twice", NOW)
    return v


@pytest.mark.parametrize("role", STAFF)
def test_every_staff_role_sees_the_board_and_clinical_roles_open_the_chart(
    client: Any, cast: Any, chairs: list[Chair], role: str
) -> None:
    v = _live_visit(cast, chairs)
    client.force_login(cast.staff()[role])
    page = client.get(reverse("infusions:board_location", args=[cast.location.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert cast.patient.display_name in html
    assert "Infusing" in html and "1 open alert" in html
    clinical = role in {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN}
    # The alert's words name vital signs: clinical roles only (the count is for everyone).
    assert ("Blood pressure 185/115 twice" in html) == clinical
    assert reverse("infusions:board_rows", args=[cast.location.pk]) in html
    linked = f'href="{reverse("record:patient", args=[cast.patient.pk])}"' in html
    with contextlib.suppress(NoReverseMatch):  # the chart page, once it exists
        linked = linked or f'href="{reverse("infusions:visit", args=[v.pk])}"' in html
    assert linked == clinical


def test_a_patient_may_not_see_the_board(client: Any, cast: Any) -> None:
    client.force_login(cast.patient_user)
    assert client.get(reverse("infusions:board")).status_code == 403


def test_another_clinics_location_is_not_found(client: Any, cast: Any) -> None:
    other = Location.objects.get(organization=cast.other_org)
    client.force_login(cast.nurse)
    for name in ("infusions:board_location", "infusions:board_rows"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404


def test_the_board_opens_the_only_location_or_lets_staff_pick(client: Any, cast: Any) -> None:
    client.force_login(cast.frontdesk)
    page = client.get(reverse("infusions:board")).content.decode()
    assert "Chair board" in page and "data-poll-url" in page
    annex = Location.objects.create(
        organization=cast.org,
        name="Annex",
        address_line1="2 Test Street",
        city="Testville",
        state="OR",
        postal_code="97401",
        phone="+15415550198",
        time_zone=TEST_CLINIC_TIME_ZONE,
    )
    page = client.get(reverse("infusions:board")).content.decode()
    assert "data-poll-url" not in page
    assert reverse("infusions:board_location", args=[annex.pk]) in page
    board = client.get(reverse("infusions:board_location", args=[annex.pk])).content.decode()
    assert 'aria-current="page">Annex<' in board


def test_the_rows_poll_every_15_seconds_and_render_alone(client, cast, chairs) -> None:
    _live_visit(cast, chairs)
    client.force_login(cast.nurse)
    page = client.get(reverse("infusions:board_location", args=[cast.location.pk]))
    assert 'data-poll-every-s="15"' in page.content.decode()
    rows = client.get(reverse("infusions:board_rows", args=[cast.location.pk]))
    assert rows.status_code == 200 and rows["Cache-Control"] == "no-store"
    html = rows.content.decode()
    assert "<html" not in html and cast.patient.display_name in html


def test_opening_the_board_records_each_patient_shown_but_polling_does_not_repeat_it(
    client: Any, cast: Any, chairs: list[Chair]
) -> None:
    _live_visit(cast, chairs)
    client.force_login(cast.nurse)
    url = reverse("infusions:board_location", args=[cast.location.pk])
    rows = reverse("infusions:board_rows", args=[cast.location.pk])
    views = AuditEvent.objects.filter(object_type="chair_board", actor=cast.nurse)
    client.get(url)
    assert list(views.values_list("patient_id", flat=True)) == [cast.patient.pk]
    for _ in range(3):
        client.get(rows)
    assert views.count() == 1
    # Someone checked in after the page opened is recorded on the first poll that shows them.
    visit(cast, chairs[1], Visit.Phase.CHECKED_IN, cast.other_patient)
    client.get(rows)
    client.get(rows)
    assert sorted(views.values_list("patient_id", flat=True)) == sorted(
        [cast.patient.pk, cast.other_patient.pk]
    )


@pytest.mark.parametrize("extra", [1, 6])
def test_a_poll_costs_a_fixed_number_of_queries(
    client: Any, cast: Any, chairs: list[Chair], extra: int, django_assert_num_queries: Any
) -> None:
    ChartSettings.objects.create(organization=cast.org)
    _fill(cast, chairs, extra)
    client.force_login(cast.nurse)
    rows = reverse("infusions:board_rows", args=[cast.location.pk])
    client.get(rows)  # the first poll records the patients shown
    # Session, user, the user's authenticator (MFA), location; the board's four (chart
    # settings, chairs, visits, pauses); which patients were already recorded; the session's
    # save (savepoint, update, release).
    with django_assert_num_queries(12):
        assert client.get(rows).status_code == 200


def test_the_navigation_and_today_link_to_the_board(client: Any, cast: Any) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert html.count(f'href="{reverse("infusions:board")}"') == 2


def test_the_boards_words_have_spanish_for_when_staff_pages_speak_it(cast, chairs) -> None:
    # Staff pages are English today (portal.middleware); the board's words are ready.
    v = _live_visit(cast, chairs)
    pump(v, "pause", NOW)
    board = board_rows(location=cast.location, now=NOW)
    context = {"board": board, "location": cast.location}
    with translation.override("es"):
        html = render_to_string("infusions/_board_rows.html", context)
    assert "Próximos signos vitales" in html and "Sillón" in html
    assert "En infusión" in html and "1 alerta abierta" in html and "Libre" in html
