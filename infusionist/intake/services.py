"""Writes to the intake packet: save a section (a draft on every step), start the baseline
questionnaires, submit. Each checks who may write, locks the packet and audits the change
with the section's old and new answers, in one transaction.

Who may write: the patient themselves (their own login) or staff holding ``intake.edit`` in the
patient's organization (on the patient's behalf). After submission every save re-computes
``facts_sha256`` (``facts.facts_digest``), so a physician's decision made on other facts is
flagged for re-review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.intake import sections
from infusionist.intake.models import IntakePacket
from infusionist.intake.selectors import (
    baseline_instruments,
    patient_facts,
    section_answers,
)
from infusionist.measurements.models import Assignment
from infusionist.measurements.services import assignment_ensure_for_intake
from infusionist.patients.models import Patient
from infusionist.patients.services import patient_contacts_update


def require_intake_writer(actor: User, patient: Patient) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may write this patient's intake.

    The patient's own login, or staff with ``intake.edit`` in the patient's organization.
    """
    require_same_organization(actor, patient.organization_id)
    if actor.role == Role.PATIENT:
        require(actor, "portal.use")
        if patient.user_id != actor.pk:
            raise PermissionDenied("Only your own intake.")
    else:
        require(actor, "intake.edit")


def _locked_packet(patient: Patient) -> IntakePacket:
    packet, _created = IntakePacket.objects.get_or_create(
        patient=patient, defaults={"organization_id": patient.organization_id}
    )
    return IntakePacket.objects.select_for_update().get(pk=packet.pk)


def _digest(packet: IntakePacket, patient: Patient) -> str:
    return patient_facts(patient=patient, answers=packet.answers)[1]


def _completed(packet: IntakePacket, patient: Patient) -> list[str]:
    """Return the done sections (contacts not yet saved: judged on the patient's record)."""
    return [
        code
        for code in sections.FORM_SECTIONS
        if sections.is_done(code, section_answers(code, packet, patient))
    ]


@dataclass(frozen=True)
class SectionSaved:
    """The result of a save: the packet, the section's problems (field -> message; the typed
    values are saved anyway), whether anything changed, and whether the section is done."""

    packet: IntakePacket
    problems: dict[str, str]
    changed: bool
    done: bool


@transaction.atomic
def intake_section_save(
    *,
    patient: Patient,
    actor: User,
    code: str,
    answers: dict[str, Any],
    now: dt.datetime | None = None,
    context: AuditContext = NO_REQUEST,
    autosave: bool = False,
) -> SectionSaved:
    """Keep the answers of section ``code`` (shape: :mod:`infusionist.intake.sections`).

    Always saves what was given, problems and all (they come back in the result, to show
    beside their fields). A contacts section without problems also updates the patient's
    record (``patients.services.patient_contacts_update``). Audited with the section's old
    and new answers when anything changed.

    Raises ``PermissionDenied`` (see :func:`require_intake_writer`) and ``KeyError`` for a
    code that is not a form section.
    """
    if code not in sections.FORM_SECTIONS:
        raise KeyError(code)
    require_intake_writer(actor, patient)
    now = now or timezone.now()
    packet = _locked_packet(patient)
    problems = sections.problems(code, answers)
    if code == "contacts" and not problems:
        try:
            patient_contacts_update(
                patient=patient,
                actor=actor,
                data={name: answers.get(name, "") for name in sections.CONTACT_FIELDS},
                context=context,
            )
        except ValidationError as error:
            problems = {name: " ".join(messages) for name, messages in error.message_dict.items()}
    old = packet.answers.get(code)
    changed = old != answers
    if changed:
        packet.answers = {**packet.answers, code: answers}
        packet.completed_sections = _completed(packet, patient)
        packet.section_changes = {
            **packet.section_changes,
            code: {
                "at": now.isoformat(),
                "by_id": actor.pk,
                "by_name": actor.full_name or actor.email,
                "by_role": actor.role,
            },
        }
        packet.updated_at = now
        packet.updated_by = actor
        fields = ["answers", "completed_sections", "section_changes", "updated_at", "updated_by"]
        if packet.submitted_at is not None:
            packet.facts_sha256 = _digest(packet, patient)
            fields.append("facts_sha256")
        packet.save(update_fields=fields)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            context=context,
            organization=patient.organization,
            object_type=AuditEvent.ObjectType.INTAKE_PACKET,
            object_id=packet.pk,
            patient=patient,
            detail={
                "section": code,
                "old": old,
                "new": answers,
                "autosave": autosave,
                "after_submission": packet.submitted_at is not None,
                "on_behalf": actor.role != Role.PATIENT,
            },
        )
    return SectionSaved(
        packet=packet,
        problems=problems,
        changed=changed,
        done=not problems and not sections.missing(code, answers),
    )


@transaction.atomic
def intake_baseline_start(
    *,
    patient: Patient,
    actor: User,
    now: dt.datetime | None = None,
    context: AuditContext = NO_REQUEST,
) -> list[Assignment]:
    """Ask for the baseline questionnaires the intake needs (PHQ-9, GAD-7; PCL-5 when PTSD
    is reported) and return their open requests; one already open is reused, one already
    answered is not asked again (``selectors.baseline_states``).

    Raises ``PermissionDenied`` (see :func:`require_intake_writer`).
    """
    from infusionist.intake.selectors import baseline_states

    require_intake_writer(actor, patient)
    packet = _locked_packet(patient)
    result = []
    for state in baseline_states(patient=patient, packet=packet, now=now):
        if state.done:
            continue
        result.append(
            assignment_ensure_for_intake(
                patient=patient,
                instrument_code=state.code,
                actor=actor,
                now=now,
                context=context,
            )
        )
    return result


@transaction.atomic
def intake_submit(
    *,
    patient: Patient,
    actor: User,
    now: dt.datetime | None = None,
    context: AuditContext = NO_REQUEST,
) -> IntakePacket:
    """Submit the intake: sets ``submitted_at`` and ``facts_sha256`` (``facts.facts_digest``).

    Every section answered on a page must be done; the baseline questionnaires may still be
    open (staff see them missing). Submitting again after a change keeps the first
    ``submitted_at`` and re-computes the digest.

    Raises ``PermissionDenied`` (see :func:`require_intake_writer`) and ``ValidationError``
    (key ``sections``) naming the sections still to finish.
    """
    require_intake_writer(actor, patient)
    now = now or timezone.now()
    packet = _locked_packet(patient)
    unfinished = [
        str(sections.BY_CODE[code].title)
        for code in sections.FORM_SECTIONS
        if not sections.is_done(code, section_answers(code, packet, patient))
    ]
    if unfinished:
        raise ValidationError(
            {
                "sections": _("Please finish these parts first: %(parts)s.")
                % {"parts": ", ".join(unfinished)}
            }
        )
    first = packet.submitted_at is None
    packet.submitted_at = packet.submitted_at or now
    packet.facts_sha256 = _digest(packet, patient)
    packet.completed_sections = _completed(packet, patient)
    packet.updated_at = now
    packet.updated_by = actor
    packet.save(
        update_fields=[
            "submitted_at",
            "facts_sha256",
            "completed_sections",
            "updated_at",
            "updated_by",
        ]
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.INTAKE_PACKET,
        object_id=packet.pk,
        patient=patient,
        detail={
            "step": "submit" if first else "resubmit",
            "facts_sha256": packet.facts_sha256,
            "baselines": baseline_instruments(packet.answers),
            "on_behalf": actor.role != Role.PATIENT,
        },
    )
    return packet
