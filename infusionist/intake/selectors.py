"""Reads of the intake packet (INTERFACE SKELETON: the intake work completes this module)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from infusionist.intake.facts import facts_digest, facts_from_answers
from infusionist.intake.models import IntakePacket
from infusionist.lib.eligibility import IntakeFacts
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
    facts = facts_from_answers(packet.answers, age_years=patient_age_years(patient))
    return IntakeSnapshot(
        packet=packet,
        facts=facts,
        facts_sha256=facts_digest(facts),
        submitted=packet.submitted_at is not None,
    )


def patient_age_years(patient: Patient) -> int | None:
    """Return the patient's age in whole years today (clinic date), None without a birth date."""
    born = patient.date_of_birth
    if born is None:
        return None
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
