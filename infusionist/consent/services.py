"""Writes of consent: document versions (draft, publish, defaults), settings and signatures.

Every write checks the actor's capability and organization, validates, writes inside one
transaction and appends its audit event (docs/architecture.md, "Inside an app").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.clinics.selectors import clinic_today
from infusionist.consent import selectors, texts
from infusionist.consent.models import (
    DEFAULT_REQUIRED_KINDS,
    LANGUAGES,
    ConsentDocumentVersion,
    ConsentKind,
    ConsentSettings,
    ConsentSignature,
)
from infusionist.patients.models import Patient
from infusionist.patients.normalize import name_words

EDITABLE_FIELDS = ("title_en", "body_en", "title_es", "body_es", "effective_on")


def _audit_version(
    version: ConsentDocumentVersion,
    *,
    action: str,
    actor: User | None,
    context: AuditContext,
    detail: dict[str, Any],
) -> None:
    audit_record(
        action=action,
        actor=actor,
        context=context,
        organization=version.organization,
        object_type=AuditEvent.ObjectType.CONSENT_DOCUMENT,
        object_id=version.pk,
        detail={"kind": version.kind, "number": version.number, **detail},
    )


@transaction.atomic
def consent_documents_create_defaults(
    *,
    organization: Organization,
    actor: User | None = None,
    context: AuditContext = NO_REQUEST,
) -> list[ConsentDocumentVersion]:
    """Publish version 1 of each default document (texts.py) the clinic has no version of.

    Safe to run again: a kind with any version is left alone. ``actor`` None is the system
    (a data migration, demo seeding); a person must hold ``consent.manage`` in the clinic.
    Returns the versions created.
    """
    if actor is not None:
        require(actor, "consent.manage")
        require_same_organization(actor, organization.pk)
    existing = set(
        ConsentDocumentVersion.objects.filter(organization=organization).values_list(
            "kind", flat=True
        )
    )
    now = timezone.now()
    created = []
    for kind in ConsentKind.values:
        if kind in existing:
            continue
        defaults = texts.DEFAULT_TEXTS[kind]
        version = ConsentDocumentVersion(
            organization=organization,
            kind=kind,
            number=1,
            status=ConsentDocumentVersion.Status.PUBLISHED,
            title_en=defaults["en"].title,
            body_en=texts.default_body(kind, "en"),
            title_es=defaults["es"].title,
            body_es=texts.default_body(kind, "es"),
            effective_on=clinic_today(organization_id=organization.pk),
            created_by=actor,
            published_at=now,
            published_by=actor,
        )
        version.content_sha256 = version.compute_sha256()
        version.full_clean()
        version.save(force_insert=True)
        created.append(version)
    if created:
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            context=context,
            organization=organization,
            object_type=AuditEvent.ObjectType.CONSENT_DOCUMENT,
            detail={"defaults": [v.kind for v in created], "number": 1, "published": True},
        )
    return created


@transaction.atomic
def consent_document_draft_create(
    *, source: ConsentDocumentVersion, actor: User, context: AuditContext = NO_REQUEST
) -> ConsentDocumentVersion:
    """Start the next version of ``source``'s kind as a draft copy of ``source``.

    Raises ``PermissionDenied`` without ``consent.manage`` in the clinic, and
    ``ValidationError`` when a draft of that kind is already open (edit that one).
    """
    require(actor, "consent.manage")
    require_same_organization(actor, source.organization_id)
    siblings = ConsentDocumentVersion.objects.select_for_update().filter(
        organization_id=source.organization_id, kind=source.kind
    )
    if siblings.filter(status=ConsentDocumentVersion.Status.DRAFT).exists():
        raise ValidationError("A draft of this document is already open: edit or publish it first.")
    number = (siblings.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ConsentDocumentVersion(
        organization_id=source.organization_id,
        kind=source.kind,
        number=number,
        status=ConsentDocumentVersion.Status.DRAFT,
        title_en=source.title_en,
        body_en=selectors.patient_text(source.body_en),
        title_es=source.title_es,
        body_es=selectors.patient_text(source.body_es),
        effective_on=max(source.effective_on, clinic_today(organization_id=source.organization_id)),
        created_by=actor,
    )
    draft.full_clean()
    draft.save(force_insert=True)
    _audit_version(
        draft,
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        detail={"copied_from": source.number},
    )
    return draft


@transaction.atomic
def consent_document_draft_update(
    *,
    version: ConsentDocumentVersion,
    actor: User,
    data: dict[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change a draft's titles, texts or effective date; return the names of changed fields.

    Raises ``PermissionDenied`` without ``consent.manage`` in the clinic, and
    ``ValidationError`` for a published version (it never changes: draft a new one) or an
    effective date before the clinic's today (a new version cannot start in the past).
    """
    require(actor, "consent.manage")
    require_same_organization(actor, version.organization_id)
    version = ConsentDocumentVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError("A published version never changes: draft a new version.")
    effective_on = data.get("effective_on")
    if effective_on is not None and effective_on != version.effective_on:
        _refuse_past_effective_date(effective_on, organization_id=version.organization_id)
    changed = {}
    for field in EDITABLE_FIELDS:
        if field in data and data[field] != getattr(version, field):
            changed[field] = (getattr(version, field), data[field])
            setattr(version, field, data[field])
    if not changed:
        return []
    version.full_clean()
    version.save(update_fields=list(changed))
    _audit_version(
        version,
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        detail={
            "changed": {
                name: {"old": str(old), "new": str(new)} for name, (old, new) in changed.items()
            }
        },
    )
    return list(changed)


@transaction.atomic
def consent_document_publish(
    *,
    version: ConsentDocumentVersion,
    actor: User,
    context: AuditContext = NO_REQUEST,
    confirmed_re_consent: bool = False,
) -> ConsentDocumentVersion:
    """Publish a draft: its content hash is fixed and it never changes again.

    From its effective date patients' signatures of earlier versions of the kind no longer
    count as current (re-consent). ``confirmed_re_consent`` records (in the audit event) that
    the admin ticked "Publishing asks every patient to sign version N again". Raises
    ``PermissionDenied`` without ``consent.manage`` in the clinic, ``ValidationError`` when it
    is already published, a text is empty, or its effective date is before the clinic's today.
    """
    require(actor, "consent.manage")
    require_same_organization(actor, version.organization_id)
    version = ConsentDocumentVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError("This version is already published.")
    for field in ("title_en", "body_en", "title_es", "body_es"):
        if not getattr(version, field).strip():
            raise ValidationError("Write the title and text in English and in Spanish first.")
    _refuse_past_effective_date(version.effective_on, organization_id=version.organization_id)
    version.status = ConsentDocumentVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.content_sha256 = version.compute_sha256()
    version.full_clean()
    version.save(update_fields=["status", "published_at", "published_by", "content_sha256"])
    _audit_version(
        version,
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        detail={
            "published": True,
            "effective_on": version.effective_on.isoformat(),
            "content_sha256": version.content_sha256,
            "confirmed_re_consent": confirmed_re_consent,
        },
    )
    return version


def _refuse_past_effective_date(day: dt.date, *, organization_id: int) -> None:
    """Raise ``ValidationError`` (on ``effective_on``) when ``day`` is before the clinic's
    today: a new version takes effect today or later, never retroactively."""
    today = clinic_today(organization_id=organization_id)
    if day < today:
        raise ValidationError(
            {
                "effective_on": (
                    f"The effective date cannot be in the past: choose "
                    f"{date_format(today, 'M j, Y')} (today) or later."
                )
            }
        )


@transaction.atomic
def consent_settings_update(
    *,
    organization: Organization,
    actor: User,
    required_kinds: Iterable[str],
    telehealth_required_for_telehealth: bool,
    context: AuditContext = NO_REQUEST,
) -> ConsentSettings:
    """Set which documents the clinic requires before treatment (old and new values audited).

    Raises ``PermissionDenied`` without ``consent.manage`` in the clinic, ``ValidationError``
    for an unknown kind or when the ketamine treatment consent is left out (no infusion
    may start without informed consent to it).
    """
    require(actor, "consent.manage")
    require_same_organization(actor, organization.pk)
    kinds = [k for k in ConsentKind.values if k in set(required_kinds)]
    unknown = set(required_kinds) - set(ConsentKind.values)
    if unknown:
        raise ValidationError(f"Unknown consent kinds: {', '.join(sorted(unknown))}.")
    if ConsentKind.KETAMINE_TREATMENT not in kinds:
        raise ValidationError("The ketamine treatment consent is always required.")
    found = ConsentSettings.objects.select_for_update().filter(organization=organization).first()
    row = found or ConsentSettings(organization=organization)
    old = {
        "required_kinds": list(row.required_kinds or []),
        "telehealth_required_for_telehealth": row.telehealth_required_for_telehealth,
    }
    if found is None:
        old["required_kinds"] = list(DEFAULT_REQUIRED_KINDS)
    row.required_kinds = kinds
    row.telehealth_required_for_telehealth = telehealth_required_for_telehealth
    row.updated_at = timezone.now()
    row.updated_by = actor
    row.full_clean()
    row.save()
    new = {
        "required_kinds": kinds,
        "telehealth_required_for_telehealth": telehealth_required_for_telehealth,
    }
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.CONSENT_SETTINGS,
        object_id=row.pk,
        detail={"old": old, "new": new},
    )
    return row


def typed_name_matches(typed: str, patient: Patient) -> bool:
    """Return whether a typed signature reasonably matches the patient's legal name.

    Case, accents and punctuation do not matter ("jose  garcia-lopez" matches "José
    García-López"). The legal first and last names must both be there; any other word must
    be a word of the legal name or preferred name, or the middle name's initial.
    """
    words = name_words(typed)
    if not words:
        return False
    first = name_words(patient.legal_first_name)
    middle = name_words(patient.legal_middle_name)
    last = name_words(patient.legal_last_name)
    # Written together ("DeLaCruz" for "De la Cruz", "MaryAnn" for "Mary Ann").
    if "".join(words) in {"".join(first + middle + last), "".join(first + last)}:
        return True
    allowed = set(first) | set(middle) | set(last) | set(name_words(patient.preferred_name))
    allowed |= {w[0] for w in middle}
    return set(first) <= set(words) and set(last) <= set(words) and set(words) <= allowed


@transaction.atomic
def consent_sign(
    *,
    patient: Patient,
    version: ConsentDocumentVersion,
    actor: User,
    typed_name: str,
    agreed: bool,
    language: str,
    method: str = ConsentSignature.Method.PORTAL,
    context: AuditContext = NO_REQUEST,
) -> ConsentSignature:
    """Record the patient's signature of a published document version; return it.

    On the portal the actor is the patient's own user. A staff member (``consent.witness``)
    records a consent signed in front of them on a clinic tablet or on paper and is stored
    as its witness. Stored: version, language, typed name, agreement, time, the actor's IP
    address and browser (from ``context``) and the version's content hash.

    Raises ``PermissionDenied`` when the actor may not sign for this patient, and
    ``ValidationError`` (with a message for the patient, keyed by field) when the version is
    not published, belongs to another clinic, the box is not ticked or the typed name does
    not match the legal name.
    """
    if actor.role == Role.PATIENT:
        require(actor, "portal.use")
        if patient.user_id != actor.pk or method != ConsentSignature.Method.PORTAL:
            raise PermissionDenied("A patient signs only their own consent, on the portal.")
    else:
        require(actor, "consent.witness")
        if method == ConsentSignature.Method.PORTAL:
            raise PermissionDenied("Staff record a consent signed on a tablet or on paper.")
    require_same_organization(actor, patient.organization_id)
    if version.organization_id != patient.organization_id or not version.is_published:
        raise ValidationError("This document cannot be signed.")
    if language not in LANGUAGES:
        raise ValidationError({"language": "Choose English or Spanish."})
    typed = " ".join(typed_name.split())
    errors: dict[str, str] = {}
    if not typed:
        errors["typed_name"] = _("Type your full legal name to sign.")
    elif not typed_name_matches(typed, patient):
        errors["typed_name"] = _(
            "The name you typed does not match the name on your clinic record. Type your "
            "full legal name, first and last, as the clinic has it. If your name has "
            "changed, please tell the front desk."
        )
    if not agreed:
        errors["agreed"] = _("Tick the box to show that you have read and agree.")
    if errors:
        raise ValidationError(errors)
    signature = ConsentSignature(
        organization_id=patient.organization_id,
        patient=patient,
        document_version=version,
        kind=version.kind,
        language=language,
        typed_name=typed[:200],
        agreed=True,
        signed_at=timezone.now(),
        ip_address=context.ip_address,
        user_agent=context.user_agent[:300],
        content_sha256=version.content_sha256,
        method=method,
        signed_by=actor,
        witnessed_by=None if actor.role == Role.PATIENT else actor,
    )
    signature.full_clean()
    signature.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.CONSENT_SIGNATURE,
        object_id=signature.pk,
        patient=patient,
        detail={
            "kind": version.kind,
            "number": version.number,
            "language": language,
            "method": method,
            "content_sha256": version.content_sha256,
        },
    )
    return signature
