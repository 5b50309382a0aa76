"""REMS forms: the list of forms due, prefilling, saving, submitting, Today's count, access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.infusions import selectors_rems, services_rems
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import (
    AdministrationEvent,
    Rating,
    RemsForm,
    RemsFormRule,
    SideEffect,
    VitalSign,
)
from infusionist.infusions.tests.factories import ready_visit
from infusionist.test import PASSWORD, TOTP_SECRET, clinic_today

FORM_NAME = "Spravato REMS Patient Monitoring Form"

GOOD = {
    "sedating_drugs": "None",
    "bp_drugs": "None",
    "dose_choice": "56",
    "dose_other_mg": "",
    "lot_number": "SPV-0042",
    "monitoring_min": "125",
    "could_leave_at": "11:35",
    "vitals_ok_before": "yes",
    "vitals_ok_after": "yes",
    "bp_before_systolic": "126",
    "bp_before_diastolic": "80",
    "bp_40_systolic": "138",
    "bp_40_diastolic": "86",
    "bp_leaving_systolic": "124",
    "bp_leaving_diastolic": "78",
    "sedation": "no",
    "sedation_moaas_lowest": "5",
    "dissociation": "yes",
    "dissociation_cadss_highest": "9",
    "respiratory_depression": "no",
    "adverse_events": "Mild nausea",
}


@pytest.fixture
def ready(cast):
    return ready_visit(cast, kind="esketamine_session")


def owe(visit, *, due_in_days: int = 7) -> RemsForm:
    rule, _created = RemsFormRule.objects.get_or_create(
        organization=visit.organization,
        drug="esketamine",
        defaults={"name": FORM_NAME, "source_keys": "[36][46][47]"},
    )
    return RemsForm.objects.create(
        visit=visit,
        rule=rule,
        name=rule.name,
        due_on=clinic_today() + dt.timedelta(days=due_in_days),
    )


def form_url(form: RemsForm, action: str = "") -> str:
    name = f"infusions:rems_form_{action}" if action else "infusions:rems_form"
    return reverse(name, args=[form.pk])


def test_the_list_shows_forms_due_with_the_overdue_highlighted(client, cast, ready) -> None:
    late = owe(ready.visit, due_in_days=-2)
    client.force_login(cast.nurse)
    response = client.get(reverse("infusions:rems_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert cast.patient.display_name in html
    assert "overdue by 2 days" in html
    assert 'class="row-danger"' in html
    assert form_url(late) in html
    listed = AuditEvent.objects.filter(object_type="rems_form", action="view")
    assert listed.filter(patient=cast.patient).exists()


def test_a_submitted_form_leaves_the_due_list(client, cast, ready) -> None:
    form = owe(ready.visit)
    services_rems.rems_form_save(form=form, data={"lot_number": "X"}, by=cast.nurse)
    services_rems.rems_form_submit(
        form=form, submitted_on=clinic_today(), confirmation="FAX-1", by=cast.nurse
    )
    assert selectors_rems.rems_forms_due(organization=cast.org) == []
    client.force_login(cast.nurse)
    html = client.get(reverse("infusions:rems_list")).content.decode()
    assert "No REMS form is waiting." in html
    assert "Recently submitted" in html and "FAX-1" in html


@pytest.mark.parametrize("forms", [1, 4])
def test_the_list_has_a_fixed_query_budget(
    client, cast, ready, forms, django_assert_num_queries
) -> None:
    for _ in range(forms):
        owe(ready.visit)
        RemsFormRule.objects.filter(organization=cast.org).update(drug=f"x{_}")
    client.force_login(cast.physician)
    client.get(reverse("infusions:rems_list"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 forms due (+visit,
    # patient, location), 5 forms submitted, 6 view events naming the patients listed,
    # 7 savepoint, 8 session save, 9 release savepoint
    with django_assert_num_queries(9):
        response = client.get(reverse("infusions:rems_list"))
    assert response.content.decode().count("<td>" + FORM_NAME + "</td>") == forms


def test_the_form_is_prefilled_from_the_visit(cast, ready) -> None:
    visit = ready.visit
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    visit.lot_number = "SPV-LOT-7"
    visit.infusion_started_at = start
    visit.ready_at = start + dt.timedelta(minutes=125)
    visit.discharge_snapshot = {"criteria": [{"code": "vitals", "met": True}]}
    visit.save()
    for minutes in (0, 5):
        AdministrationEvent.objects.create(
            visit=visit,
            kind=AdministrationEvent.Kind.DOSE,
            at=start + dt.timedelta(minutes=minutes),
            dose_mg=Decimal("28"),
        )
    for minutes, stage, bp, spo2 in (
        (-10, VitalSign.Stage.BASELINE, (126, 80), 98),
        (20, VitalSign.Stage.DURING, (150, 92), 97),
        (42, VitalSign.Stage.DURING, (138, 86), 91),
        (120, VitalSign.Stage.AFTER, (124, 78), 98),
    ):
        VitalSign.objects.create(
            visit=visit,
            measured_at=start + dt.timedelta(minutes=minutes),
            stage=stage,
            systolic_mmhg=bp[0],
            diastolic_mmhg=bp[1],
            spo2_pct=spo2,
            fingerprint=f"t{minutes}",
        )
    for scale, score in ((Rating.Scale.MOAAS, 4), (Rating.Scale.MOAAS, 5), (Rating.Scale.CADSS, 9)):
        Rating.objects.create(visit=visit, scale=scale, score=score, at=start)
    SideEffect.objects.create(visit=visit, kind=SideEffect.Kind.NAUSEA, at=start, note="brief")
    values = selectors_rems.rems_prefill(visit=visit)
    assert values["dose_choice"] == "56"
    assert values["lot_number"] == "SPV-LOT-7"
    assert values["monitoring_min"] == 125
    assert (values["bp_before_systolic"], values["bp_before_diastolic"]) == (126, 80)
    # The reading nearest 40 minutes after the first device.
    assert (values["bp_40_systolic"], values["bp_40_diastolic"]) == (138, 86)
    assert (values["bp_leaving_systolic"], values["bp_leaving_diastolic"]) == (124, 78)
    assert values["vitals_ok_before"] == "yes"
    assert values["vitals_ok_after"] == "yes"
    assert values["sedation"] == "yes" and values["sedation_moaas_lowest"] == 4
    assert values["dissociation"] == "yes" and values["dissociation_cadss_highest"] == 9
    assert values["respiratory_depression"] == "yes"  # SpO2 91 % is below 92 %
    assert values["adverse_events"] == "Nausea (mild): brief"
    # The intake's medicines (the test packet's) are matched to the classes the form asks.
    assert values["sedating_drugs"]
    assert values["bp_drugs"]


def test_a_nurse_saves_and_submits_the_form_and_both_are_audited(client, cast, ready) -> None:
    form = owe(ready.visit)
    client.force_login(cast.nurse)
    page = client.get(form_url(form))
    assert page.status_code == 200
    assert "Prefilled from the chart" in page.content.decode()
    response = client.post(form_url(form, "save"), GOOD)
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.data["dose_choice"] == "56"
    assert form.data["could_leave_at"] == "11:35"
    response = client.post(
        form_url(form, "submit"),
        {"submitted_on": clinic_today().isoformat(), "confirmation": "REMS-778812"},
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.submitted_at is not None and form.submitted_by == cast.nurse
    assert form.confirmation == "REMS-778812"
    events = AuditEvent.objects.filter(object_type="rems_form", action="update", object_id=form.pk)
    assert [e.detail["step"] for e in events.order_by("id")] == ["data_saved", "submitted"]
    assert events.get(detail__step="submitted").detail["after"]["confirmation"] == "REMS-778812"
    html = client.get(form_url(form)).content.decode()
    assert "Submitted" in html and "REMS-778812" in html
    assert "Save the form" not in html  # a submitted form never changes


def test_bad_values_are_shown_beside_their_fields_and_nothing_typed_is_lost(
    client, cast, ready
) -> None:
    form = owe(ready.visit)
    client.force_login(cast.nurse)
    bad = GOOD | {"bp_40_diastolic": "190", "dose_choice": "other", "lot_number": "LOT-KEEP"}
    response = client.post(form_url(form, "save"), bad)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter the dose in mg" in html
    assert 'value="LOT-KEEP"' in html
    assert 'id="id_bp_40_diastolic_error"' in html
    form.refresh_from_db()
    assert form.data == {}


def test_submission_needs_saved_data_a_sensible_date_and_a_reference(cast, ready) -> None:
    form = owe(ready.visit)
    with pytest.raises(ChartError, match="save the form"):
        services_rems.rems_form_submit(
            form=form, submitted_on=clinic_today(), confirmation="X", by=cast.nurse
        )
    services_rems.rems_form_save(form=form, data={"lot_number": "L"}, by=cast.nurse)
    with pytest.raises(ChartError, match="future"):
        services_rems.rems_form_submit(
            form=form,
            submitted_on=clinic_today() + dt.timedelta(days=3),
            confirmation="X",
            by=cast.nurse,
        )
    with pytest.raises(ChartError, match="before the session"):
        services_rems.rems_form_submit(
            form=form,
            submitted_on=clinic_today() - dt.timedelta(days=3),
            confirmation="X",
            by=cast.nurse,
        )
    with pytest.raises(ChartError, match="confirmation"):
        services_rems.rems_form_submit(
            form=form, submitted_on=clinic_today(), confirmation="  ", by=cast.nurse
        )
    services_rems.rems_form_submit(
        form=form, submitted_on=clinic_today(), confirmation="X-1", by=cast.nurse
    )
    with pytest.raises(ChartError, match="submitted"):
        services_rems.rems_form_save(form=form, data={"lot_number": "M"}, by=cast.nurse)


def test_a_role_that_does_not_chart_cannot_fill_or_submit(client, cast, ready) -> None:
    form = owe(ready.visit)
    with pytest.raises(ChartError):
        services_rems.rems_form_save(form=form, data={"lot_number": "L"}, by=cast.frontdesk)
    client.force_login(cast.frontdesk)
    assert client.get(form_url(form)).status_code == 403
    assert client.post(form_url(form, "save"), GOOD).status_code == 403
    assert client.get(reverse("infusions:rems_list")).status_code == 403
    client.force_login(cast.admin)
    assert client.get(reverse("infusions:rems_list")).status_code == 403


def test_another_clinics_form_answers_404(client, cast, ready) -> None:
    form = owe(ready.visit)
    nurse = User.objects.create_user(
        "nurse@other.example", PASSWORD, role=Role.NURSE, organization=cast.other_org
    )
    TOTP.activate(nurse, TOTP_SECRET)
    client.force_login(nurse)
    assert client.get(form_url(form)).status_code == 404
    assert client.post(form_url(form, "save"), GOOD).status_code == 404
    assert client.post(form_url(form, "submit"), {}).status_code == 404
    with pytest.raises(ChartError):
        services_rems.rems_form_save(form=form, data={"lot_number": "L"}, by=nurse)
    assert selectors_rems.rems_forms_due(organization=cast.other_org) == []


def test_today_counts_forms_overdue_or_due_within_two_days(client, cast, ready) -> None:
    owe(ready.visit, due_in_days=-1)
    RemsFormRule.objects.update(drug="esk2")
    owe(ready.visit, due_in_days=2)
    RemsFormRule.objects.update(drug="esk3")
    owe(ready.visit, due_in_days=3)  # not yet
    assert (
        selectors_rems.rems_forms_due_soon_count(organization=cast.org, today=clinic_today()) == 2
    )
    client.force_login(cast.nurse)
    html = client.get(reverse("today:index")).content.decode()
    assert "2 REMS forms are overdue or due within 2 days." in html
    assert reverse("infusions:rems_list") in html
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert "REMS" not in html
