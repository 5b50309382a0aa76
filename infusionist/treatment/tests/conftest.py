from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from infusionist.test import PASSWORD, Cast
from infusionist.treatment import services
from infusionist.treatment.models import Protocol, TreatmentPlanVersion


@pytest.fixture
def protocols(cast: Cast) -> dict[str, Protocol]:
    services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    services.protocols_create_defaults(organization=cast.other_org, actor=cast.outsider)
    return {p.key: p for p in Protocol.objects.filter(organization=cast.org)}


@pytest.fixture
def depression(protocols: dict[str, Protocol]) -> Protocol:
    return protocols["depression-iv-induction"]


#: A first session date that is always ahead (a plan's start may not be in the past): the
#: next 2 March, fixed within a run so tests can name it.
FIRST_SESSION_ON = next(
    dt.date(year, 3, 2) for year in range(2026, 2100) if dt.date(year, 3, 2) >= timezone.localdate()
)


def plan_data(protocol: Protocol, **changes: Any) -> dict[str, Any]:
    """Return service input for the worked example: 70 kg × 0.5 mg/kg over 40 min."""
    data: dict[str, Any] = {
        "protocol": protocol,
        "indication": protocol.indication,
        "phase": "induction",
        "planned_sessions": 6,
        "sessions_per_week": Decimal("3"),
        "planned_start_date": FIRST_SESSION_ON,
        "dose_mg_per_kg": Decimal("0.5"),
        "dose_mg": None,
        "dose_mg_per_kg_per_h": None,
        "dose_mg_per_h": None,
        "duration_min": 40,
        "weight_kg": Decimal("70"),
        "height_cm": Decimal("170"),
        "sex": "female",
        "weight_basis": "actual",
        "vial_mg_per_ml": Decimal("10"),
        "bag_volume_ml": Decimal("100"),
        "withdraw_equal_volume": False,
        "rationale": "",
    }
    data.update(changes)
    return data


def form_data(protocol: Protocol, **changes: Any) -> dict[str, str]:
    """Return the plan form's POST data for the worked example."""
    data = plan_data(protocol, **changes)
    out: dict[str, str] = {}
    for key, value in data.items():
        if key == "protocol":
            out[key] = str(value.pk)
        elif value is None:
            out[key] = ""
        elif isinstance(value, bool):
            if value:
                out[key] = "on"
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


def plan_spec(protocol: Protocol, **changes: Any) -> services.PlanVersionSpec:
    """Return the worked example as the typed input of a draft version."""
    return services.PlanVersionSpec.from_values(plan_data(protocol, **changes))


@pytest.fixture
def draft(cast: Cast, depression: Protocol) -> TreatmentPlanVersion:
    return services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(depression)
    )


@pytest.fixture
def signed(cast: Cast, draft: TreatmentPlanVersion) -> TreatmentPlanVersion:
    return services.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )
