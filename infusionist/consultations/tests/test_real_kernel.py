"""The review and the decision with the real eligibility rules (``lib/eligibility.py``)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from infusionist.accounts.signing import SigningError
from infusionist.consultations import selectors, services
from infusionist.consultations.models import EligibilityDecision
from infusionist.consultations.tests.factories import answers, packet_save
from infusionist.lib import eligibility
from infusionist.patients.models import Patient
from infusionist.test import PASSWORD


@pytest.fixture(autouse=True)
def kernel() -> None:
    """Use the real kernel here (overrides the stand-in of conftest.py)."""
    assert eligibility.evaluate.__module__ == "infusionist.lib.eligibility"


def _sign(cast, outcome="approved", **overrides):
    return services.eligibility_decision_sign(
        patient=cast.patient,
        signer=cast.physician,
        outcome=outcome,
        note="Seen by video; history and medicines reviewed.",
        password=PASSWORD,
        attested=True,
        overrides=overrides,
    )


def test_a_high_benzodiazepine_load_and_blood_pressure_need_reasons_to_approve(cast) -> None:
    packet_save(cast.patient, answers(systolic_mmhg=150, medications=(("lorazepam", 1, 2),)))
    with pytest.raises(SigningError, match="reason for overriding"):
        _sign(cast, blood_pressure_above_limit="Home readings 128/80 all week; white coat.")
    decision = _sign(
        cast,
        blood_pressure_above_limit="Home readings 128/80 all week; white coat.",
        benzodiazepine_load_above_limit="Taper agreed: no lorazepam 24 hours before sessions.",
    )
    assert set(decision.overrides) == {
        "blood_pressure_above_limit",
        "benzodiazepine_load_above_limit",
    }
    assert decision.diazepam_equivalent_mg_per_day == 20
    assert len(decision.checklist) == len(eligibility.evaluate(eligibility.IntakeFacts()).checks)


def test_active_psychosis_cannot_be_approved(cast) -> None:
    packet_save(cast.patient, answers(conditions=("psychosis_active",)))
    with pytest.raises(SigningError, match="Hard stop"):
        _sign(cast)
    assert _sign(cast, "declined").outcome == "declined"


def test_the_review_page_cites_every_rules_sources(client, cast) -> None:
    packet_save(cast.patient, answers(medications=(("lorazepam", 1, 2),)))
    client.force_login(cast.physician)
    html = client.get(reverse("consultations:review", args=[cast.patient.pk])).content.decode()
    assert 'href="/reference/#source-32"' in html and "no published source" in html
    assert "lorazepam" in html and "diazepam_equivalent_mg_per_day</code> = 20" in html


def test_the_demo_has_a_waiting_patient_and_an_approved_one(db) -> None:
    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    # The consultations demo approves one patient; the chart demo approves its own patients.
    decisions = list(EligibilityDecision.objects.order_by("id"))
    assert decisions and all(d.outcome == "approved" and d.version == 1 for d in decisions)
    approved = decisions[0]
    assert selectors.eligibility_status(patient=approved.patient).approved_and_current
    physician = approved.signed_by
    section = selectors.today_section(user=physician)
    assert section is not None and len(section.waiting) == 1
    waiting = Patient.objects.get(pk=section.waiting[0].patient_id)
    assert waiting.consultations.get().modality == "telehealth_video"
