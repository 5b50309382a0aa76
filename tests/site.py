"""The whole site as the cross-cutting tests see it: every URL, who may use it, its ids.

Each URL pattern of the project has a rule (who may use it, and with which method) or an
exemption with its reason; a new page without one fails `test_every_url_pattern_has_a_rule`.
Every id in a URL is filled from records made for the test cast's two organizations, so a
new page with an id is opened, refused and probed with another clinic's id by construction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from infusionist.accounts.models import ApiToken, Invitation, User
from infusionist.accounts.roles import CLINICAL_ROLES, PRESCRIBER_ROLES, STAFF_ROLES, Role
from infusionist.accounts.services import api_token_create
from infusionist.clinics.models import Chair, Closure, Location, Room
from infusionist.consent import services as consent_services
from infusionist.consent.models import ConsentDocumentVersion, ConsentKind, ConsentSignature
from infusionist.consultations.models import Consultation
from infusionist.consultations.services import consultation_schedule
from infusionist.infusions.models import RemsForm, RemsFormRule, Visit
from infusionist.infusions.services import visit_for_appointment
from infusionist.infusions.services_settings import rems_rules_ensure
from infusionist.measurements.models import Assignment, QuestionnaireResponse, SafetyAlert
from infusionist.measurements.services import (
    assignment_create_manual,
    questionnaire_response_submit,
)
from infusionist.patients.models import Patient
from infusionist.scheduling.models import (
    Appointment,
    AppointmentType,
    StaffShift,
    StaffTimeOff,
    WaitlistEntry,
)
from infusionist.test import PASSWORD, Cast, signer_details
from infusionist.treatment import selectors as treatment_selectors
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import ClinicalChangeProposal, Protocol, TreatmentPlanVersion

ALL_STAFF = frozenset(STAFF_ROLES)
CLINICAL = frozenset(CLINICAL_ROLES)
PRESCRIBERS = frozenset(PRESCRIBER_ROLES)
ADMIN_ONLY = frozenset({Role.CLINIC_ADMIN})
PROTOCOL_EDITORS = frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN})
SETTINGS_EDITORS = frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN})
PHYSICIANS = frozenset({Role.PHYSICIAN})
PATIENT_ONLY = frozenset({Role.PATIENT})


@dataclass(frozen=True)
class Rule:
    """Who may use a URL: these roles get it (everyone else 403, anonymous the login page).

    ``method`` is "GET" for pages and "POST" for actions, which answer GET (a reloaded or
    restored tab) with 303 to the page that holds the form (infusionist/postonly.py).
    """

    roles: frozenset[str]
    method: str = "GET"


RULES: dict[str, Rule] = {
    "today:index": Rule(ALL_STAFF),
    # The chair board (issue 12): every staff role; the rows are the part the page polls.
    "infusions:board": Rule(ALL_STAFF),
    "infusions:board_location": Rule(ALL_STAFF),
    "infusions:board_rows": Rule(ALL_STAFF),
    "patients:list": Rule(ALL_STAFF),
    "patients:create": Rule(ALL_STAFF),
    "patients:edit": Rule(ALL_STAFF),
    "record:patient": Rule(ALL_STAFF),
    # The clinic profile (docs/decisions/0011): the clinic admin only.
    "administration:clinic_profile": Rule(ADMIN_ONLY),
    "administration:clinic_logo_upload": Rule(ADMIN_ONLY, "POST"),
    "administration:clinic_logo_remove": Rule(ADMIN_ONLY, "POST"),
    "administration:locations": Rule(ALL_STAFF),
    "administration:location_detail": Rule(ALL_STAFF),
    "administration:location_create": Rule(ADMIN_ONLY),
    "administration:location_edit": Rule(ADMIN_ONLY),
    "administration:location_hours": Rule(ADMIN_ONLY),
    "administration:location_staffing": Rule(ADMIN_ONLY),
    "administration:closure_add": Rule(ADMIN_ONLY, "POST"),
    "administration:closure_remove": Rule(ADMIN_ONLY, "POST"),
    "administration:room_add": Rule(ADMIN_ONLY, "POST"),
    "administration:room_edit": Rule(ADMIN_ONLY),
    "administration:chair_add": Rule(ADMIN_ONLY, "POST"),
    "administration:chair_edit": Rule(ADMIN_ONLY),
    # Scheduling (docs/decisions/0028): every staff member sees the calendar and books,
    # moves, cancels and marks appointments.
    "scheduling:calendar": Rule(ALL_STAFF),
    "scheduling:appointment": Rule(ALL_STAFF),
    "scheduling:appointment_move": Rule(ALL_STAFF, "POST"),
    "scheduling:appointment_cancel": Rule(ALL_STAFF, "POST"),
    "scheduling:appointment_mark": Rule(ALL_STAFF, "POST"),
    # The chairside chart (docs/decisions/0033): clinical roles open and record in it; every
    # staff member checks a patient in or cancels before the dose; a physician overrides a
    # pre-infusion check; a prescriber co-signs the nurse's note.
    "infusions:visit": Rule(CLINICAL),
    "infusions:visit_checkin": Rule(ALL_STAFF, "POST"),
    "infusions:visit_cancel": Rule(ALL_STAFF, "POST"),
    "infusions:visit_checks": Rule(CLINICAL, "POST"),
    "infusions:visit_vitals": Rule(CLINICAL, "POST"),
    "infusions:visit_alert_respond": Rule(CLINICAL, "POST"),
    "infusions:visit_override": Rule(PHYSICIANS, "POST"),
    "infusions:visit_start": Rule(CLINICAL, "POST"),
    "infusions:visit_pump": Rule(CLINICAL, "POST"),
    "infusions:visit_dose": Rule(CLINICAL, "POST"),
    "infusions:visit_waste": Rule(CLINICAL, "POST"),
    "infusions:visit_rating": Rule(CLINICAL, "POST"),
    "infusions:visit_side_effect": Rule(CLINICAL, "POST"),
    "infusions:visit_prn": Rule(CLINICAL, "POST"),
    "infusions:visit_ready": Rule(CLINICAL, "POST"),
    "infusions:visit_discharge": Rule(CLINICAL, "POST"),
    "infusions:visit_note_sign": Rule(CLINICAL, "POST"),
    "infusions:visit_cosign": Rule(PRESCRIBERS, "POST"),
    "infusions:visit_addendum": Rule(CLINICAL, "POST"),
    "scheduling:book_pick": Rule(ALL_STAFF),
    "scheduling:book": Rule(ALL_STAFF),
    "scheduling:book_save": Rule(ALL_STAFF, "POST"),
    "scheduling:series": Rule(ALL_STAFF),
    "scheduling:series_book": Rule(ALL_STAFF, "POST"),
    # Staff and roles (docs/decisions/0008): the clinic admin manages staff; every staff
    # member manages their own API tokens (a clinic admin everyone's in the clinic).
    "administration:staff": Rule(ADMIN_ONLY),
    "administration:staff_invite": Rule(ADMIN_ONLY),
    "administration:sign_ins": Rule(ADMIN_ONLY),
    "administration:staff_detail": Rule(ADMIN_ONLY),
    "administration:staff_edit": Rule(ADMIN_ONLY),
    "administration:staff_deactivate": Rule(ADMIN_ONLY, "POST"),
    "administration:staff_reactivate": Rule(ADMIN_ONLY, "POST"),
    "administration:authenticator_reset": Rule(ADMIN_ONLY),
    "administration:invitation_resend": Rule(ADMIN_ONLY, "POST"),
    "administration:invitation_revoke": Rule(ADMIN_ONLY, "POST"),
    "administration:api_tokens": Rule(ALL_STAFF),
    "administration:api_token_create": Rule(ALL_STAFF, "POST"),
    "administration:api_token_revoke": Rule(ALL_STAFF, "POST"),
    "administration:audit_report": Rule(ADMIN_ONLY),
    "administration:audit_export": Rule(ADMIN_ONLY),
    "reference:index": Rule(ALL_STAFF),
    # Only when DEMO_MODE is on (404 otherwise); tests/conftest.py turns it on for these tests.
    "demo:outbox": Rule(ALL_STAFF),
    # Treatment (docs/decisions/0002): clinical roles read plans and use the calculator,
    # prescribers draft, physicians sign; physicians and clinic admins edit protocols.
    "treatment:plan_list": Rule(CLINICAL),
    "treatment:plan_detail": Rule(CLINICAL),
    "treatment:plan_version_detail": Rule(CLINICAL),
    "treatment:plan_draft": Rule(PRESCRIBERS),
    "treatment:plan_draft_from_protocol": Rule(PRESCRIBERS),
    "treatment:plan_draft_discard": Rule(PRESCRIBERS, "POST"),
    "treatment:plan_sign": Rule(frozenset({Role.PHYSICIAN})),
    "treatment:calculator": Rule(CLINICAL),
    "treatment:protocol_list": Rule(CLINICAL | {Role.CLINIC_ADMIN}),
    "treatment:protocols_add_defaults": Rule(PROTOCOL_EDITORS, "POST"),
    "treatment:protocol_edit": Rule(PROTOCOL_EDITORS),
    "treatment:dosing_settings_edit": Rule(PROTOCOL_EDITORS),
    # Clinical limits change only with a physician's signature (docs/decisions/0007).
    "treatment:change_proposal": Rule(PROTOCOL_EDITORS),
    "treatment:change_proposal_approve": Rule(PHYSICIANS, "POST"),
    "treatment:change_proposal_reject": Rule(PHYSICIANS, "POST"),
    # Measurement settings (docs/decisions/0010): physicians and clinic admins; the clinical
    # ones change only with a physician's signature, through the change proposals above.
    "administration:measurement_settings": Rule(SETTINGS_EDITORS),
    # Chart settings (issue 12): a physician signs the thresholds, the clinic admin reads
    # them; both keep the REMS form rules.
    "administration:chart_settings": Rule(SETTINGS_EDITORS),
    "administration:rems_rule_create": Rule(PHYSICIANS),
    "administration:rems_rule_edit": Rule(PHYSICIANS),
    "administration:rems_rule_retire": Rule(PHYSICIANS, "POST"),
    "administration:rems_rule_reinstate": Rule(PHYSICIANS, "POST"),
    # Measurement answers and safety alerts: clinical roles; overdue list: all staff.
    "measurements:alerts": Rule(CLINICAL),
    "measurements:overdue": Rule(ALL_STAFF),
    "measurements:patient": Rule(CLINICAL),
    "measurements:profile_update": Rule(CLINICAL, "POST"),
    "measurements:send": Rule(CLINICAL, "POST"),
    "measurements:baseline_choose": Rule(CLINICAL, "POST"),
    "measurements:enter": Rule(CLINICAL),
    "measurements:enter_save": Rule(CLINICAL, "POST"),
    "measurements:safety": Rule(CLINICAL),
    "measurements:alert_acknowledge": Rule(CLINICAL, "POST"),
    "measurements:alert_close": Rule(PRESCRIBERS, "POST"),
    # Consultations and eligibility (docs/decisions/0025): every staff member schedules;
    # a physician records a consultation as held and signs the decision; clinical roles
    # read the checklist and the decisions.
    "consultations:patient": Rule(ALL_STAFF),
    "consultations:schedule": Rule(ALL_STAFF),
    "consultations:record_held": Rule(PHYSICIANS, "POST"),
    "consultations:mark_missed": Rule(ALL_STAFF, "POST"),
    "consultations:cancel": Rule(ALL_STAFF, "POST"),
    "consultations:review": Rule(CLINICAL),
    "consultations:decision_sign": Rule(PHYSICIANS, "POST"),
    "consultations:decisions": Rule(CLINICAL),
    "consultations:limits": Rule(CLINICAL | {Role.CLINIC_ADMIN}),
    # The patient portal: the signed-in patient's own home and questionnaires; staff are
    # refused (a page that links to their own home), another patient's id answers 404.
    "portal:home": Rule(PATIENT_ONLY),
    "portal:answer": Rule(PATIENT_ONLY),
    "portal:answer_send": Rule(PATIENT_ONLY, "POST"),
    "portal:answer_save": Rule(PATIENT_ONLY, "POST"),
    "portal:done": Rule(PATIENT_ONLY),
    # Consent (docs/decisions/0023): staff read documents and patients' consents and record
    # witnessed signatures; the clinic admin manages documents and settings. The patient
    # reads, signs and downloads their own on the portal.
    "consent:documents": Rule(ALL_STAFF),
    "consent:defaults_add": Rule(ADMIN_ONLY, "POST"),
    "consent:settings_edit": Rule(ADMIN_ONLY),
    "consent:document_detail": Rule(ALL_STAFF),
    "consent:draft_create": Rule(ADMIN_ONLY, "POST"),
    "consent:draft_edit": Rule(ADMIN_ONLY),
    "consent:publish": Rule(ADMIN_ONLY, "POST"),
    "consent:patient": Rule(ALL_STAFF),
    "consent:witness": Rule(ALL_STAFF),
    "consent:signature": Rule(ALL_STAFF),
    "consent:signature_pdf": Rule(ALL_STAFF),
    "portal:consent_list": Rule(PATIENT_ONLY),
    "portal:consent_document": Rule(PATIENT_ONLY),
    "portal:consent_sign": Rule(PATIENT_ONLY, "POST"),
    "portal:consent_signature": Rule(PATIENT_ONLY),
    "portal:consent_signature_pdf": Rule(PATIENT_ONLY),
    # The intake packet (docs/decisions/0024): the patient's own sections in the portal;
    # every staff role sees intakes and fills or corrects a section on the patient's behalf.
    "portal:intake": Rule(PATIENT_ONLY),
    "portal:intake_submit": Rule(PATIENT_ONLY, "POST"),
    "portal:intake_baseline_start": Rule(PATIENT_ONLY, "POST"),
    "portal:intake_section": Rule(PATIENT_ONLY),
    "portal:intake_save": Rule(PATIENT_ONLY, "POST"),
    "intake:list": Rule(ALL_STAFF),
    "intake:detail": Rule(ALL_STAFF),
    "intake:section": Rule(ALL_STAFF),
    "intake:section_save": Rule(ALL_STAFF, "POST"),
    "intake:baseline_start": Rule(ALL_STAFF, "POST"),
    "intake:submit": Rule(ALL_STAFF, "POST"),
    # Scheduling reminders (docs/decisions/0031): every staff member makes, replaces and turns
    # off their own calendar feed address.
    "scheduling:feed": Rule(ALL_STAFF),
    "scheduling:feed_rotate": Rule(ALL_STAFF, "POST"),
    "scheduling:feed_remove": Rule(ALL_STAFF, "POST"),
    # The waitlist (scheduling/views_waitlist.py): staff who book.
    "waitlist:entries": Rule(ALL_STAFF),
    "waitlist:entry_add": Rule(ALL_STAFF),
    "waitlist:entry_remove": Rule(ALL_STAFF, "POST"),
    # The patient's appointments in the portal (portal/booking_views.py).
    "portal:appointments": Rule(PATIENT_ONLY),
    "portal:appointment_cancel": Rule(PATIENT_ONLY, "POST"),
    "portal:book": Rule(PATIENT_ONLY),
    "portal:book_save": Rule(PATIENT_ONLY, "POST"),
    # Scheduling set-up (issue 11): the clinic admin sets the booking rules, the appointment
    # types and everyone's shifts and time off; every staff member sees their own.
    "administration:scheduling_settings": Rule(ADMIN_ONLY),
    "administration:appointment_types": Rule(ADMIN_ONLY),
    "administration:appointment_type_create": Rule(ADMIN_ONLY),
    "administration:appointment_type_edit": Rule(ADMIN_ONLY),
    "administration:appointment_type_deactivate": Rule(ADMIN_ONLY, "POST"),
    "administration:appointment_type_reactivate": Rule(ADMIN_ONLY, "POST"),
    "administration:staff_schedules": Rule(ADMIN_ONLY),
    "administration:staff_schedule": Rule(ADMIN_ONLY),
    "administration:shift_add": Rule(ADMIN_ONLY, "POST"),
    "administration:shift_edit": Rule(ADMIN_ONLY),
    "administration:shift_remove": Rule(ADMIN_ONLY, "POST"),
    "administration:time_off_add": Rule(ADMIN_ONLY, "POST"),
    "administration:time_off_remove": Rule(ADMIN_ONLY, "POST"),
    "administration:my_schedule": Rule(ALL_STAFF),
    # REMS forms and the printable session summary (infusions/views_rems.py, views_summary.py).
    "infusions:rems_list": Rule(CLINICAL),
    "infusions:rems_form": Rule(CLINICAL),
    "infusions:rems_form_save": Rule(CLINICAL, "POST"),
    "infusions:rems_form_submit": Rule(CLINICAL, "POST"),
    "infusions:visit_summary": Rule(CLINICAL),
}
# Patterns whose access is decided elsewhere, and why.
EXEMPT_PREFIXES = {
    "account_": "django-allauth's own login, logout, password reset",
    "mfa_": "django-allauth MFA set-up and sign-in steps (login required by allauth)",
    "admin:": "Django admin: is_staff superusers only, enforced by Django",
    "api:": "JSON API: bearer tokens, checked per endpoint (tests/test_api_access.py)",
}
PUBLIC = {
    "root": "redirects to the role's home page (staff: Today; a patient: the portal)",
    "set_language": "the language switch: sets a language cookie, shows no data",
    "health": "load-balancer health check, no data",
    "clinics:logo": "a clinic's logo by the digest of its bytes: shown on patient link pages "
    "without a login, like the sign on the clinic's door",
    "questionnaire:start": "patient link: hashed single-use token, then date of birth check",
    "questionnaire:answer": "patient link: only after the date-of-birth step, from the session",
    "questionnaire:answer_save": "patient link: only after the date-of-birth step",
    "questionnaire:done": "patient link: thank-you page with crisis resources, no data",
    "account_setup:verify_email": "sign-in set-up step: login required, shows only the user's own "
    "email address",
    "account_setup:invitation": "staff invitation link: hashed single-use expiring token",
    "account_setup:invitation_accept": "staff invitation: only after a valid link, from the "
    "session",
    "appointment_link:confirm": "reminder link: a secret derived with the server's key (its "
    "SHA-256 stored); a GET shows the appointment, a POST confirms it",
    "appointment_link:cancel": "reminder link: the same secret; a POST cancels with an optional "
    "reason",
    "calendar_feed:ics": "a staff member's calendar feed: a random secret (its SHA-256 stored), "
    "made and replaced on their feed page",
    "booking:consultation": "the website's free consultation booking: open times only, no "
    "patient data (scheduling/views_public.py)",
    "booking:consultation_book": "the website booking form: honeypot, per-address limit, audited",
    "booking:consultation_booked": "the visitor's own booking, from their session only",
    "waitlist_offer:offer": "waitlist offer link: hashed single-use expiring token",
    "waitlist_offer:offer_accept": "waitlist offer link: hashed single-use expiring token",
    "waitlist_offer:offer_decline": "waitlist offer link: hashed single-use expiring token",
}


def _walk(patterns: list[object], prefix: str = "", params: tuple[str, ...] = ()) -> dict:
    found: dict[str, tuple[str, ...]] = {}
    for p in patterns:
        converters = tuple(getattr(getattr(p, "pattern", None), "converters", {}) or {})
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else prefix
            found.update(_walk(p.url_patterns, ns, params + converters))
        elif isinstance(p, URLPattern):
            name = f"{prefix}{p.name}" if p.name else f"{prefix}<unnamed:{p.pattern}>"
            found[name] = params + converters
    return found


def url_parameters() -> dict[str, tuple[str, ...]]:
    """Return every URL name of the site with the names of its path parameters."""
    return _walk(get_resolver().url_patterns)


def is_exempt(name: str) -> bool:
    if name in PUBLIC:
        return True
    return any(name.startswith(prefix) or f":{prefix}" in name for prefix in EXEMPT_PREFIXES)


@dataclass(frozen=True)
class OrgRecords:
    """One organization's records, one of each kind a URL can name."""

    location: Location
    closure: Closure
    room: Room
    chair: Chair
    patient: Patient
    protocol: Protocol
    version: TreatmentPlanVersion
    alert: SafetyAlert
    response: QuestionnaireResponse
    proposal: ClinicalChangeProposal
    colleague: User
    invitation: Invitation
    #: An API token of each staff role's user, by role (another clinic: its admin's only).
    tokens: dict[str, ApiToken]
    assignment: Assignment
    #: The current ketamine treatment consent, and the patient's signature of the privacy notice.
    consent_version: ConsentDocumentVersion
    consent_signature: ConsentSignature
    #: An open draft of the next version of the financial policy.
    consent_draft: ConsentDocumentVersion
    consultation: Consultation
    #: A portal-bookable follow-up type and a waitlist entry for it.
    appointment_type: AppointmentType
    waitlist_entry: WaitlistEntry
    #: A ketamine infusion booked for tomorrow in Chair 1 (inside the late-cancellation window).
    appointment: Appointment
    #: A weekly shift and a time off of the colleague (scheduling set-up).
    shift: StaffShift
    time_off: StaffTimeOff
    #: The clinic's default REMS form rule (the Spravato Patient Monitoring Form).
    rems_rule: RemsFormRule
    #: The chart's visit of that appointment (still scheduled), and a REMS form owed for it.
    visit: Visit
    rems_form: RemsForm


@dataclass(frozen=True)
class SiteRecords:
    own: OrgRecords
    other: OrgRecords


def _org_records(cast: Cast, *, other: bool) -> OrgRecords:
    org = cast.other_org if other else cast.org
    patient = cast.outsider_patient if other else cast.patient
    if other:
        physician = User.objects.create_user(
            "physician@other.example",
            PASSWORD,
            role=Role.PHYSICIAN,
            organization=org,
            **signer_details(Role.PHYSICIAN),
        )
        admin, prescriber = cast.outsider, physician
    else:
        physician, admin, prescriber = cast.physician, cast.admin, cast.provider
    treatment_services.protocols_create_defaults(organization=org, actor=admin)
    protocol = treatment_selectors.protocol_by_key(organization=org, key="depression-iv-induction")
    assert protocol is not None
    spec = treatment_services.PlanVersionSpec.from_values(
        {
            "protocol": protocol,
            "indication": protocol.indication,
            "phase": "induction",
            "planned_sessions": 6,
            "sessions_per_week": 3,
            "planned_start_date": timezone.localdate(),
            "dose_mg_per_kg": protocol.dose_mg_per_kg,
            "duration_min": 40,
            "weight_kg": 70,
            "weight_basis": "actual",
            "vial_mg_per_ml": 10,
            "bag_volume_ml": 100,
        }
    )
    draft = treatment_services.plan_version_draft_save(patient=patient, actor=prescriber, spec=spec)
    version = treatment_services.plan_version_sign(
        version=draft, signer=physician, password=PASSWORD, attested=True
    )
    proposal = treatment_services.clinical_change_propose(
        organization=org, actor=admin, data={"max_weight_kg": Decimal("200")}, reason="Site."
    )
    assert proposal is not None
    response = questionnaire_response_submit(
        patient=patient,
        instrument_code="phq9",
        answers={f"q{i}": 1 for i in range(1, 10)},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
    )
    location = Location.objects.filter(organization=org, is_primary=True).get()
    room = Room.objects.create(location=location, name="Room A")
    if other:
        colleague, owners = physician, {Role.CLINIC_ADMIN: cast.outsider}
    else:
        colleague = User.objects.create_user(
            "colleague@test.example", PASSWORD, role=Role.NURSE, organization=org
        )
        owners = cast.staff()
    for owner in owners.values():
        api_token_create(user=owner, name="site records")
    tokens = {role: ApiToken.objects.filter(user=owner).get() for role, owner in owners.items()}
    # An open questionnaire, made after the response above so that it stays open.
    assignment = assignment_create_manual(patient=patient, instrument_code="gad7", actor=physician)
    consent_services.consent_documents_create_defaults(organization=org)
    infusion = AppointmentType.objects.create(
        organization=org,
        key="ketamine-infusion",
        kind=AppointmentType.Kind.KETAMINE_INFUSION,
        name="Ketamine infusion",
        protocol=protocol,
        service_min=40,
        chair_capability="iv_infusion",
        staff_exclusive=False,
        needs_physician_available=True,
    )
    consent_versions = {
        v.kind: v for v in ConsentDocumentVersion.objects.filter(organization=org, number=1)
    }
    consent_signature = consent_services.consent_sign(
        patient=patient,
        version=consent_versions[ConsentKind.PRIVACY_NOTICE],
        actor=admin,
        typed_name=patient.legal_name,
        agreed=True,
        language="en",
        method=ConsentSignature.Method.PAPER,
    )
    follow_up = AppointmentType.objects.create(
        organization=org,
        key="follow-up",
        kind=AppointmentType.Kind.FOLLOW_UP,
        name="Follow-up",
        service_min=20,
        staff_role=AppointmentType.StaffRole.PRESCRIBER,
        portal_bookable=True,
    )
    waitlist_entry = WaitlistEntry.objects.create(
        organization=org,
        patient=patient,
        appointment_type=follow_up,
        earliest_on=timezone.localdate(),
        latest_on=timezone.localdate() + dt.timedelta(days=30),
    )
    chair = Chair.objects.create(room=room, name="Chair 1", capabilities=["iv_infusion"])
    appointment_start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    appointment = Appointment.objects.create(
        organization=org,
        location=location,
        appointment_type=infusion,
        patient=patient,
        chair=chair,
        staff=colleague,
        starts_at=appointment_start - dt.timedelta(minutes=15),
        ends_at=appointment_start + dt.timedelta(minutes=115),
        service_starts_at=appointment_start,
        service_ends_at=appointment_start + dt.timedelta(minutes=100),
        created_by=admin,
    )
    visit = visit_for_appointment(appointment=appointment)
    assert visit is not None
    rems_rule = (
        rems_rules_ensure(organization=org)
        or [RemsFormRule.objects.filter(organization=org).first()]
    )[0]
    assert rems_rule is not None
    rems_form = RemsForm.objects.create(
        visit=visit,
        rule=rems_rule,
        name=rems_rule.name,
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )
    return OrgRecords(
        appointment_type=follow_up,
        waitlist_entry=waitlist_entry,
        location=location,
        closure=Closure.objects.create(
            location=location,
            starts_on=dt.date(2030, 12, 25),
            ends_on=dt.date(2030, 12, 25),
            reason="Holiday",
        ),
        room=room,
        chair=chair,
        patient=patient,
        protocol=protocol,
        version=version,
        alert=SafetyAlert.objects.get(response=response),
        response=response,
        proposal=proposal,
        colleague=colleague,
        invitation=Invitation.objects.create(
            organization=org,
            email=f"invited@{org.slug}.example",
            full_name="Ivy Invited",
            role=Role.NURSE,
            token_sha256=Invitation.hash(f"site-records-{org.slug}"),
            invited_by=admin,
            expires_at=timezone.now() + dt.timedelta(days=3650),
        ),
        tokens=tokens,
        assignment=assignment,
        consent_version=consent_versions[ConsentKind.KETAMINE_TREATMENT],
        consent_signature=consent_signature,
        consent_draft=consent_services.consent_document_draft_create(
            source=consent_versions[ConsentKind.FINANCIAL_POLICY], actor=admin
        ),
        consultation=consultation_schedule(
            patient=patient,
            actor=admin,
            physician=physician,
            modality=Consultation.Modality.TELEHEALTH_VIDEO,
            scheduled_at=timezone.now() + dt.timedelta(hours=2),
        ),
        appointment=appointment,
        visit=visit,
        rems_form=rems_form,
        shift=StaffShift.objects.create(
            organization=org,
            staff=colleague,
            location=location,
            weekday=0,
            starts_at=dt.time(9),
            ends_at=dt.time(17),
        ),
        rems_rule=rems_rule,
        time_off=StaffTimeOff.objects.create(
            organization=org,
            staff=colleague,
            starts_at=timezone.now() + dt.timedelta(days=30),
            ends_at=timezone.now() + dt.timedelta(days=31),
            reason="Annual leave",
        ),
    )


def build_site_records(cast: Cast) -> SiteRecords:
    """Give both organizations of the cast a protocol, a signed plan, an open safety alert and
    a proposed change to clinical limits."""
    return SiteRecords(own=_org_records(cast, other=False), other=_org_records(cast, other=True))


def _id_fillers(records: OrgRecords, role: str | None = None) -> dict[str, object]:
    token = records.tokens.get(role or Role.CLINIC_ADMIN) or next(iter(records.tokens.values()))
    return {
        "location_id": records.location.pk,
        "closure_id": records.closure.pk,
        "room_id": records.room.pk,
        "chair_id": records.chair.pk,
        "patient_id": records.patient.pk,
        "protocol_id": records.protocol.pk,
        "alert_id": records.alert.pk,
        "response_id": records.response.pk,
        "proposal_id": records.proposal.pk,
        "assignment_id": records.assignment.pk,
        "consultation_id": records.consultation.pk,
        "number": records.version.number,
        "user_id": records.colleague.pk,
        "invitation_id": records.invitation.pk,
        # A token is its owner's: each role is given its own (a clinic admin may use anyone's).
        "token_id": token.pk,
        "version_id": records.consent_version.pk,
        "signature_id": records.consent_signature.pk,
        "draft_id": records.consent_draft.pk,
        "type_id": records.appointment_type.pk,
        "appointment_id": records.appointment.pk,
        "waitlist_entry_id": records.waitlist_entry.pk,
        "appointment_type_id": records.appointment_type.pk,
        "shift_id": records.shift.pk,
        "time_off_id": records.time_off.pk,
        "rems_rule_id": records.rems_rule.pk,
        "visit_id": records.visit.pk,
        "form_id": records.rems_form.pk,
    }


#: Path parameters that are not record ids (nothing of another clinic to try).
NOT_IDS = {"instrument_code": "phq9", "number": None, "section": "medical"}


def url_for(
    name: str, records: SiteRecords, *, foreign: str | None = None, role: str | None = None
) -> str:
    """Return the URL of ``name`` with every id filled from the cast's own organization.

    With ``foreign``, that one parameter takes the other organization's record instead. With
    ``role``, records that belong to one person (API tokens) are that role's user's own.
    Raises KeyError naming a parameter no filler knows, so a new kind of id needs one here.
    """
    params = url_parameters()[name]
    own, other = _id_fillers(records.own, role), _id_fillers(records.other)
    kwargs: dict[str, object] = {}
    for param in params:
        if param in own:
            kwargs[param] = other[param] if param == foreign else own[param]
        elif NOT_IDS.get(param) is not None:
            kwargs[param] = NOT_IDS[param]
        else:
            raise KeyError(f"Add a filler for the URL parameter {param!r} of {name} (site.py).")
    return reverse(name, kwargs=kwargs) if kwargs else reverse(name)


def foreign_ids(name: str) -> list[str]:
    """Return the parameters of ``name`` that name a record another clinic could own."""
    return [p for p in url_parameters()[name] if p not in NOT_IDS]
