"""Django's validation wording never reaches people: limits are named in plain words, in
English and Spanish, on every form (infusionist.formfields.install_plain_validation_messages)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

RAW = ("Ensure this value", "Ensure that there are", "Asegúrese", "Introduzca")


class NumberForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=20, required=False)
    weight_kg = forms.DecimalField(max_digits=5, decimal_places=1, required=False)
    dose = forms.DecimalField(
        min_value=Decimal("0.1"), max_value=Decimal("4.5"), decimal_places=2, required=False
    )
    step = forms.IntegerField(step_size=5, required=False)
    note = forms.CharField(max_length=10, min_length=2, required=False)


@pytest.mark.parametrize(
    ("data", "field", "english", "spanish"),
    [
        ({"count": "0"}, "count", "Enter 1 or more.", "Escriba 1 o más."),
        ({"count": "21"}, "count", "Enter 20 or less.", "Escriba 20 o menos."),
        ({"count": "-5"}, "count", "Enter 1 or more.", "Escriba 1 o más."),
        ({"count": "abc"}, "count", "Enter a whole number.", "Escriba un número entero."),
        (
            {"weight_kg": "99999"},
            "weight_kg",
            "Enter a number smaller than 10,000.",
            "Escriba un número menor que 10,000.",
        ),
        (
            {"weight_kg": "70.25"},
            "weight_kg",
            "Enter no more than 1 digit after the decimal point.",
            "Escriba como máximo 1 cifra después del punto decimal.",
        ),
        ({"dose": "9"}, "dose", "Enter 4.5 or less.", "Escriba 4.5 o menos."),
        ({"dose": "0"}, "dose", "Enter 0.1 or more.", "Escriba 0.1 o más."),
        ({"step": "7"}, "step", "Enter a multiple of 5.", "Escriba un múltiplo de 5."),
        (
            {"note": "x" * 11},
            "note",
            "Use no more than 10 characters (this has 11).",
            "Use como máximo 10 caracteres (este tiene 11).",
        ),
        (
            {"note": "x"},
            "note",
            "Use at least 2 characters (this has 1).",
            "Use al menos 2 caracteres (este tiene 1).",
        ),
    ],
)
def test_limits_are_named_in_plain_words(data, field, english, spanish) -> None:
    for language, expected in (("en", english), ("es", spanish)):
        with translation.override(language):
            form = NumberForm(data)
            assert not form.is_valid()
            messages = form.errors[field]
            assert messages == [expected], (language, messages)
            assert not any(raw in m for m in messages for raw in RAW)


@pytest.mark.parametrize(
    ("url_name", "kwargs", "data"),
    [
        ("treatment:calculator", {}, {"weight_kg": "1" * 40}),
        ("treatment:dosing_settings_edit", {}, {"max_weight_kg": "99999999"}),
    ],
)
def test_real_forms_use_the_plain_words(client, cast, url_name, kwargs, data) -> None:
    from django.urls import reverse

    client.force_login(cast.physician)
    response = client.post(reverse(url_name, kwargs=kwargs), data)
    html = response.content.decode()
    assert response.status_code in (200, 422)
    assert not any(raw in html for raw in RAW), [r for r in RAW if r in html]


def test_limits_are_written_as_people_write_them() -> None:
    class WeightForm(forms.Form):
        weight_kg = forms.DecimalField(max_value=Decimal("300.0"), min_value=Decimal("20.00"))

    assert WeightForm({"weight_kg": "999"}).errors["weight_kg"] == ["Enter 300 or less."]
    assert WeightForm({"weight_kg": "2"}).errors["weight_kg"] == ["Enter 20 or more."]


@pytest.mark.parametrize("language", ["en", "es"])
def test_password_pages_use_sentence_case_and_latin_american_spanish(
    client, cast, language
) -> None:
    from django.urls import reverse

    client.force_login(cast.nurse)
    html = client.get(
        reverse("account_change_password"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    for title_case in ("Current Password", "New Password", "Password (Again)"):
        assert title_case not in html
    if language == "en":
        assert "Current password" in html and "New password (again)" in html
    html = client.get(reverse("account_reauthenticate"), HTTP_ACCEPT_LANGUAGE=language)
    assert "Introduzca" not in html.content.decode()


class WeightForm(forms.Form):
    weight_kg = forms.DecimalField(
        label="Weight (kg)", max_digits=4, decimal_places=1, min_value=20, max_value=300
    )


@pytest.mark.parametrize(
    ("raw", "valid", "fragment"),
    [
        # Too many decimals is named as decimals, not as a number too large.
        ("70.12345", False, "takes at most 1 decimal place"),
        ("70.15", False, "takes at most 1 decimal place"),
        ("20.123456789", False, "takes at most 1 decimal place"),
        # Trailing zeros are not decimals.
        ("25.000", True, ""),
        ("70.10", True, ""),
        ("100", True, ""),
        ("300.0", True, ""),
        ("12.000", False, "at least 20 kg"),
        # Too large is named once, by its limit.
        ("12345", False, "at most 300 kg"),
        ("1234.5", False, "at most 300 kg"),
        ("99999999", False, "at most 300 kg"),
    ],
)
def test_a_number_is_refused_for_its_real_cause_and_once(raw, valid, fragment) -> None:
    from infusionist.treatment.forms import plain_number_messages

    form = WeightForm(data={"weight_kg": raw})
    plain_number_messages(form)
    assert form.is_valid() == valid, form.errors
    if not valid:
        messages = form.errors["weight_kg"]
        assert len(messages) == len(set(messages)) == 1, messages
        assert fragment in messages[0]
