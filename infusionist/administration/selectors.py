"""Reads for clinic administration: the audit report's rows in words a clinic admin reads.

An audit event stores a fixed ``action`` (view, create, update...) and a ``detail`` whose
shape each service chose. The report shows what happened in plain words: a signature is
"Signed" even when it was stored as an update (``detail["status"] == "signed"`` or a
``signed_by``), a rejected proposal "Rejected", a wrong signing password "Signing refused";
a change of settings lists each field by its label with the old and the new value
(``detail["before"]`` and ``detail["after"]``). A change of patient demographics stores the
names of the fields only (the values are patient data), and the report says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.contact import PhoneNumberField, phone_display
from infusionist.intake.audit_words import section_changes as intake_section_changes
from infusionist.intake.audit_words import section_title as intake_section_title

#: Where the field names of an event's detail come from, by object type.
OBJECT_MODELS = {
    AuditEvent.ObjectType.LOCATION: "clinics.Location",
    AuditEvent.ObjectType.LOCATION_STAFFING: "clinics.LocationStaffing",
    AuditEvent.ObjectType.CLOSURE: "clinics.Closure",
    AuditEvent.ObjectType.ROOM: "clinics.Room",
    AuditEvent.ObjectType.CHAIR: "clinics.Chair",
    AuditEvent.ObjectType.PATIENT: "patients.Patient",
    AuditEvent.ObjectType.USER: "accounts.User",
    AuditEvent.ObjectType.PROTOCOL: "treatment.Protocol",
    AuditEvent.ObjectType.DOSING_SETTINGS: "treatment.DosingSettings",
    AuditEvent.ObjectType.MEASUREMENT_SETTINGS: "measurements.MeasurementSettings",
    AuditEvent.ObjectType.MEASUREMENT_PROFILE: "measurements.MeasurementProfile",
    AuditEvent.ObjectType.CONSULTATION: "consultations.Consultation",
    AuditEvent.ObjectType.CONSENT_DOCUMENT: "consent.ConsentDocumentVersion",
    AuditEvent.ObjectType.CONSENT_SIGNATURE: "consent.ConsentSignature",
    AuditEvent.ObjectType.ELIGIBILITY_DECISION: "consultations.EligibilityDecision",
    AuditEvent.ObjectType.QUESTIONNAIRE_RESPONSE: "measurements.QuestionnaireResponse",
    AuditEvent.ObjectType.SCHEDULING_SETTINGS: "scheduling.SchedulingSettings",
    AuditEvent.ObjectType.APPOINTMENT_TYPE: "scheduling.AppointmentType",
    AuditEvent.ObjectType.STAFF_SHIFT: "scheduling.StaffShift",
    AuditEvent.ObjectType.STAFF_TIME_OFF: "scheduling.StaffTimeOff",
}
#: What a stored ``detail["status"]`` means, said as what happened.
STATUS_LABELS = {
    "signed": "Signed",
    "approved": "Signed",
    "rejected": "Rejected",
    "pending": "Proposed",
    "acknowledged": "Acknowledged",
    "closed": "Closed",
    "cancelled": "Cancelled",
}
DETAIL_NOTES = {
    "reason": "Reason",
    "not_duplicate_reason": "Why not a duplicate",
    "note": "Note",
    "override": "Override",
    "weight_confirmed": "Weight findings confirmed",
}
#: Stored codes (dosing and frequency findings, roles) in the words the screens use.
CODE_WORDS = {
    "too_many_sessions_in_7_days": "Too many sessions in 7 days",
    "course_longer_than_limit": "Course longer than the limit",
    "interval_below_minimum": "Sessions closer together than the minimum interval",
    **{str(role.value): str(role.label) for role in Role},
}
#: Detail keys whose values are codes (said with CODE_WORDS).
CODE_KEYS = {"findings", "role", "weight_confirmed", "codes"}
EMPTY = "—"
#: The sections of the staff Today page a list-view event names, by the object type the page
#: recorded each patient row under (infusionist/today/views.py).
TODAY_SECTIONS: dict[str, str] = {
    AuditEvent.ObjectType.SAFETY_ALERT: "Safety alerts",
    AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT: "Overdue questionnaires",
    AuditEvent.ObjectType.PATIENT: "Patients you opened recently",
    AuditEvent.ObjectType.ELIGIBILITY_REVIEW: "Eligibility reviews waiting for a decision",
    AuditEvent.ObjectType.ELIGIBILITY_DECISION: "Approvals to review again",
    AuditEvent.ObjectType.APPOINTMENT: "Today's appointments",
}


@dataclass(frozen=True)
class AuditChange:
    """One field of a change: its label and its old and new values, as shown."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    """An audit event with what happened in words, its changes and notes."""

    event: AuditEvent
    what: str
    changes: list[AuditChange] = field(default_factory=list)
    fields_only: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    record: str = ""


def audit_action_label(event: AuditEvent) -> str:
    """Return what happened: "Signed", "Rejected", "Signing refused", else the action's label."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    status = detail.get("status")
    if event.outcome == AuditEvent.Outcome.DENIED and detail.get("reason") == "password":
        return "Signing refused (wrong password)"
    if event.action in (AuditEvent.Action.UPDATE, AuditEvent.Action.CREATE):
        if detail.get("signed_by") or detail.get("clinical_fields"):
            return "Signed"
        if isinstance(status, str) and status in STATUS_LABELS:
            return STATUS_LABELS[status]
    return str(event.get_action_display())


def _model_for(object_type: str) -> type[models.Model] | None:
    label = OBJECT_MODELS.get(object_type)  # type: ignore[call-overload]
    if not label:
        return None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _model_field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def field_label(name: str, model_field: models.Field[Any, Any] | None = None) -> str:
    """Return a field's label: its verbose name, else its name in words ("address line 1")."""
    if model_field is not None and model_field.verbose_name != name.replace("_", " "):
        text = str(model_field.verbose_name)
    else:
        words = name.replace("_", " ")
        for unit, said in (
            (" mg per kg", " (mg/kg)"),
            (" ml per h", " (mL/h)"),
            (" mg", " (mg)"),
            (" kg", " (kg)"),
            (" min", " (minutes)"),
            (" h", " (hours)"),
            (" pct", " (%)"),
            (" days", " (days)"),
        ):
            if words.endswith(unit):
                words = words[: -len(unit)] + said
                break
        text = words.replace("line1", "line 1").replace("line2", "line 2")
    return text[:1].upper() + text[1:]


def code_words(code: str) -> str:
    """Return a stored code in words: "too_many_sessions_in_7_days" -> "Too many sessions in 7
    days", "nurse" -> "Nurse"; an unknown code has its underscores read as spaces."""
    if code in CODE_WORDS:
        return CODE_WORDS[code]
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def value_text(
    value: Any,
    model_field: models.Field[Any, Any] | None = None,
    *,
    name: str = "",
    user_names: Mapping[str, str] | None = None,
) -> str:
    """Return a stored audit value as shown: choices by label, yes/no, numbers national,
    dates and times in the clinic's format ("Dec 3, 2026, 2:00 PM"), and a staff account
    (a foreign key to a user, such as a consultation's physician) by name from
    ``user_names`` (id -> name; "account #4" when the page's lookup did not find it).

    ``name`` is the detail key the value was stored under: codes (findings, roles) read as
    words, and a mapping's keys as labels ("Findings: …; Reason: …").
    """
    if value is None or value == "":
        return EMPTY
    if isinstance(model_field, models.ForeignKey) and model_field.related_model is User:
        return (user_names or {}).get(str(value)) or f"account #{value}"
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return clinic_moment(moment)
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return date_format(day, "M j, Y")
    if name in CODE_KEYS and not (model_field is not None and model_field.choices):
        if isinstance(value, list):
            return ", ".join(code_words(str(v)) for v in value) or EMPTY
        if isinstance(value, str):
            return code_words(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model_field is not None and model_field.choices and not isinstance(value, list | dict):
        labels = {str(k): str(v) for k, v in model_field.flatchoices}
        return labels.get(str(value), str(value))
    if isinstance(model_field, PhoneNumberField):
        return phone_display(str(value))
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return (
            "; ".join(
                f"{field_label(str(k))}: {value_text(v, name=str(k))}" for k, v in value.items()
            )
            or EMPTY
        )
    return str(value)


def audit_changes(
    event: AuditEvent, user_names: Mapping[str, str] | None = None
) -> list[AuditChange]:
    """Return each changed field of an event with its old and new values, in stored order;
    ``user_names`` (id -> name) names the staff accounts a value points to.

    An intake section's save stores the section's whole answers (``detail["section"]``,
    ``["old"]``, ``["new"]``); its changed fields are read by ``intake.audit_words``.
    """
    detail = event.detail if isinstance(event.detail, dict) else {}
    if event.object_type == AuditEvent.ObjectType.INTAKE_PACKET and "new" in detail:
        return [
            AuditChange(label=label, before=before, after=after)
            for label, before, after in intake_section_changes(
                str(detail.get("section")), detail.get("old"), detail.get("new")
            )
        ]
    before, after = detail.get("before"), detail.get("after")
    if not isinstance(before, Mapping) and not isinstance(after, Mapping):
        return []
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    names = list(detail.get("fields") or []) or list(dict.fromkeys([*before, *after]))
    model = _model_for(event.object_type)
    changes = []
    for name in names:
        if not isinstance(name, str):
            continue
        model_field = _model_field(model, name)
        changes.append(
            AuditChange(
                label=field_label(name, model_field),
                before=value_text(before.get(name), model_field, name=name, user_names=user_names),
                after=value_text(after.get(name), model_field, name=name, user_names=user_names),
            )
        )
    return changes


def audit_row(
    event: AuditEvent,
    user_names: Mapping[str, str] | None = None,
    record_names: Mapping[tuple[str, str], str] | None = None,
) -> AuditRow:
    """Return the event as the report shows it (no queries); ``user_names`` and
    ``record_names`` as for :func:`audit_record_label`."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    changes = audit_changes(event, user_names)
    fields_only: list[str] = []
    if not changes and isinstance(detail.get("fields"), list):
        model = _model_for(event.object_type)
        fields_only = [
            field_label(name, _model_field(model, name))
            for name in detail["fields"]
            if isinstance(name, str)
        ]
    notes = [
        (label, value_text(detail[key], name=key))
        for key, label in DETAIL_NOTES.items()
        if detail.get(key) and not (key == "reason" and detail[key] == "password")
    ]
    if event.object_type == AuditEvent.ObjectType.INTAKE_PACKET:
        notes = _intake_notes(detail) + notes
    return AuditRow(
        event=event,
        what=audit_action_label(event),
        changes=changes,
        fields_only=fields_only,
        notes=notes,
        record=audit_record_label(event, user_names, record_names),
    )


def _intake_notes(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return an intake event's section, who wrote it and the step, in words."""
    notes = []
    if detail.get("section"):
        notes.append(("Section", intake_section_title(detail["section"])))
    if detail.get("step") in ("submit", "resubmit"):
        notes.append(("Step", "Submitted" if detail["step"] == "submit" else "Submitted again"))
    if "on_behalf" in detail:
        notes.append(
            ("Written by", "Staff, on the patient's behalf" if detail["on_behalf"] else "Patient")
        )
    if detail.get("after_submission"):
        notes.append(("After submission", "Yes"))
    return notes


def audit_record_label(
    event: AuditEvent,
    user_names: Mapping[str, str] | None = None,
    record_names: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """Return the record an event names, as people recognise it: a patient by MRN (as every
    screen shows them), a staff account by name when ``user_names`` (id -> name) has it, a
    consent document, signature, eligibility decision, consultation or questionnaire response
    by the words ``record_names`` ((object type, id) -> words, from :func:`record_names_for`)
    has for it ("Consent document version: Ketamine treatment, version 2"), a page by its
    address ("Page /measurements/alerts/"), else the record's kind with its number
    ("Location #2"). Uses the event's selected patient; no queries."""
    kind = str(event.get_object_type_display())
    detail = event.detail if isinstance(event.detail, dict) else {}
    if (
        event.action == AuditEvent.Action.VIEW
        and not event.object_id
        and detail.get("page") == "today"
        and event.object_type in TODAY_SECTIONS
    ):
        # A list view: the patient was shown as a row of a section of the Today page.
        return f"Listed on Today: {TODAY_SECTIONS[event.object_type]}"
    if record_names and event.object_id:
        words = record_names.get((str(event.object_type), str(event.object_id)))
        if words:
            return f"{kind}: {words}"
    patient = event.patient if event.patient_id else None
    if event.object_type == AuditEvent.ObjectType.PATIENT and patient is not None:
        return f"{kind} {patient.mrn}"
    if event.object_type == AuditEvent.ObjectType.USER and user_names:
        name = user_names.get(str(event.object_id))
        if name:
            return f"{kind}: {name}"
    if event.object_type == AuditEvent.ObjectType.PAGE and event.object_id:
        return f"{kind} {_page_address(str(event.object_id))}"
    return f"{kind} #{event.object_id}" if event.object_id else kind


def _page_address(url_name: str) -> str:
    """Return the address of a page recorded by its URL name ("measurements:alerts" ->
    "/measurements/alerts/"); the name itself when it takes arguments or no longer exists."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return url_name


def _user_ids_in_changes(event: AuditEvent) -> set[int]:
    """Return the staff account ids an event's old and new values point to (a consultation's
    physician, a record's ``updated_by``): values of foreign keys to a user."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    model = _model_for(event.object_type)
    if model is None:
        return set()
    ids: set[int] = set()
    for side in ("before", "after"):
        values = detail.get(side)
        if not isinstance(values, Mapping):
            continue
        for name, value in values.items():
            model_field = _model_field(model, str(name))
            if (
                isinstance(model_field, models.ForeignKey)
                and model_field.related_model is User
                and str(value).isdigit()
            ):
                ids.add(int(value))
    return ids


def _record_ids(events: list[AuditEvent], object_type: str) -> set[int]:
    return {
        int(e.object_id)
        for e in events
        if e.object_type == object_type and str(e.object_id).isdigit()
    }


def record_names_for(events: Iterable[AuditEvent]) -> dict[tuple[str, str], str]:
    """Return (object type, id) -> words for the consent documents, consent signatures,
    eligibility decisions, consultations and questionnaire responses the events name.

    One query per kind of record the events name (none for a kind they do not name; at most
    five), whatever the number of events. Words: "Ketamine treatment, version 2";
    "Ketamine treatment, version 2, signed Nov 30, 2026"; "version 1, patient WIC000007";
    "Dec 3, 2026, 2:00 PM, patient WIC000007"; "PHQ-9, started Nov 30, 2026, 9:15 AM".
    Records of another clinic are not read (the events' organizations bound every query).
    """
    events = list(events)
    organizations = {e.organization_id for e in events}
    found: dict[tuple[str, str], str] = {}
    T = AuditEvent.ObjectType

    ids = _record_ids(events, T.CONSENT_DOCUMENT)
    if ids:
        for version in (
            apps.get_model("consent", "ConsentDocumentVersion")
            .objects.filter(pk__in=ids, organization_id__in=organizations)
            .only("pk", "kind", "number")
        ):
            found[(T.CONSENT_DOCUMENT, str(version.pk))] = (
                f"{version.get_kind_display()}, version {version.number}"
            )
    ids = _record_ids(events, T.CONSENT_SIGNATURE)
    if ids:
        for signature in (
            apps.get_model("consent", "ConsentSignature")
            .objects.filter(pk__in=ids, organization_id__in=organizations)
            .select_related("document_version")
            .only("pk", "kind", "signed_at", "document_version__number")
        ):
            found[(T.CONSENT_SIGNATURE, str(signature.pk))] = (
                f"{signature.get_kind_display()}, version {signature.document_version.number}, "
                f"signed {date_format(timezone.localtime(signature.signed_at), 'M j, Y')}"
            )
    ids = _record_ids(events, T.ELIGIBILITY_DECISION)
    if ids:
        for decision in (
            apps.get_model("consultations", "EligibilityDecision")
            .objects.filter(pk__in=ids, organization_id__in=organizations)
            .select_related("patient")
            .only("pk", "version", "patient__mrn")
        ):
            found[(T.ELIGIBILITY_DECISION, str(decision.pk))] = (
                f"version {decision.version}, patient {decision.patient.mrn}"
            )
    ids = _record_ids(events, T.CONSULTATION)
    if ids:
        for consultation in (
            apps.get_model("consultations", "Consultation")
            .objects.filter(pk__in=ids, organization_id__in=organizations)
            .select_related("patient")
            .only("pk", "scheduled_at", "patient__mrn")
        ):
            found[(T.CONSULTATION, str(consultation.pk))] = (
                f"{clinic_moment(consultation.scheduled_at)}, patient {consultation.patient.mrn}"
            )
    ids = _record_ids(events, T.QUESTIONNAIRE_RESPONSE)
    if ids:
        for response in (
            apps.get_model("measurements", "QuestionnaireResponse")
            .objects.filter(pk__in=ids, organization_id__in=organizations)
            .only("pk", "instrument_code", "started_at")
        ):
            try:
                name = response.instrument_name
            except (KeyError, LookupError, ValueError):
                name = response.instrument_code
            found[(T.QUESTIONNAIRE_RESPONSE, str(response.pk))] = (
                f"{name}, started {clinic_moment(response.started_at)}"
            )
    return found


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Return the events as the report shows them, in a fixed number of queries whatever the
    number of events: the staff accounts named in them (as the record or as an old or new
    value, such as a consultation's physician) in one query, none when the page names no
    account; and one query per kind of record :func:`record_names_for` names."""
    events = list(events)
    ids = _record_ids(events, AuditEvent.ObjectType.USER)
    for event in events:
        ids |= _user_ids_in_changes(event)
    names: dict[str, str] = {}
    if ids:
        organizations = {e.organization_id for e in events}
        names = {
            str(user.pk): user.display_name
            for user in User.objects.filter(pk__in=ids, organization_id__in=organizations).only(
                "pk", "full_name", "email", "credentials"
            )
        }
    records = record_names_for(events)
    return [audit_row(event, names, records) for event in events]


def clinic_moment(moment: dt.datetime) -> str:
    """Return a time in the clinic's format and time zone: "Dec 3, 2026, 2:00 PM"."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{date_format(local, 'M j, Y')}, {date_format(local, 'g:i A')}"


def audit_when(moment: dt.datetime) -> str:
    """Return an event's time in the clinic's format and time zone: "Nov 30, 2026, 2:05:09 PM"."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'M j, Y')}, {date_format(local, 'g:i:s A')}"


def audit_csv_changes(row: AuditRow) -> tuple[str, str, str]:
    """Return the fields, old values and new values of a row as three CSV cells."""
    if row.changes:
        return (
            "; ".join(c.label for c in row.changes),
            json.dumps({c.label: c.before for c in row.changes}, ensure_ascii=False),
            json.dumps({c.label: c.after for c in row.changes}, ensure_ascii=False),
        )
    return ("; ".join(row.fields_only), "", "")
