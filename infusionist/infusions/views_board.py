"""The chair board pages: every chair of a location on one screen, kept fresh by polling.

``/chart/board/`` shows the board of the clinic's only location, or lets staff pick one when
it has several; ``/chart/board/<location_id>/`` is one location's board (a tablet keeps its
address, so the choice is remembered in the URL); ``/chart/board/<location_id>/rows/`` is the
part of the page the board's script fetches every ``POLL_EVERY_S`` seconds.

Auditing: opening the board records a view event for every patient it shows. The polled
part does not record one every 15 seconds per tablet: it records a patient only the first
time this user's board shows them on the location's day (one query to see which patients
were already recorded, one insert when someone new appears), so a patient checked in after
the page was opened is still accounted for (45 CFR 164.312(b)).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from infusionist.accounts.access import (
    organization_of,
    record_list_view,
    require_capability,
    user_of,
)
from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Location, Organization
from infusionist.infusions.board import Board, board_rows, day_bounds
from infusionist.infusions.selectors import chart_settings_for

#: How often the board asks for fresh rows (seconds).
POLL_EVERY_S = 15
BOARD = AuditEvent.ObjectType.CHAIR_BOARD


def _locations(organization: Organization) -> list[Location]:
    return list(Location.objects.filter(organization=organization).order_by("-is_primary", "name"))


def _location(organization: Organization, location_id: int) -> Location:
    location = Location.objects.filter(organization=organization, pk=location_id).first()
    if location is None:
        raise Http404("No such location in this clinic.")
    return location


def _chart_url(visit_id: int, patient_id: int) -> str:
    """Return the visit's chart page, or the patient's record while the chart has no page."""
    try:
        return reverse("infusions:visit", args=[visit_id])
    except NoReverseMatch:
        return reverse("record:patient", args=[patient_id])


def _board(request: HttpRequest, location: Location) -> Board:
    user = user_of(request)
    board = board_rows(
        location=location,
        now=timezone.now(),
        chart_settings=chart_settings_for(organization=organization_of(request)),
    )
    # Patient names open the chart for the roles that may read it; others see the name only.
    links = can(user, "chart.view")
    for visit in board.visits:
        visit.board_url = _chart_url(visit.pk, visit.patient_id) if links else ""  # type: ignore[attr-defined]
    return board


def _context(board: Board, locations: list[Location] | None = None) -> dict[str, object]:
    return {
        "board": board,
        "location": board.location,
        "locations": locations or [],
        "poll_every_s": POLL_EVERY_S,
        "rows_url": reverse("infusions:board_rows", args=[board.location.pk]),
    }


def _audit_page(request: HttpRequest, board: Board) -> None:
    record_list_view(
        request,
        {BOARD: [v.patient for v in board.visits]},
        detail={"location": board.location.pk},
    )


def _audit_newly_shown(request: HttpRequest, board: Board) -> None:
    """Record the patients this user's board shows for the first time on the location's day."""
    shown = {v.patient_id: v.patient for v in board.visits}
    if not shown:
        return
    user: User = user_of(request)
    start, _end = day_bounds(location=board.location, now=board.now)
    recorded = set(
        AuditEvent.objects.filter(
            actor=user,
            object_type=BOARD,
            occurred_at__gte=start.astimezone(dt.UTC),
            patient_id__in=list(shown),
        ).values_list("patient_id", flat=True)
    )
    new = [patient for pk, patient in shown.items() if pk not in recorded]
    if new:
        record_list_view(
            request, {BOARD: new}, detail={"location": board.location.pk, "poll": True}
        )


@require_capability("chart.board")
def board(request: HttpRequest) -> HttpResponse:
    """Show the board of the clinic's only location, or the list of locations to pick from."""
    locations = _locations(organization_of(request))
    if len(locations) == 1:
        shown = _board(request, locations[0])
        _audit_page(request, shown)
        return render(request, "infusions/board.html", _context(shown, locations))
    return render(request, "infusions/board_pick.html", {"locations": locations})


@require_capability("chart.board")
def board_location(request: HttpRequest, location_id: int) -> HttpResponse:
    """Show one location's chair board; every patient shown is recorded as viewed."""
    organization = organization_of(request)
    location = _location(organization, location_id)
    shown = _board(request, location)
    _audit_page(request, shown)
    return render(request, "infusions/board.html", _context(shown, _locations(organization)))


@require_capability("chart.board")
def board_location_rows(request: HttpRequest, location_id: int) -> HttpResponse:
    """Return the board's rows alone (the part the page refreshes every 15 seconds).

    Records only the patients this user's board had not shown yet today (module docstring).
    """
    location = _location(organization_of(request), location_id)
    shown = _board(request, location)
    _audit_newly_shown(request, shown)
    response = render(request, "infusions/_board_rows.html", _context(shown))
    response["Cache-Control"] = "no-store"
    return response
