"""Writes of the chart's clinic settings: the chairside thresholds and the REMS form rules.

The thresholds (``ChartSettings``) are clinical limits: only a physician changes them, by
signing with their password (``accounts.signing``, docs/decisions/0007), and each change is
audited with its old and new values. The REMS form rules (``RemsFormRule``) say which
programme forms a session leaves owed and by when; they are the clinic's compliance
paperwork, kept by its physician or clinic admin (``chart.settings``), each change audited
with old and new values. A clinic starts with the rules of ``rems_defaults``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.signing import reauthenticate, refuse_unlicensed_signer
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.infusions.models import ChartSettings, RemsFormRule
from infusionist.infusions.rems_defaults import DEFAULT_REMS_RULES
from infusionist.integrity import jsonable
from infusionist.lib import sources
from infusionist.treatment.models import Drug

#: The clinic's chairside thresholds, in the model's order: every field with a source.
CHART_SETTINGS_FIELDS: tuple[str, ...] = tuple(
    f.name for f in ChartSettings._meta.concrete_fields if f.name in ChartSettings.SOURCES
)
#: The fields of a REMS form rule that the clinic edits.
REMS_RULE_FIELDS = ("name", "drug", "when", "due_days", "source_keys")
#: The capability that signs a clinical limit (a physician; docs/decisions/0007).
SIGN_CAPABILITY = "protocols.sign"


def chart_settings_update(
    *,
    organization: Organization,
    signer: User,
    data: Mapping[str, Any],
    password: str,
    attested: bool,
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change the clinic's chart thresholds with a physician's signature; return the fields
    changed (an empty list: nothing was written).

    ``data`` maps names of ``CHART_SETTINGS_FIELDS`` to new values. Raises PermissionDenied
    unless the signer holds ``chart.settings`` and ``protocols.sign`` in this clinic,
    ``ValueError`` for a name that is not a chart threshold, ``SigningError`` for a refused
    signature (wrong password, no attestation, no current licence; the refusal is audited)
    and ``ValidationError`` naming the field for a value outside its range.
    """
    require(signer, "chart.settings")
    require(signer, SIGN_CAPABILITY)
    require_same_organization(signer, organization.pk)
    unknown = set(data) - set(CHART_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not chart settings: {sorted(unknown)}")
    refuse_unlicensed_signer(signer)
    reauthenticate(
        signer=signer,
        password=password,
        context=context,
        object_type=AuditEvent.ObjectType.CHART_SETTINGS,
        object_id=organization.pk,
        detail={"fields": sorted(data)},
        attested=attested,
    )
    return _chart_settings_write(
        organization=organization, signer=signer, data=data, context=context
    )


@transaction.atomic
def _chart_settings_write(
    *,
    organization: Organization,
    signer: User,
    data: Mapping[str, Any],
    context: AuditContext,
) -> list[str]:
    row = ChartSettings.objects.select_for_update().filter(
        organization=organization
    ).first() or ChartSettings(organization=organization)
    before = {name: getattr(row, name) for name in CHART_SETTINGS_FIELDS}
    for name, value in data.items():
        setattr(row, name, value)
    row.full_clean(exclude=["organization", "updated_by"])
    # Compare as the fields store them (5 and "5.0" are one value).
    changed = [
        name
        for name in CHART_SETTINGS_FIELDS
        if row._meta.get_field(name).to_python(getattr(row, name)) != before[name]  # type: ignore[union-attr]
    ]
    if not changed:
        return []
    row.updated_at = timezone.now()
    row.updated_by = signer
    row.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=signer,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.CHART_SETTINGS,
        object_id=row.pk,
        detail={
            "fields": changed,
            "before": jsonable({name: before[name] for name in changed}),
            "after": jsonable({name: getattr(row, name) for name in changed}),
            "signed": True,
        },
    )
    return changed


# --- REMS form rules ------------------------------------------------------------------------


@transaction.atomic
def rems_rules_ensure(*, organization: Organization) -> list[RemsFormRule]:
    """Give the clinic each default REMS form rule it has never had; return the new ones.

    Idempotent: a rule of the same name and drug, in use or retired, is left as the clinic
    set it (a retired default stays retired). Written by the system (no actor), audited.
    """
    have = set(RemsFormRule.objects.filter(organization=organization).values_list("name", "drug"))
    created = []
    for spec in DEFAULT_REMS_RULES:
        if (spec["name"], spec["drug"]) in have:
            continue
        rule = RemsFormRule(organization=organization, **spec)
        rule.full_clean()
        rule.save(force_insert=True)
        created.append(rule)
        audit_record(
            action=AuditEvent.Action.CREATE,
            organization=organization,
            object_type=AuditEvent.ObjectType.REMS_FORM_RULE,
            object_id=rule.pk,
            detail={"default": True, "after": jsonable(_rule_values(rule))},
        )
    return created


def _rule_values(rule: RemsFormRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in (*REMS_RULE_FIELDS, "is_active")}


def source_keys_problem(text: str) -> str | None:
    """Return why ``text`` is not a list of source keys ("[36][46]"), or None when it is."""
    stripped = sources.KEY_PATTERN.sub("", text).strip()
    if stripped:
        return _("Write the sources as keys in square brackets, such as [36][46], or [?].")
    for key in sources.keys_in(text):
        if key == "?":
            continue
        try:
            sources.get(key)
        except KeyError:
            return _("[%(key)s] is not a source in the clinical reference.") % {"key": key}
    return None


def _check_rule(rule: RemsFormRule) -> None:
    problems: dict[str, list[str]] = {}
    try:
        rule.full_clean(exclude=["organization"])
    except ValidationError as exc:
        problems.update(exc.message_dict)
    if rule.drug not in Drug.values:
        problems.setdefault("drug", []).append(_("Choose the drug the form is for."))
    keys = source_keys_problem(rule.source_keys)
    if keys:
        problems.setdefault("source_keys", []).append(keys)
    same_name = RemsFormRule.objects.filter(
        organization_id=rule.organization_id, name__iexact=rule.name.strip(), drug=rule.drug
    ).exclude(pk=rule.pk)
    if rule.name.strip() and same_name.exists():
        problems.setdefault("name", []).append(
            _("The clinic already has a rule with this name for this drug: edit that one.")
        )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def rems_rule_create(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> RemsFormRule:
    """Add a REMS form rule (``data``: the ``REMS_RULE_FIELDS``); audited with its values.

    Raises PermissionDenied without ``chart.settings`` in this clinic, ValidationError naming
    the field for a bad value (an unknown drug, a due time outside 1–60 days, a source key
    the clinical reference lacks, a second rule of the same name for the same drug).
    """
    require(actor, "chart.rems_rules")
    require_same_organization(actor, organization.pk)
    rule = RemsFormRule(organization=organization)
    for name in REMS_RULE_FIELDS:
        setattr(rule, name, data.get(name, getattr(rule, name)))
    rule.name = str(rule.name).strip()
    rule.source_keys = str(rule.source_keys or "").strip()
    _check_rule(rule)
    rule.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.REMS_FORM_RULE,
        object_id=rule.pk,
        detail={"after": jsonable(_rule_values(rule))},
    )
    return rule


@transaction.atomic
def rems_rule_update(
    *,
    rule: RemsFormRule,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change a REMS form rule; return the fields changed (none: nothing written).

    Audited with the old and new values. Raises as :func:`rems_rule_create`. Forms already
    owed keep the name and due date they were given.
    """
    require(actor, "chart.rems_rules")
    require_same_organization(actor, rule.organization_id)
    rule = RemsFormRule.objects.select_for_update().get(pk=rule.pk)
    before = _rule_values(rule)
    for name in REMS_RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    rule.name = str(rule.name).strip()
    rule.source_keys = str(rule.source_keys or "").strip()
    _check_rule(rule)
    after = _rule_values(rule)
    changed = [name for name in REMS_RULE_FIELDS if after[name] != before[name]]
    if not changed:
        return []
    rule.save(update_fields=changed)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=rule.organization,
        object_type=AuditEvent.ObjectType.REMS_FORM_RULE,
        object_id=rule.pk,
        detail={
            "fields": changed,
            "before": jsonable({n: before[n] for n in changed}),
            "after": jsonable({n: after[n] for n in changed}),
        },
    )
    return changed


@transaction.atomic
def rems_rule_set_active(
    *,
    rule: RemsFormRule,
    actor: User,
    active: bool,
    context: AuditContext = NO_REQUEST,
) -> bool:
    """Retire a REMS form rule (``active`` False) or put it back in use; return whether it
    changed. A retired rule asks for no new forms; forms already owed stay owed. Audited."""
    require(actor, "chart.rems_rules")
    require_same_organization(actor, rule.organization_id)
    rule = RemsFormRule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active == active:
        return False
    rule.is_active = active
    rule.save(update_fields=["is_active"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=rule.organization,
        object_type=AuditEvent.ObjectType.REMS_FORM_RULE,
        object_id=rule.pk,
        detail={
            "fields": ["is_active"],
            "before": {"is_active": not active},
            "after": {"is_active": active},
        },
    )
    return True
