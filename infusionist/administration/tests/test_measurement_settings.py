"""Issue 9: measurement settings on the clinic's own page, clinical ones signed by a physician.

A clinic admin's change to a clinical setting (an alert threshold, the escalation time, an
outcome definition, the questionnaires sent) becomes a proposal that a physician signs with
their password where dosing proposals are signed (so does the licensed C-SSRS wording,
docs/decisions/0018); the schedule and reminders change at once. Every change is audited
with old and new values, and bad input is answered beside its field with everything typed
kept (docs/decisions/0010).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.measurements import selectors as measurement_selectors
from infusionist.measurements.models import MeasurementSettings, QuestionnaireResponse, SafetyAlert
from infusionist.measurements.services import (
    MEASUREMENT_SETTINGS_FIELDS,
    questionnaire_response_submit,
)
from infusionist.test import PASSWORD
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import ClinicalChangeProposal

PAGE = "administration:measurement_settings"
TARGET = ClinicalChangeProposal.Target.MEASUREMENT_SETTINGS
PHQ9_ITEM9_ONE = {f"q{i}": 0 for i in range(1, 9)} | {"q9": 1}


def settings_post(**changes: object) -> dict[str, object]:
    """Return the page's form as posted with the documented defaults and ``changes``."""
    defaults = MeasurementSettings()
    data: dict[str, object] = {
        name: getattr(defaults, name) for name in MEASUREMENT_SETTINGS_FIELDS
    }
    data.update(changes)
    return data


def propose(cast: Any, **data: object) -> ClinicalChangeProposal:
    proposal = treatment_services.clinical_change_propose(
        organization=cast.org,
        actor=cast.admin,
        target=TARGET,
        data=data,
        reason="Fictional: the clinic reviewed this setting.",
    )
    assert proposal is not None
    return proposal


def stored(cast: Any) -> MeasurementSettings:
    return measurement_selectors.measurement_settings_for(organization=cast.org)


def field_block(html: str, name: str) -> str:
    """Return the HTML of one setting's block on the page (its box, default, errors)."""
    start = (
        rf'<div class="field setting[^"]*"[^>]*>\s*'
        rf'<(?:label for="id_{name}"|p class="label" id="id_{name}_label")>'
    )
    match = re.search(start + r".*?(?=<div class=\"field|</fieldset>)", html, re.S)
    assert match, name
    return match.group(0)


def test_the_page_shows_every_setting_with_its_default_sources_and_range(client, cast) -> None:
    client.force_login(cast.admin)
    html = client.get(reverse(PAGE)).content.decode()
    for heading in ("Outcome definitions", "Suicidality safety", "Questionnaire schedule",
                    "Reminders", "C-SSRS wording"):  # fmt: skip
        assert f"<legend>{heading}</legend>" in html
    for name in MEASUREMENT_SETTINGS_FIELDS:
        shown = f"{name}_phq9" if name == "instrument_min_interval_days" else name
        assert f'name="{shown}"' in html
    item9 = field_block(html, "phq9_item9_alert_at_least")
    assert "PHQ-9 item 9: alert at or above" in item9
    assert 'value="1"' in item9 and "Documented default: <strong>1</strong>" in item9
    assert "allowed 1–3" in item9 and 'href="/reference/#source-63"' in item9
    assert "clinical</span>" in item9 and "Clinical: a change waits" in item9
    reminders = field_block(html, "max_reminders")
    assert 'href="/reference/#source-99"' in reminders and "clinical</span>" not in reminders
    assert "market-reference" not in html
    assert "[no published source]" in field_block(html, "safety_escalation_minutes")
    # Instruments are ticked and given days by name, never typed as codes.
    intervals = field_block(html, "instrument_min_interval_days")
    assert "PHQ-9 14 days, PHQ-2 14 days" in intervals and "phq9:" not in intervals
    assert "BPI-SF 1 day," in intervals and "1 days" not in intervals
    assert 'name="instrument_min_interval_days_pcl5"' in intervals
    assert "days (default 30)" in intervals
    scheduled = field_block(html, "scheduled_instruments")
    assert 'type="checkbox" name="scheduled_instruments" value="phq9"' in scheduled
    assert "checked" in scheduled.split('value="phq9"')[1].split(">")[0]
    assert "Patient Health Questionnaire-9 (PHQ-9)" in scheduled and "phq9,gad7" not in scheduled
    assert 'name="change_reason"' in html


def test_it_is_reachable_from_the_protocols_and_reference_pages(client, cast) -> None:
    for user in (cast.admin, cast.physician):
        client.force_login(user)
        for page in ("treatment:protocol_list", "reference:index"):
            assert reverse(PAGE) in client.get(reverse(page)).content.decode()
    client.force_login(cast.nurse)
    assert reverse(PAGE) not in client.get(reverse("treatment:protocol_list")).content.decode()


def test_the_admins_clinical_change_waits_for_a_physicians_signature(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse(PAGE),
        settings_post(
            phq9_item9_alert_at_least=2,
            max_reminders=2,
            change_reason="Item 9 = 1 is followed up at every visit.",
        ),
        follow=True,
    )
    html = response.content.decode()
    assert "Your change to PHQ-9 item 9: alert at or above waits for a physician&#x27;s" in html
    assert "Measurement settings saved." in html
    # The reminder count applied at once; the threshold waits.
    assert stored(cast).max_reminders == 2
    assert stored(cast).phq9_item9_alert_at_least == 1
    proposal = ClinicalChangeProposal.objects.get()
    assert (proposal.target, proposal.protocol, proposal.proposed_by) == (TARGET, None, cast.admin)
    assert proposal.changes == {"phq9_item9_alert_at_least": {"before": 1, "after": 2}}
    assert proposal.reason == "Item 9 = 1 is followed up at every visit."
    # The page shows the pending value beside the field, linked to the proposal.
    proposal_url = reverse("treatment:change_proposal", args=[proposal.pk])
    block = field_block(html, "phq9_item9_alert_at_least")
    assert "Waiting for a physician's signature: <strong>2</strong>" in block
    assert proposal_url in block
    created = AuditEvent.objects.get(object_type="measurement_settings", action="create")
    assert created.actor == cast.admin
    assert created.detail == {
        "proposal": proposal.pk,
        "status": "pending",
        "fields": ["phq9_item9_alert_at_least"],
        "before": {"phq9_item9_alert_at_least": 1},
        "after": {"phq9_item9_alert_at_least": 2},
        "reason": "Item 9 = 1 is followed up at every visit.",
    }
    applied = AuditEvent.objects.get(object_type="measurement_settings", action="update")
    assert applied.detail["fields"] == ["max_reminders"] and "signed_by" not in applied.detail

    # Listed where physicians sign dosing proposals; the admin cannot sign it.
    protocols = client.get(reverse("treatment:protocol_list")).content.decode()
    assert "Measurement settings: 1" in protocols and proposal_url in protocols
    page = client.get(proposal_url).content.decode()
    assert "Proposed change to clinical limits: Measurement settings" in page
    assert "PHQ-9 item 9: alert at or above" in page and "<strong>2</strong>" in page
    assert "[63] [51] [65]" in page and "Back to the measurement settings" in page
    assert 'name="password"' not in page
    approve = reverse("treatment:change_proposal_approve", args=[proposal.pk])
    assert client.post(approve, {"password": PASSWORD}).status_code == 403
    with pytest.raises(PermissionDenied):
        treatment_services.clinical_change_approve(
            proposal=proposal, signer=cast.admin, password=PASSWORD
        )

    client.force_login(cast.physician)
    response = client.post(approve, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse(PAGE)
    assert stored(cast).phq9_item9_alert_at_least == 2
    assert stored(cast).updated_by == cast.physician
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("approved", cast.physician)
    signed = AuditEvent.objects.get(
        object_type="measurement_settings", action="update", actor=cast.physician
    )
    assert signed.detail == {
        "fields": ["phq9_item9_alert_at_least"],
        "before": {"phq9_item9_alert_at_least": 1},
        "after": {"phq9_item9_alert_at_least": 2},
        "clinical_fields": ["phq9_item9_alert_at_least"],
        "signed_by": cast.physician.pk,
        "proposal": proposal.pk,
        "proposed_by": cast.admin.pk,
    }
    # The signed threshold applies: an item 9 answer of 1 no longer raises an alert, 2 does.
    html = client.get(reverse("reference:index")).content.decode()
    assert "PHQ-9 item 9: alert at or above</dt><dd>2" in html
    questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers=PHQ9_ITEM9_ONE,
        source=QuestionnaireResponse.Source.PATIENT_LINK,
    )
    assert not SafetyAlert.objects.exists()
    questionnaire_response_submit(
        patient=cast.other_patient,
        instrument_code="phq9",
        answers=PHQ9_ITEM9_ONE | {"q9": 2},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
    )
    assert SafetyAlert.objects.filter(patient=cast.other_patient).count() == 1


def test_a_physicians_own_change_applies_at_once(client, cast) -> None:
    client.force_login(cast.physician)
    page = client.get(reverse(PAGE)).content.decode()
    assert "Clinical: a change waits" not in page and 'name="change_reason"' not in page
    assert "the audit trail records you as their signer" in page
    response = client.post(
        reverse(PAGE),
        settings_post(cssrs_alert_at_least_risk_level=1, safety_escalation_minutes=30),
    )
    assert response.status_code == 302
    assert (
        stored(cast).cssrs_alert_at_least_risk_level,
        stored(cast).safety_escalation_minutes,
    ) == (
        1,
        30,
    )
    event = AuditEvent.objects.get(object_type="measurement_settings", action="update")
    assert event.detail["clinical_fields"] == [
        "cssrs_alert_at_least_risk_level",
        "safety_escalation_minutes",
    ]
    assert event.detail["signed_by"] == cast.physician.pk
    assert event.detail["before"] == {
        "cssrs_alert_at_least_risk_level": 2,
        "safety_escalation_minutes": 60,
    }
    assert not ClinicalChangeProposal.objects.exists()


def test_saving_nothing_new_says_so(client, cast) -> None:
    client.force_login(cast.admin)
    html = client.post(reverse(PAGE), settings_post(), follow=True).content.decode()
    assert "Nothing was changed." in html
    assert not AuditEvent.objects.filter(object_type="measurement_settings").exists()


def test_an_admins_non_clinical_only_edit_makes_no_proposal(client, cast) -> None:
    client.force_login(cast.admin)
    client.post(reverse(PAGE), settings_post(induction_interval_days=10, checkin_local_hour=10))
    assert (stored(cast).induction_interval_days, stored(cast).checkin_local_hour) == (10, 10)
    assert not ClinicalChangeProposal.objects.exists()


def test_a_physician_rejects_a_measurement_proposal(client, cast) -> None:
    proposal = propose(cast, safety_escalation_minutes=240)
    client.force_login(cast.physician)
    response = client.post(
        reverse("treatment:change_proposal_reject", args=[proposal.pk]),
        {"note": "Four hours is too long for an open item 9 alert."},
    )
    assert response.status_code == 302 and response["Location"] == reverse(PAGE)
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert stored(cast).safety_escalation_minutes == 60
    event = AuditEvent.objects.get(object_type="measurement_settings", action="update")
    assert event.detail == {
        "proposal": proposal.pk,
        "status": "rejected",
        "fields": ["safety_escalation_minutes"],
        "note": "Four hours is too long for an open item 9 alert.",
    }
    assert "Waiting for a physician" not in client.get(reverse(PAGE)).content.decode()


def test_a_stale_measurement_proposal_cannot_be_signed(client, cast) -> None:
    proposal = propose(cast, remission_max_phq9=5)
    treatment_services.clinical_limits_edit(
        reason="Fictional test: the clinic reviewed this limit.",
        target=TARGET,
        organization=cast.org,
        actor=cast.physician,
        data={"remission_max_phq9": 3},
    )
    with pytest.raises(treatment_services.SigningError, match="highest PHQ-9 score changed after"):
        treatment_services.clinical_change_approve(
            proposal=proposal, signer=cast.physician, password=PASSWORD
        )
    client.force_login(cast.physician)
    html = client.post(
        reverse("treatment:change_proposal_approve", args=[proposal.pk]), {"password": PASSWORD}
    ).content.decode()
    assert "changed after this proposal was made" in html
    assert stored(cast).remission_max_phq9 == 3
    proposal.refresh_from_db()
    assert proposal.is_pending


def test_a_wrong_password_signs_nothing_and_is_audited(client, cast) -> None:
    proposal = propose(cast, scheduled_instruments="phq9,gad7,pcl5")
    client.force_login(cast.physician)
    response = client.post(
        reverse("treatment:change_proposal_approve", args=[proposal.pk]), {"password": "nope"}
    )
    assert "The password is not correct" in response.content.decode()
    assert stored(cast).scheduled_instruments == "phq9,gad7"
    denied = AuditEvent.objects.get(actor=cast.physician, outcome="denied")
    assert denied.object_type == "measurement_settings"
    assert denied.detail == {"proposal": proposal.pk, "reason": "password"}


def test_a_proposal_that_cannot_be_saved_is_refused_when_proposed(cast) -> None:
    for data in (
        {"phq9_item9_alert_at_least": 4},
        {"scheduled_instruments": "phq9,unknown"},
        {"safety_escalation_minutes": 2},
    ):
        with pytest.raises(ValidationError):
            propose(cast, **data)
    with pytest.raises(ValueError, match="Not clinical fields of this measurement_settings"):
        propose(cast, max_reminders=1)
    with pytest.raises(PermissionDenied):
        treatment_services.clinical_change_propose(
            reason="Fictional test: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.nurse,
            target=TARGET,
            data={"remission_max_phq9": 5},
        )
    assert not ClinicalChangeProposal.objects.exists()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("phq9_item9_alert_at_least", "0", "Enter a whole number from 1 to 3."),
        ("phq9_item9_alert_at_least", "4", "Enter a whole number from 1 to 3."),
        ("phq9_item9_alert_at_least", "one", "Enter a whole number from 1 to 3."),
        ("cssrs_alert_at_least_risk_level", "3", "Enter a whole number from 1 to 2."),
        ("safety_escalation_minutes", "", "Enter a whole number from 5 to 1440."),
        ("checkin_local_hour", "24", "Enter a whole number from 0 to 23."),
        # A client posting the stored form is still checked by the model.
        ("instrument_min_interval_days", "phq9=7", "Write each entry as code:days"),
        ("instrument_min_interval_days", "phq9:120", "from 0 to 90"),
        ("instrument_min_interval_days", "gad7:7, gad7:3", "gad7 is listed twice."),
        ("instrument_min_interval_days", "phq99:7", "phq99 is not a known instrument."),
        # The page's own boxes: named by instrument.
        ("instrument_min_interval_days_phq9", "120", "PHQ-9: enter a whole number of days"),
        ("instrument_min_interval_days_gad7", "-1", "GAD-7: enter a whole number of days"),
        ("instrument_min_interval_days_pcl5", "7.5", "PCL-5: enter a whole number of days"),
        ("instrument_min_interval_days_phq2", "two", "PHQ-2: enter a whole number of days"),
        ("scheduled_instruments", "phq9, madrs", "madrs is clinician-administered"),
        ("scheduled_instruments", "phq9,xyz", "xyz is not a known instrument."),
        ("scheduled_instruments", "", "Tick at least one instrument to send on schedule."),
    ],
)
@pytest.mark.parametrize("role", ["admin", "physician"])
def test_bad_input_is_answered_beside_its_field_and_nothing_typed_is_lost(
    client, cast, role, field, typed, message
) -> None:
    client.force_login(getattr(cast, role))
    data = settings_post(**{field: typed}, max_reminders=1, remission_max_madrs=12)
    data["change_reason"] = "Kept when refused."
    response = client.post(reverse(PAGE), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the highlighted fields. Everything you typed is kept." in html
    name = field
    if field.startswith("instrument_min_interval_days_"):
        name = "instrument_min_interval_days"
    block = field_block(html, name)
    assert "has-error" in block and message in block
    if field == "instrument_min_interval_days":  # the stored form: each day in its box
        typed = {"phq9:120": "120", "gad7:7, gad7:3": "7"}.get(typed, "")
    assert f'value="{typed}"' in block or typed == "" or name == "scheduled_instruments"
    assert 'value="1"' in field_block(html, "max_reminders")
    assert 'value="12"' in field_block(html, "remission_max_madrs")
    assert "In use: <strong>" in block
    if role == "admin":
        assert "Kept when refused." in html
    assert not MeasurementSettings.objects.filter(organization=cast.org).exists()
    assert not ClinicalChangeProposal.objects.exists()


def test_the_dosing_page_lists_only_dosing_proposals(client, cast) -> None:
    proposal = propose(cast, remission_max_phq9=5)
    client.force_login(cast.physician)
    html = client.get(reverse("treatment:dosing_settings_edit")).content.decode()
    assert reverse("treatment:change_proposal", args=[proposal.pk]) not in html
    html = client.get(reverse(PAGE)).content.decode()
    assert reverse("treatment:change_proposal", args=[proposal.pk]) in html


@pytest.mark.parametrize(
    "name",
    [
        "treatment:change_proposal",
        "treatment:change_proposal_approve",
        "treatment:change_proposal_reject",
    ],
)
def test_another_clinics_measurement_proposal_answers_404(client, cast, name) -> None:
    proposal = treatment_services.clinical_change_propose(
        reason="Fictional test: the clinic reviewed this limit.",
        organization=cast.other_org,
        actor=cast.outsider,
        target=TARGET,
        data={"phq9_item9_alert_at_least": 3},
    )
    assert proposal is not None
    client.force_login(cast.physician)
    url = reverse(name, args=[proposal.pk])
    response = client.get(url) if name == "treatment:change_proposal" else client.post(url)
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.is_pending


@pytest.mark.parametrize("pending", [1, 3])
def test_the_page_costs_the_same_queries_however_many_proposals_wait(
    client, cast, pending, django_assert_num_queries
) -> None:
    for i in range(pending):
        propose(cast, remission_max_madrs=11 + i)
    client.force_login(cast.admin)
    client.get(reverse(PAGE))
    # 1 session, 2 user (+organization), 3 pending change proposals (+protocol, proposer),
    # 4 measurement settings, 5 savepoint, 6 session save, 7 release savepoint
    with django_assert_num_queries(7):
        html = client.get(reverse(PAGE)).content.decode()
    assert html.count("Waiting for a physician's signature:") == pending


def test_the_cssrs_entry_page_points_to_the_settings_page_not_the_django_admin(
    client, cast
) -> None:
    url = reverse("measurements:enter", args=[cast.patient.pk, "cssrs_screener"])
    client.force_login(cast.physician)
    html = client.get(url).content.decode()
    assert "Django admin" not in html
    assert f'href="{reverse(PAGE)}#id_cssrs_licensed_wording"' in html
    client.force_login(cast.nurse)
    html = client.get(url).content.decode()
    assert "Django admin" not in html and reverse(PAGE) not in html
    assert "a physician or the clinic admin paste the wording" in html
