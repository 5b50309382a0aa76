"""Reads of the intake packet: the review's snapshot, progress for the patient's card, the
record page's panel and the staff list. Callers have checked access to the patient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone, translation

from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.clinics.selectors import clinic_today
from infusionist.contact import phone_display
from infusionist.intake.facts import facts_digest, facts_from_answers
from infusionist.intake.models import IntakePacket
from infusionist.intake.sections import BY_CODE, CONTACT_FIELDS, FORM_SECTIONS, pregnancy_applies
from infusionist.intake.sections import missing as section_missing
from infusionist.intake.sections import problems as section_problems
from infusionist.lib import instruments
from infusionist.lib.eligibility import IntakeFacts
from infusionist.measurements.models import Assignment, QuestionnaireResponse
from infusionist.patients.models import Patient


@dataclass(frozen=True)
class IntakeSnapshot:
    """What the physician's review reads: the packet, the facts the rules read and their
    digest (``facts_sha256``); ``submitted`` is whether the patient or staff submitted it."""

    packet: IntakePacket
    facts: IntakeFacts
    facts_sha256: str
    submitted: bool


def intake_snapshot(*, patient: Patient) -> IntakeSnapshot | None:
    """Return the patient's intake as the review reads it, or None when there is no packet.

    The caller has already checked the user may see ``patient``.
    """
    packet = IntakePacket.objects.filter(patient=patient).first()
    if packet is None:
        return None
    facts, digest = patient_facts(patient=patient, answers=packet.answers)
    return IntakeSnapshot(
        packet=packet,
        facts=facts,
        facts_sha256=digest,
        submitted=packet.submitted_at is not None,
    )


def patient_facts(*, patient: Patient, answers: Mapping[str, Any]) -> tuple[IntakeFacts, str]:
    """Return the facts the eligibility rules read from ``answers`` for ``patient`` and their
    digest: the one place both are computed (the packet's stored digest and the review's
    must agree). Reads the patient's age and whether pregnancy was asked of them."""
    age_years = patient_age_years(patient)
    facts = facts_from_answers(
        answers,
        age_years=age_years,
        pregnancy_asked=pregnancy_applies(sex_at_birth=patient.sex_at_birth, age_years=age_years),
    )
    return facts, facts_digest(facts, date_of_birth=patient.date_of_birth)


def patient_age_years(patient: Patient) -> int | None:
    """Return the patient's age in whole years today (clinic date), None without a birth date."""
    born = patient.date_of_birth
    if born is None:
        return None
    today = clinic_today(organization_id=patient.organization_id)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---- the packet's progress: the patient's card, the staff panel and list -----------------

#: A baseline answered up to this many days before the intake began still counts.
BASELINE_WINDOW_DAYS = 30
BASELINE_CORE = ("phq9", "gad7")


def baseline_instruments(answers: Mapping[str, Any]) -> list[str]:
    """Return the baseline questionnaires the intake asks for: PHQ-9 and GAD-7, and PCL-5
    when PTSD is reported in the psychiatric history."""
    conditions = (answers.get("psychiatric") or {}).get("conditions") or []
    return [*BASELINE_CORE, *(["pcl5"] if "ptsd" in conditions else [])]


@dataclass(frozen=True)
class BaselineState:
    """One baseline questionnaire: answered (``done``, with the total), or its open request."""

    code: str
    title: str
    done: bool
    total: int | None = None
    completed_at: dt.datetime | None = None
    open_assignment_id: int | None = None


def baseline_states(
    *, patient: Patient, packet: IntakePacket | None, now: dt.datetime | None = None
) -> list[BaselineState]:
    """Return each baseline questionnaire's state (two queries).

    Done: a sent response of that questionnaire from at most :data:`BASELINE_WINDOW_DAYS`
    before the intake began. Otherwise the newest open request, if any.
    """
    now = now or timezone.now()
    answers = packet.answers if packet is not None else {}
    codes = baseline_instruments(answers)
    since = (packet.created_at if packet is not None else now) - dt.timedelta(
        days=BASELINE_WINDOW_DAYS
    )
    sent: dict[str, QuestionnaireResponse] = {}
    for response in QuestionnaireResponse.objects.filter(
        patient=patient,
        organization_id=patient.organization_id,
        instrument_code__in=codes,
        status=QuestionnaireResponse.Status.COMPLETED,
        completed_at__gte=since,
    ).order_by("completed_at"):
        sent[response.instrument_code] = response
    open_requests = {}
    for assignment in Assignment.objects.filter(
        patient=patient,
        organization_id=patient.organization_id,
        instrument_code__in=codes,
        status=Assignment.Status.PENDING,
        available_at__lte=now,
    ).order_by("available_at", "id"):
        open_requests[assignment.instrument_code] = assignment.pk
    lang = translation.get_language() or "en"
    states = []
    for code in codes:
        found = sent.get(code)
        states.append(
            BaselineState(
                code=code,
                title=instruments.get(code).title_in(lang[:2]),
                done=found is not None,
                total=found.total if found is not None else None,
                completed_at=found.completed_at if found is not None else None,
                open_assignment_id=None if found is not None else open_requests.get(code),
            )
        )
    return states


@dataclass(frozen=True)
class SectionState:
    """One section as the pages show it: ``state`` is ``done``, ``started``, ``attention``
    (something typed needs checking) or ``empty``; ``missing`` and ``problems`` in plain
    words; who changed it last and when."""

    code: str
    title: str
    state: str
    #: The section's name on staff pages (``Section.staff_title``).
    staff_title: str = ""
    missing: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    changed_at: dt.datetime | None = None
    changed_by: str = ""
    changed_by_role: str = ""

    @property
    def done(self) -> bool:
        return self.state == "done"


@dataclass(frozen=True)
class IntakeProgress:
    """The whole packet at a glance: every section's state, the baselines, the next
    unfinished section (None when all are done), whether it may be submitted, and whether it
    was (``submitted_at``)."""

    packet: IntakePacket | None
    sections: tuple[SectionState, ...]
    baselines: tuple[BaselineState, ...]
    next_section: str | None
    submitted_at: dt.datetime | None

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.sections if s.done)

    @property
    def total(self) -> int:
        return len(self.sections)

    @property
    def ready_to_submit(self) -> bool:
        return all(s.done for s in self.sections if s.code in FORM_SECTIONS)

    @property
    def started(self) -> bool:
        return self.packet is not None and bool(self.packet.answers)

    @property
    def missing_titles(self) -> list[str]:
        return [s.title for s in self.sections if not s.done]

    @property
    def staff_missing_titles(self) -> list[str]:
        """The unfinished sections as staff pages name them."""
        return [s.staff_title for s in self.sections if not s.done]


def _changed_at(meta: Mapping[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(meta.get("at")))
    except ValueError:
        return None


def contacts_from_record(patient: Patient) -> dict[str, str]:
    """Return the contacts answers the patient's record already holds (shape of
    ``answers["contacts"]``; phones as people write them, "(541) 555-0101")."""
    answers = {}
    for name in CONTACT_FIELDS:
        value = getattr(patient, name, "") or ""
        answers[name] = phone_display(str(value)) if name.endswith("phone") else str(value)
    return answers


def section_answers(
    code: str, packet: IntakePacket | None, patient: Patient | None = None
) -> dict[str, Any] | None:
    """Return a section's answers: as saved, or for the contacts not yet saved the patient's
    record (when ``patient`` is given and the record has any contact detail); else None."""
    stored = None if packet is None else packet.answers.get(code)
    if stored is None and code == "contacts" and patient is not None:
        record = contacts_from_record(patient)
        return record if any(record.values()) else None
    return stored


def section_state(
    code: str, packet: IntakePacket | None, patient: Patient | None = None
) -> SectionState:
    """Return one form section's state from the packet (no query); with ``patient``, the
    contacts not yet saved are judged on the patient's record (complete there: done)."""
    title = str(BY_CODE[code].title)
    answers = section_answers(code, packet, patient)
    meta = {} if packet is None else (packet.section_changes.get(code) or {})
    changed_at = _changed_at(meta) if meta else None
    changed_by = str(meta.get("by_name") or "")
    changed_by_role = str(meta.get("by_role") or "")
    problems: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    state = "empty"
    if answers is not None:
        problems = tuple(section_problems(code, answers).values())
        missing = tuple(section_missing(code, answers))
        state = "attention" if problems else ("started" if missing else "done")
    return SectionState(
        code=code,
        title=title,
        staff_title=BY_CODE[code].staff_title,
        state=state,
        missing=missing,
        problems=problems,
        changed_at=changed_at,
        changed_by=changed_by,
        changed_by_role=changed_by_role,
    )


def progress_of(
    *, patient: Patient, packet: IntakePacket | None, now: dt.datetime | None = None
) -> IntakeProgress:
    """Return the packet's progress (two queries for the baselines)."""
    states = [section_state(code, packet, patient) for code in FORM_SECTIONS]
    baselines = baseline_states(patient=patient, packet=packet, now=now)
    all_done = all(b.done for b in baselines)
    states.append(
        SectionState(
            code="baseline",
            title=str(BY_CODE["baseline"].title),
            staff_title=BY_CODE["baseline"].staff_title,
            state="done"
            if all_done
            else ("started" if any(b.done or b.open_assignment_id for b in baselines) else "empty"),
            missing=tuple(b.title for b in baselines if not b.done),
        )
    )
    next_section = next((s.code for s in states if not s.done), None)
    return IntakeProgress(
        packet=packet,
        sections=tuple(states),
        baselines=tuple(baselines),
        next_section=next_section,
        submitted_at=packet.submitted_at if packet is not None else None,
    )


def intake_progress(*, patient: Patient, now: dt.datetime | None = None) -> IntakeProgress:
    """Return the patient's intake progress (three queries); the caller checked access."""
    packet = IntakePacket.objects.filter(patient=patient).first()
    return progress_of(patient=patient, packet=packet, now=now)


def patient_panel(*, user: User, patient: Patient) -> IntakeProgress | None:
    """Return the record page's intake panel, or None when the user may not see intakes."""
    if not can(user, "intake.view"):
        return None
    return intake_progress(patient=patient)


@dataclass(frozen=True)
class IntakeRow:
    """One intake on the staff list: the patient, the packet and its form sections' state."""

    patient: Patient
    packet: IntakePacket
    sections: tuple[SectionState, ...]

    @property
    def missing_titles(self) -> list[str]:
        """The unfinished sections as staff pages name them."""
        return [s.staff_title for s in self.sections if not s.done]


def intake_rows(*, organization_id: int, submitted: bool, limit: int = 200) -> list[IntakeRow]:
    """Return the organization's intakes in progress (or submitted), newest change first
    (one query; the baselines are on each patient's intake page)."""
    packets = (
        IntakePacket.objects.filter(
            organization_id=organization_id, submitted_at__isnull=not submitted
        )
        .select_related("patient")
        .order_by("-updated_at", "-id")[:limit]
    )
    return [
        IntakeRow(
            patient=packet.patient,
            packet=packet,
            sections=tuple(section_state(code, packet, packet.patient) for code in FORM_SECTIONS),
        )
        for packet in packets
    ]


def intake_packet_for_user(*, user: User, patient_id: int) -> tuple[Patient, IntakePacket | None]:
    """Return a patient of the user's organization and their packet, or raise Http404."""
    if user.organization_id is None:
        raise Http404("No such patient.")
    patient = (
        Patient.objects.select_related("organization")
        .filter(pk=patient_id, organization_id=user.organization_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    return patient, IntakePacket.objects.filter(patient=patient).first()
