"""The staff Today page, composed from the sections each domain's selectors provide."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from infusionist.accounts.access import (
    organization_of,
    record_list_view,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import Role, can
from infusionist.accounts.selectors import (
    credential_flags_for_organization,
    credential_flags_for_user,
)
from infusionist.audit.models import AuditEvent
from infusionist.clinics import selectors as clinic_selectors
from infusionist.consultations.selectors import today_section as review_today_section
from infusionist.infusions.selectors import notes_awaiting_cosign
from infusionist.infusions.selectors_rems import REMS_DUE_SOON_DAYS, rems_forms_due_soon_count
from infusionist.measurements.selectors import today_section
from infusionist.patients.models import Patient
from infusionist.scheduling.closed_loop import closed_loop_today_section
from infusionist.scheduling.today import today_section as schedule_today_section
from infusionist.today.selectors import recent_patients_for_user
from infusionist.treatment.selectors import pending_change_proposals

#: Roles whose Today lists the patients due for booking (the ones who book).
BOOKS_FROM_TODAY = frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN})


@require_capability("today.view")
def today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = user_of(request)
    locations = [
        {
            "location": loc,
            "hours_today": clinic_selectors.hours_today(location=loc, now=now),
            "open_now": clinic_selectors.is_open(location=loc, now=now),
            "closure": clinic_selectors.closure_on(
                location=loc, day=now.astimezone(loc.tzinfo).date()
            ),
        }
        for loc in clinic_selectors.locations_for_organization(
            organization=organization_of(request)
        )
    ]
    # Licences and DEA registrations expired or near expiry: a clinic admin sees everyone's
    # (one query), everyone else their own (already loaded with the user).
    if can(user, "staff.manage"):
        credential_flags = credential_flags_for_organization(
            organization=organization_of(request), today=timezone.localdate()
        )
    else:
        credential_flags = credential_flags_for_user(user=user, today=timezone.localdate())
    measurement_today = today_section(user=user, now=now)
    # Clinical limits a clinic admin proposed wait for a physician's signature (docs/decisions/
    # 0007): whoever may sign sees them here, oldest first (one query).
    proposals_to_sign = (
        pending_change_proposals(organization=organization_of(request))
        if can(user, "protocols.sign")
        else []
    )
    recent_patients = recent_patients_for_user(user=user)
    # REMS forms overdue or due within 2 days: a count for clinical staff (one query), linking
    # to the list; no patient is named here.
    rems_due = (
        rems_forms_due_soon_count(
            organization=organization_of(request),
            today=clinic_selectors.clinic_today(organization_id=user.organization_id),
        )
        if can(user, "chart.view")
        else 0
    )
    # Session notes a nurse signed that wait for a provider's co-signature (one query, for
    # prescribers only), each linking to its chart.
    to_cosign = (
        notes_awaiting_cosign(organization=organization_of(request))
        if can(user, "chart.cosign")
        else []
    )
    # The clinic's day (scheduling): chairs, arrivals, late patients, the next free chair.
    schedule_today = schedule_today_section(user=user, now=now)
    # Patients due for booking (lost response, or maintenance sessions not yet booked) with
    # the next free chair times: what the front desk and the clinic admin act on.
    due_for_booking = (
        closed_loop_today_section(user=user, now=now)
        if getattr(user, "role", None) in BOOKS_FROM_TODAY
        else {"visible": False, "patients": []}
    )
    # A physician's eligibility reviews: waiting for a decision, and approvals to review again.
    review_today = review_today_section(user=user)
    review_shown: dict[str, list[Patient]] = (
        {
            AuditEvent.ObjectType.ELIGIBILITY_REVIEW: [p.patient for p in review_today.waiting],
            AuditEvent.ObjectType.ELIGIBILITY_DECISION: [d.patient for d in review_today.rereview],
        }
        if review_today
        else {}
    )
    # Exactly the patient rows the page shows this user, section by section (the sections a
    # role may not see are empty and record nothing). A clinic admin holds
    # "measurements.overdue", so their Today lists overdue questionnaires (who, never answers)
    # and each patient listed there is a disclosure recorded under MEASUREMENT_ASSIGNMENT
    # (the audit report reads it "Listed on Today: Overdue questionnaires").
    record_list_view(
        request,
        {
            **review_shown,
            AuditEvent.ObjectType.APPOINTMENT: [
                *schedule_today.patients(),
                *due_for_booking["patients"],
            ],
            AuditEvent.ObjectType.SAFETY_ALERT: (
                [a.patient for a in measurement_today.alerts]
                if measurement_today.show_alerts
                else []
            ),
            AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT: (
                [row.patient for row in measurement_today.overdue]
                if measurement_today.show_overdue
                else []
            ),
            AuditEvent.ObjectType.PATIENT: recent_patients,
            AuditEvent.ObjectType.VISIT_NOTE: [note.visit.patient for note in to_cosign],
        },
        detail={"page": "today"},
    )
    return render(
        request,
        "today/today.html",
        {
            "now": now,
            "to_cosign": to_cosign,
            "locations": locations,
            "recent_patients": recent_patients,
            "can_create_patient": can(user, "patients.create"),
            # The chair board (infusions) is a page of its own; Today links to it.
            "can_see_board": can(user, "chart.board"),
            "measurement_today": measurement_today,
            "schedule_today": schedule_today,
            "due_for_booking": due_for_booking,
            "review_today": review_today,
            "credential_flags": credential_flags,
            "credential_flags_for_staff": can(user, "staff.manage"),
            "credential_flag_kinds": {flag.kind for flag in credential_flags},
            "proposals_to_sign": proposals_to_sign,
            "rems_due": rems_due,
            "rems_due_soon_days": REMS_DUE_SOON_DAYS,
        },
    )
