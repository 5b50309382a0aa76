"""A clinic's measurement settings: which are clinical, and the one audited write of them.

Clinical fields (docs/decisions/0010) decide what a score means (response, remission, loss of
response), which answer raises a safety alert and how soon an unacknowledged one is
escalated, and which questionnaires patients are sent at all. They change only with a
physician's signature: a physician's own edit applies at once (the audit event names them as
the signer); a clinic admin's edit of them becomes a proposal (the treatment app's
``clinical_change_propose`` with the target "measurement_settings"), applied through
:func:`measurement_settings_update` when a physician signs it. When and how often
questionnaires and reminders go out are administrative: a clinic admin changes them at once.
The licensed C-SSRS wording is clinical (docs/decisions/0018).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.integrity import jsonable
from infusionist.measurements.models import MeasurementSettings

#: Every field a clinic edits, in the order the settings page groups them.
MEASUREMENT_SETTINGS_FIELDS = tuple(MeasurementSettings.SOURCE_KEYS)
#: Fields a clinic admin changes at once: when questionnaires and reminders go out
#: (docs/decisions/0010). The licensed C-SSRS wording is clinical: the questions a nurse reads
#: to a patient at risk change only with a physician's signature (docs/decisions/0018).
NON_CLINICAL_MEASUREMENT_SETTINGS_FIELDS = (
    "induction_interval_days",
    "maintenance_interval_days",
    "next_day_checkin_hours",
    "pre_infusion_lead_hours",
    "completion_window_hours",
    "checkin_local_hour",
    "instrument_min_interval_days",
    "max_reminders",
    "reminder_interval_hours",
)
#: Fields that change only with a physician's signature.
CLINICAL_MEASUREMENT_SETTINGS_FIELDS = tuple(
    name
    for name in MEASUREMENT_SETTINGS_FIELDS
    if name not in NON_CLINICAL_MEASUREMENT_SETTINGS_FIELDS
)
#: The capability that signs a clinical change (physicians; the same as for dosing limits).
SIGN_CAPABILITY = "protocols.sign"


@transaction.atomic
def measurement_settings_ensure(*, organization: Organization) -> MeasurementSettings:
    """Return the organization's stored settings, creating the documented defaults if missing."""
    found, _ = MeasurementSettings.objects.get_or_create(organization=organization)
    return found


def measurement_settings_for_update(*, organization_id: int) -> MeasurementSettings:
    """Return the clinic's settings row locked until the transaction ends (made if missing).

    Call inside ``transaction.atomic``: a proposal's signature compares and writes the row
    under this lock.
    """
    row, _ = MeasurementSettings.objects.select_for_update().get_or_create(
        organization_id=organization_id
    )
    return row


def measurement_settings_clinical_changes(
    measurement_settings: MeasurementSettings, data: Mapping[str, Any]
) -> list[str]:
    """Return the clinical fields whose value in ``data`` differs from the stored one."""
    return [
        name
        for name in CLINICAL_MEASUREMENT_SETTINGS_FIELDS
        if name in data and getattr(measurement_settings, name) != data[name]
    ]


@transaction.atomic
def measurement_settings_update(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
    extra_detail: Mapping[str, Any] | None = None,
) -> list[str]:
    """Apply changed measurement settings of the organization; return the changed names.

    ``data`` maps field names (``MEASUREMENT_SETTINGS_FIELDS``) to values. The row is made
    with the documented defaults if the clinic has none yet. The audit event records the old
    and new values (settings hold no patient data), and, when clinical fields change, that the
    actor signed them; ``extra_detail`` adds the proposal a physician signed. Raises
    ``PermissionDenied`` unless the actor may edit this organization's settings, or when a
    clinical field would change and the actor may not sign it (a clinic admin proposes the
    change instead); ``ValidationError`` naming the field for a value outside its range or an
    unknown instrument; ``ValueError`` for a name that is not a setting.
    """
    require(actor, "measurements.settings")
    require_same_organization(actor, organization.pk)
    unknown = set(data) - set(MEASUREMENT_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not measurement settings: {sorted(unknown)}")
    row = measurement_settings_for_update(organization_id=organization.pk)
    changed = [name for name, value in data.items() if getattr(row, name) != value]
    if not changed:
        return []
    clinical = measurement_settings_clinical_changes(row, data)
    if clinical and not can(actor, SIGN_CAPABILITY):
        raise PermissionDenied(
            "Clinical measurement settings change only with a physician's signature; propose "
            f"the change to {', '.join(clinical)} for a physician to sign."
        )
    before = {name: jsonable(getattr(row, name)) for name in changed}
    for name in changed:
        setattr(row, name, data[name])
    row.updated_by = actor
    row.full_clean()
    row.save(update_fields=[*changed, "updated_at", "updated_by"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_SETTINGS,
        object_id=row.pk,
        detail={
            "fields": changed,
            "before": before,
            "after": {name: jsonable(getattr(row, name)) for name in changed},
            **({"clinical_fields": clinical, "signed_by": actor.pk} if clinical else {}),
            **(extra_detail or {}),
        },
    )
    return changed
