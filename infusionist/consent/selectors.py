"""Reads of consent: documents, the required set, each patient's status, signed copies.

``consent_status`` is the gate the readiness layer (and so the infusion chart) asks: no
infusion may start unless every required document's current version is signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import Http404

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role, can
from infusionist.clinics.models import Organization
from infusionist.clinics.selectors import clinic_today
from infusionist.consent import texts
from infusionist.consent.models import (
    DEFAULT_REQUIRED_KINDS,
    ConsentDocumentVersion,
    ConsentKind,
    ConsentSettings,
    ConsentSignature,
)
from infusionist.patients.models import Patient

CURRENT = "current"
MISSING = "missing"
OUTDATED = "outdated"
#: The clinic has no published version of a required kind: nobody can sign it yet.
UNAVAILABLE = "unavailable"


def consent_settings_for(*, organization: Organization) -> ConsentSettings:
    """Return the clinic's consent settings, or unsaved documented defaults (one query)."""
    found = ConsentSettings.objects.filter(organization=organization).first()
    return found or ConsentSettings(
        organization=organization, required_kinds=list(DEFAULT_REQUIRED_KINDS)
    )


def required_kinds(*, settings: ConsentSettings, telehealth: bool = False) -> list[str]:
    """Return the kinds required before treatment, in the fixed order of ``ConsentKind``.

    The telehealth consent is added when ``telehealth`` (a telehealth consultation is used)
    and the clinic's setting asks for it (the default).
    """
    kinds = set(settings.required_kinds or DEFAULT_REQUIRED_KINDS)
    if telehealth and settings.telehealth_required_for_telehealth:
        kinds.add(ConsentKind.TELEHEALTH)
    return [k for k in ConsentKind.values if k in kinds]


def current_versions(
    *, organization_id: int, today: dt.date | None = None
) -> dict[str, ConsentDocumentVersion]:
    """Return each kind's current version: the newest published one in effect (one query).

    ``today`` defaults to the clinic's date (``clinics.selectors.clinic_today``).
    """
    today = today or clinic_today(organization_id=organization_id)
    rows = ConsentDocumentVersion.objects.filter(
        organization_id=organization_id,
        status=ConsentDocumentVersion.Status.PUBLISHED,
        effective_on__lte=today,
    ).order_by("kind", "-number")
    current: dict[str, ConsentDocumentVersion] = {}
    for version in rows:
        current.setdefault(version.kind, version)
    return current


@dataclass(frozen=True)
class ConsentItem:
    """One required kind for one patient: its state and what was signed."""

    kind: str
    label: str
    #: CURRENT, MISSING, OUTDATED or UNAVAILABLE.
    state: str
    current_version: ConsentDocumentVersion | None
    signature: ConsentSignature | None

    @property
    def is_current(self) -> bool:
        return self.state == CURRENT

    @property
    def signed_version_number(self) -> int | None:
        return self.signature.document_version.number if self.signature else None

    @property
    def signed_at(self) -> dt.datetime | None:
        return self.signature.signed_at if self.signature else None


@dataclass(frozen=True)
class ConsentStatus:
    """Each required kind's state for a patient, and whether all are current."""

    items: tuple[ConsentItem, ...]
    telehealth: bool = False

    @property
    def all_current(self) -> bool:
        return all(item.is_current for item in self.items)

    @property
    def to_sign(self) -> list[ConsentItem]:
        """Items the patient can sign now (missing or outdated, with a current version)."""
        return [i for i in self.items if i.state in (MISSING, OUTDATED)]

    def reasons(self) -> list[str]:
        """Return one plain sentence per item that is not current (for the chart's gate)."""
        texts = {
            MISSING: "{label}: not signed.",
            OUTDATED: "{label}: version {signed} was signed; version {current} must be signed.",
            UNAVAILABLE: "{label}: the clinic has no published version to sign.",
        }
        return [
            texts[i.state].format(
                label=i.label,
                signed=i.signed_version_number,
                current=i.current_version.number if i.current_version else "",
            )
            for i in self.items
            if not i.is_current
        ]


def consent_status(
    *, patient: Patient, telehealth: bool = False, today: dt.date | None = None
) -> ConsentStatus:
    """Return the patient's consent status for treatment (three queries).

    Each required kind (``required_kinds``; the telehealth consent too when ``telehealth``)
    is CURRENT when the patient signed its current version, OUTDATED when they signed only an
    earlier version (re-consent), MISSING when they never signed it, UNAVAILABLE when the
    clinic has no published version. ``all_current`` is the gate: no infusion without it.
    Queries: the settings, the current versions, the patient's signatures.
    """
    settings = consent_settings_for(organization=patient.organization)
    kinds = required_kinds(settings=settings, telehealth=telehealth)
    current = current_versions(organization_id=patient.organization_id, today=today)
    latest: dict[str, ConsentSignature] = {}
    current_signed: dict[str, ConsentSignature] = {}
    signatures = (
        ConsentSignature.objects.filter(
            organization_id=patient.organization_id, patient=patient, kind__in=kinds
        )
        .select_related("document_version")
        .order_by("-signed_at", "-id")
    )
    for signature in signatures:
        latest.setdefault(signature.kind, signature)
        version = current.get(signature.kind)
        if version is not None and signature.document_version_id == version.pk:
            current_signed.setdefault(signature.kind, signature)
    items = []
    for kind in kinds:
        version = current.get(kind)
        signature = current_signed.get(kind) or latest.get(kind)
        if version is None:
            state = UNAVAILABLE
        elif kind in current_signed:
            state = CURRENT
        elif kind in latest:
            state = OUTDATED
        else:
            state = MISSING
        items.append(
            ConsentItem(
                kind=kind,
                label=str(ConsentKind(kind).label),
                state=state,
                current_version=version,
                signature=signature,
            )
        )
    return ConsentStatus(items=tuple(items), telehealth=telehealth)


def portal_status(*, patient: Patient) -> ConsentStatus:
    """Return what the portal asks the patient to sign: the required set, with telehealth.

    New patients meet the supervising physician by telehealth first, so the portal offers
    the telehealth consent as well whenever the clinic requires it for telehealth visits.
    """
    return consent_status(patient=patient, telehealth=True)


def document_versions_for(*, organization: Organization) -> list[ConsentDocumentVersion]:
    """Return every version of the clinic's documents, by kind, newest first (one query)."""
    return list(
        ConsentDocumentVersion.objects.filter(organization=organization).order_by("kind", "-number")
    )


def document_version_get(*, user: User, version_id: int) -> ConsentDocumentVersion:
    """Return a version of the user's clinic, or raise Http404 (another clinic's too)."""
    version = (
        ConsentDocumentVersion.objects.select_related("published_by", "created_by")
        .filter(pk=version_id, organization_id=user.organization_id or -1)
        .first()
    )
    if version is None:
        raise Http404("No such consent document.")
    return version


def signable_version_get(*, patient: Patient, version_id: int) -> ConsentDocumentVersion:
    """Return a current version the patient may sign (their clinic's), or raise Http404."""
    version = current_versions(organization_id=patient.organization_id)
    for candidate in version.values():
        if candidate.pk == version_id:
            return candidate
    raise Http404("No such consent document to sign.")


def own_patient(*, user: User) -> Patient | None:
    """Return the patient record linked to a patient login, or None (one query)."""
    if user.role != Role.PATIENT or user.organization_id is None:
        return None
    return (
        Patient.objects.select_related("organization")
        .filter(user=user, organization_id=user.organization_id)
        .first()
    )


def signature_get_for_user(*, user: User, signature_id: int) -> ConsentSignature:
    """Return a signature the user may see, or raise Http404 (one query).

    Staff see their clinic's; a patient only their own. Another clinic's id answers 404.
    """
    qs = ConsentSignature.objects.select_related(
        "document_version", "patient", "organization", "witnessed_by", "signed_by"
    ).filter(pk=signature_id, organization_id=user.organization_id or -1)
    if user.role == Role.PATIENT:
        qs = qs.filter(patient__user=user)
    signature = qs.first()
    if signature is None:
        raise Http404("No such signed consent.")
    return signature


def signatures_for_patient(*, patient: Patient) -> list[ConsentSignature]:
    """Return the patient's signatures, newest first, with their versions (one query)."""
    return list(
        ConsentSignature.objects.filter(organization_id=patient.organization_id, patient=patient)
        .select_related("document_version", "witnessed_by")
        .order_by("-signed_at", "-id")
    )


@dataclass(frozen=True)
class PatientConsentPanel:
    """The consent section of the patient record page."""

    status: ConsentStatus
    signatures: list[ConsentSignature] = field(default_factory=list)


def patient_panel(*, user: User, patient: Patient) -> PatientConsentPanel | None:
    """Return the record page's consent section, or None without ``consent.view`` (4 queries).

    The status includes the telehealth consent when the clinic requires it for telehealth
    visits; the chart's gate asks ``consent_status`` with the visit's real modality.
    """
    if not can(user, "consent.view"):
        return None
    return PatientConsentPanel(
        status=consent_status(patient=patient, telehealth=True),
        signatures=signatures_for_patient(patient=patient),
    )


@dataclass(frozen=True)
class Block:
    """A piece of a document's text: a heading, a paragraph or a list."""

    heading: str = ""
    lines: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


def _words(text: str) -> str:
    return " ".join(text.split())


#: The drafting notes a stored body may start with (versions published before the note left
#: the default texts), compared word for word.
_NOTES = {_words(note) for note in texts.LAWYER_NOTE.values()}


def patient_text(body: str) -> str:
    """Return a body as patients read and sign it: without a leading drafting note for the
    clinic ("Model document: a clinic must review this text with its own lawyer…", in
    English or Spanish). The stored body and its SHA-256 are unchanged; every other word
    is kept, so what a patient is shown, signs and gets a copy of is the same text.
    """
    text = body.replace("\r\n", "\n").lstrip("\n")
    first, _, rest = text.partition("\n\n")
    if _words(first) in _NOTES:
        return rest.lstrip("\n")
    return body


def patient_blocks(body: str) -> list[Block]:
    """Return :func:`body_blocks` of :func:`patient_text` (the drafting note left out)."""
    return body_blocks(patient_text(body))


def body_blocks(body: str) -> list[Block]:
    """Split a document body into blocks (texts.py: blank lines between, "- " for lists).

    A block's first line is its heading when more lines follow and it ends without
    punctuation ("Risks and side effects").
    """
    blocks: list[Block] = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        heading = ""
        if len(lines) > 1 and not lines[0].startswith("- ") and lines[0][-1] not in ".:;!?":
            heading, lines = lines[0], lines[1:]
        if heading:
            blocks.append(Block(heading=heading))
        paragraph: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if paragraph:
                    blocks.append(Block(lines=tuple(paragraph)))
                    paragraph = []
                items.append(line[2:])
            else:
                if items:
                    blocks.append(Block(items=tuple(items)))
                    items = []
                paragraph.append(line)
        if paragraph:
            blocks.append(Block(lines=tuple(paragraph)))
        if items:
            blocks.append(Block(items=tuple(items)))
    return blocks
