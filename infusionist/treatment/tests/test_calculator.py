from __future__ import annotations

import pytest
from django.urls import reverse

from infusionist.treatment import services

WORKED = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "duration_min": "40",
    "vial_mg_per_ml": "10",
    "bag_volume_ml": "100",
    "weight_basis": "actual",
}


def calc(client, data):
    return client.post(reverse("treatment:calculator"), data)


def test_calculator_shows_every_quantity_with_its_unit_and_the_pk_curve(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client, {**WORKED, "age_years": "40"}).content.decode()
    for text in (
        "35 mg",
        "0.5 mg/kg",
        "52.5 mg/h",
        "0.75 mg/kg/h",
        "3.5 mL of 10 mg/mL",
        "103.5 mL",
        "0.338 mg/mL",
        "155.3 mL/h",
        "actual weight 70 kg",
    ):
        assert text in html, text
    assert '<svg class="pk-chart"' in html and 'role="img"' in html
    assert '<table class="keep-table">' in html and "240.3" in html  # Cp at the infusion end
    assert "not a measurement" in html and "opentiva" in html


def test_withdrawing_an_equal_volume(client, cast) -> None:
    client.force_login(cast.physician)
    html = calc(client, {**WORKED, "withdraw_equal_volume": "on"}).content.decode()
    assert "0.35 mg/mL" in html and "150 mL/h" in html and "100 mL" in html


def test_hard_stops_are_prominent_with_their_basis_and_no_curve(client, cast) -> None:
    client.force_login(cast.physician)
    html = calc(client, {**WORKED, "dose_mg_per_kg": "1.5"}).content.decode()
    assert "Hard stop — do not give this dose" in html
    # No protocol is chosen: the stop names the clinic's default maximum, not a protocol's.
    assert "above the clinic&#x27;s default maximum (no protocol chosen) of 1 mg/kg" in html
    assert "choose a protocol, or have the clinic&#x27;s default maximum changed" in html
    assert "protocol maximum" not in html
    assert "Rule" in html and "Source" in html
    # The inputs read as a table of labels and units, never as program names.
    assert '<th scope="row">Weight</th><td>70 kg</td>' in html
    assert "weight_kg =" not in html and "= False" not in html and "route = iv" not in html
    assert '<svg class="pk-chart"' not in html


def test_tenfold_vial_warning(client, cast) -> None:
    client.force_login(cast.physician)
    html = calc(client, {**WORKED, "vial_mg_per_ml": "100"}).content.decode()
    assert "Check before giving" in html and "0.35 mL of 100 mg/mL" in html


def test_a_protocol_choice_applies_its_limits(client, cast, protocols) -> None:
    client.force_login(cast.physician)
    pain = protocols["pain-iv-low-dose"]
    data = {**WORKED, "dose_mg_per_kg": "", "dose_mg_per_kg_per_h": "0.35", "duration_min": "240"}
    assert "Hard stop" in calc(client, data).content.decode()
    html = calc(client, {**data, "protocol": pain.pk}).content.decode()
    assert "Hard stop" not in html and "98 mg" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dose_mg_per_kg": ""}, "Enter exactly one dose"),
        ({"dose_mg": "35"}, "Enter exactly one dose"),
        ({"weight_kg": "7\x000"}, "Weight must be a number in kg"),
        ({"weight_kg": "NaN"}, "Weight must be a number in kg"),
        ({"weight_kg": "1" * 400}, "must be at most 500"),
        ({"weight_kg": "154"}, ""),
        ({"weight_kg": "300"}, "kilograms, not pounds"),
        ({"weight_basis": "ideal"}, "Enter the height in centimetres"),
        (
            {"weight_basis": "ideal", "height_cm": "170"},
            "Choose the sex (female or male)",
        ),
        ({"height_cm": "67"}, "centimetres, not inches"),
        ({"vial_mg_per_ml": "25"}, "Select a valid choice"),
        ({"duration_min": ""}, "required for an IV infusion"),
        ({"withdraw_equal_volume": "on", "bag_volume_ml": "2"}, "Cannot withdraw"),
        ({"protocol": "abc"}, "Select a valid choice"),
    ],
)
def test_bad_calculator_input_gets_a_message_and_keeps_the_input(
    client, cast, changes, message
) -> None:
    client.force_login(cast.nurse)
    response = calc(client, {**WORKED, **changes})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="0.5"' in html or changes.get("dose_mg_per_kg") == ""


def test_front_desk_and_admin_are_refused(client, cast) -> None:
    for user in (cast.frontdesk, cast.admin):
        client.force_login(user)
        assert calc(client, WORKED).status_code == 403


@pytest.mark.parametrize("with_protocols", [False, True])
def test_calculator_query_count(client, cast, with_protocols, django_assert_num_queries) -> None:
    if with_protocols:
        services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    client.force_login(cast.nurse)
    calc(client, WORKED)
    # 1 session, 2 user (+organization), 3 authenticator check, 4 dosing settings,
    # 5 protocol choices, 6 savepoint, 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        assert calc(client, WORKED).status_code == 200
