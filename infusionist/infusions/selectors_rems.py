"""Reads of the REMS forms a clinic owes, and what a form is prefilled with from its visit.

The Spravato REMS asks for a Patient Monitoring Form within 7 days of every outpatient
esketamine session [36][46][47]; which forms and when is the clinic's ``RemsFormRule`` data.
Every read is scoped to the acting user's organization.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from infusionist.clinics.models import Organization
from infusionist.infusions.models import (
    AdministrationEvent,
    ChartSettings,
    Rating,
    RemsForm,
    Visit,
    VitalSign,
)
from infusionist.infusions.selectors import baseline_vital, chart_settings_for, visit_zone
from infusionist.intake.selectors import intake_snapshot
from infusionist.lib import medications

__all__ = [
    "REMS_DUE_SOON_DAYS",
    "REMS_THIRD_BP_AFTER_MIN",
    "rems_form_get_for_user",
    "rems_forms_due",
    "rems_forms_due_soon_count",
    "rems_forms_submitted_recently",
    "rems_prefill",
]

#: Today lists forms due within this many days, and the overdue ones.
REMS_DUE_SOON_DAYS = 2

#: The REMS asks for a blood pressure about 40 minutes after the first device [18][36].
REMS_THIRD_BP_AFTER_MIN = 40

#: Medicines the form asks about: sedating ones (benzodiazepines, opioids, other CNS
#: depressants [22]) and ones that can raise blood pressure (psychostimulants, MAOIs
#: [27][36]).
SEDATING = (
    frozenset(medications.DIAZEPAM_10_MG_EQUIVALENT_MG)
    | medications.OPIOIDS
    | medications.OTHER_CNS_DEPRESSANTS
)
RAISES_BP = medications.STIMULANTS | medications.MAOIS


def _forms(organization: Organization) -> QuerySet[RemsForm]:
    return RemsForm.objects.filter(visit__organization=organization).select_related(
        "visit", "visit__patient", "visit__location"
    )


def rems_forms_due(*, organization: Organization) -> list[RemsForm]:
    """Return the clinic's REMS forms not yet submitted, earliest due first (one query)."""
    return list(_forms(organization).filter(submitted_at__isnull=True).order_by("due_on", "id"))


def rems_forms_submitted_recently(*, organization: Organization, limit: int = 10) -> list[RemsForm]:
    """Return the clinic's last ``limit`` submitted REMS forms, newest first (one query)."""
    return list(
        _forms(organization)
        .filter(submitted_at__isnull=False)
        .select_related("submitted_by")
        .order_by("-submitted_at", "-id")[:limit]
    )


def rems_forms_due_soon_count(*, organization: Organization, today: dt.date) -> int:
    """Return how many unsubmitted forms are overdue or due within 2 days of ``today``."""
    return RemsForm.objects.filter(
        visit__organization=organization,
        submitted_at__isnull=True,
        due_on__lte=today + dt.timedelta(days=REMS_DUE_SOON_DAYS),
    ).count()


def rems_form_get_for_user(*, user: Any, form_id: object) -> RemsForm:
    """Return the REMS form of the user's organization, or raise Http404 (also for a bad id)."""
    try:
        pk = int(str(form_id))
    except (TypeError, ValueError) as error:
        raise Http404("No such form.") from error
    form = (
        RemsForm.objects.filter(pk=pk, visit__organization_id=user.organization_id)
        .select_related(
            "visit", "visit__patient", "visit__location", "rule", "submitted_by", "visit__nurse"
        )
        .first()
    )
    if form is None:
        raise Http404("No such form.")
    return form


def _matching(names: list[str], wanted: frozenset[str]) -> list[str]:
    return [name for name in names if set(medications.generic_names(name)) & wanted]


def _bp(vital: VitalSign | None) -> tuple[int | None, int | None]:
    if vital is None:
        return None, None
    return vital.systolic_mmhg, vital.diastolic_mmhg


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _dose_choice(mg: Decimal | None) -> tuple[str, Decimal | None]:
    if mg is None:
        return "", None
    if mg == Decimal("56"):
        return "56", None
    if mg == Decimal("84"):
        return "84", None
    return "other", mg


def rems_prefill(*, visit: Visit) -> dict[str, Any]:
    """Return the Patient Monitoring Form's values as the chart holds them [36].

    Keys are the form's fields (``forms_rems.RemsMonitoringForm``); a value the chart cannot
    give is "" or None and the clinician fills it. The medicines come from the patient's
    intake (names matched to the sedating and blood-pressure classes of ``lib.medications``);
    the dose from the devices given (28 mg each [18]); the minutes from the first device to
    the end of monitoring (ready for discharge, else discharged); the three blood pressures:
    the baseline, the reading nearest 40 min after the first device, the last before leaving.
    """
    zone = visit_zone(visit)
    settings: ChartSettings = chart_settings_for(organization=visit.organization)
    snapshot = intake_snapshot(patient=visit.patient)
    names = [m.name for m in snapshot.facts.medications] if snapshot else []
    events = list(visit.administration.all())
    devices = [e for e in events if e.kind == AdministrationEvent.Kind.DOSE]
    given = sum((Decimal(e.dose_mg or 0) for e in devices), Decimal("0"))
    dose_mg = visit.delivered_mg if visit.delivered_mg is not None else (given or None)
    choice, other = _dose_choice(Decimal(dose_mg) if dose_mg is not None else None)
    first = devices[0].at if devices else visit.infusion_started_at
    ended = visit.ready_at or visit.discharged_at
    minutes = int((ended - first).total_seconds() // 60) if first and ended else None
    vitals = [v for v in visit.vitals.all() if v.systolic_mmhg is not None]
    baseline = baseline_vital(visit=visit)
    after = [v for v in vitals if v.stage != VitalSign.Stage.BASELINE]
    third = None
    if first is not None and after:
        target = first + dt.timedelta(minutes=REMS_THIRD_BP_AFTER_MIN)
        third = min(after, key=lambda v: abs((v.measured_at - target).total_seconds()))
    leaving = after[-1] if after else None
    before_ok = None
    if baseline is not None:
        before_ok = (baseline.systolic_mmhg or 0) <= settings.pre_systolic_max_mmhg and (
            baseline.diastolic_mmhg or 0
        ) <= settings.pre_diastolic_max_mmhg
    after_ok = None
    for criterion in (visit.discharge_snapshot or {}).get("criteria", []):
        if criterion.get("code") == "vitals":
            after_ok = bool(criterion.get("met"))
    ratings = list(visit.ratings.all())
    moaas = [r.score for r in ratings if r.scale == Rating.Scale.MOAAS]
    cadss = [r.score for r in ratings if r.scale == Rating.Scale.CADSS]
    all_vitals = list(visit.vitals.all())
    low_spo2 = any(
        v.spo2_pct is not None and v.spo2_pct < settings.spo2_min_pct for v in all_vitals
    )
    low_rr = any(
        v.respiratory_rate_per_min is not None
        and v.respiratory_rate_per_min < settings.respiratory_rate_min_per_min
        for v in all_vitals
    )
    effects = [
        f"{e.get_kind_display()} ({e.get_severity_display().lower()})"
        + (f": {e.note}" if e.note else "")
        for e in visit.side_effects.all()
    ]
    could_leave = visit.ready_at or visit.discharged_at
    return {
        "sedating_drugs": ", ".join(_matching(names, SEDATING)) or ("None" if snapshot else ""),
        "bp_drugs": ", ".join(_matching(names, RAISES_BP)) or ("None" if snapshot else ""),
        "dose_choice": choice,
        "dose_other_mg": other,
        "lot_number": visit.lot_number,
        "monitoring_min": minutes,
        "could_leave_at": timezone.localtime(could_leave, zone).time().replace(second=0)
        if could_leave
        else None,
        "vitals_ok_before": _yes_no(before_ok),
        "vitals_ok_after": _yes_no(after_ok),
        "bp_before_systolic": _bp(baseline)[0],
        "bp_before_diastolic": _bp(baseline)[1],
        "bp_40_systolic": _bp(third)[0],
        "bp_40_diastolic": _bp(third)[1],
        "bp_leaving_systolic": _bp(leaving)[0],
        "bp_leaving_diastolic": _bp(leaving)[1],
        "sedation": _yes_no(any(score < 5 for score in moaas) if moaas else None),
        "sedation_moaas_lowest": min(moaas) if moaas else None,
        "dissociation": _yes_no(any(score > 0 for score in cadss) if cadss else None),
        "dissociation_cadss_highest": max(cadss) if cadss else None,
        "respiratory_depression": _yes_no(low_spo2 or low_rr) if all_vitals else "",
        "adverse_events": "; ".join(effects) or "None",
    }
