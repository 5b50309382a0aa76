"""The printable session summary: one visit's whole chart on a clean page (A4 or Letter).

Patient and date, the order carried out, the pre-infusion gate's answer (each condition with
its basis and any physician's override), the administration record, vital signs with their
source and the alerts with their responses, ratings, side effects, as-needed medications,
the discharge criteria, and the signed note with its signer, co-signer, addenda and the
SHA-256 of the signed content (checked again here). Clinical staff (``chart.view``) only;
each opening is audited as a view of the visit.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from infusionist.accounts.access import record_view, require_capability, user_of
from infusionist.audit.models import AuditEvent
from infusionist.infusions import gate as gates
from infusionist.infusions.models import (
    GateOverride,
    NoteAddendum,
    NoteCosignature,
    SignedNote,
    Visit,
    VitalAlert,
)
from infusionist.infusions.selectors import visit_get_for_user, visit_zone
from infusionist.integrity import canonical_sha256


def _gate_rows(visit: Visit) -> tuple[list[dict[str, Any]], bool]:
    """Return the gate's conditions (as stored when the dose started, else as they stand now)
    with any physician's override, and whether they are the stored answer."""
    overrides: dict[str, GateOverride] = {}
    for override in GateOverride.objects.filter(visit=visit).select_related("by"):
        overrides[override.code] = override  # the latest override of each condition holds
    stored = bool(visit.gate_snapshot)
    if stored:
        checks = list(visit.gate_snapshot)
    elif visit.phase in gates.GATE_PHASES:
        checks = gates.visit_gate(visit=visit).as_json()
    else:
        checks = []
    rows = [
        {**check, "override": overrides.get(check["code"]) if check.get("overridden") else None}
        for check in checks
    ]
    return rows, stored


def _alert_rows(visit: Visit) -> list[dict[str, Any]]:
    labels = dict(VitalAlert.Response.choices)
    return [
        {"alert": alert, "responses": [str(labels.get(r, r)) for r in alert.responses or []]}
        for alert in VitalAlert.objects.filter(visit=visit).select_related("responded_by")
    ]


def _note(visit: Visit) -> dict[str, Any] | None:
    note = SignedNote.objects.filter(visit=visit).select_related("signed_by").first()
    if note is None:
        return None
    return {
        "note": note,
        "verified": canonical_sha256(note.content) == note.content_sha256,
        "cosignature": NoteCosignature.objects.filter(note=note)
        .select_related("signed_by")
        .first(),
        "addenda": list(NoteAddendum.objects.filter(note=note).select_related("signed_by")),
    }


@require_capability("chart.view")
def visit_summary(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Show the printable summary of one session."""
    visit = visit_get_for_user(user=user_of(request), visit_id=visit_id)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.VISIT,
        object_id=visit.pk,
        patient=visit.patient,
        detail={"page": "session_summary"},
    )
    gate_rows, gate_stored = _gate_rows(visit)
    discharge = visit.discharge_snapshot or {}
    return render(
        request,
        "infusions/visit_summary.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "zone": visit_zone(visit),
            "printed_at": timezone.now(),
            "gate_rows": gate_rows,
            "gate_stored": gate_stored,
            "administration": list(visit.administration.select_related("witness", "recorded_by")),
            "vitals": list(visit.vitals.select_related("recorded_by")),
            "alerts": _alert_rows(visit),
            "ratings": list(visit.ratings.select_related("by")),
            "side_effects": list(visit.side_effects.select_related("by")),
            "prn": list(visit.prn_medications.select_related("by")),
            "discharge_criteria": discharge.get("criteria", []),
            "discharge_override_reason": discharge.get("override_reason", ""),
            "discharge_overridden": discharge.get("overridden", []),
            "signed": _note(visit),
        },
    )
