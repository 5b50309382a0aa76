"""Dates of birth (issue 8, item 13): no typed text may become a future date of birth.

A two-digit year is read as the latest past year with those digits; a date of birth in the
future is refused with a message, in the search box, the patient form, the API, the admin
and the patient's questionnaire link.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from infusionist.patients.birth_dates import (
    DateOfBirthError,
    date_from_two_digit_year,
    date_of_birth_parse,
)
from infusionist.patients.models import Patient
from infusionist.patients.selectors import parse_search, patient_search
from infusionist.patients.services import patient_create
from infusionist.patients.tests.test_patients import VALID

TODAY = dt.date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06/28/61", dt.date(1961, 6, 28)),  # the example: never 2061
        ("6/28/61", dt.date(1961, 6, 28)),
        ("06-28-61", dt.date(1961, 6, 28)),
        ("12/31/99", dt.date(1999, 12, 31)),
        ("01/02/03", dt.date(2003, 1, 2)),
        ("11/21/26", dt.date(2026, 11, 21)),  # today: a newborn
        ("11/22/26", dt.date(1926, 11, 22)),  # tomorrow's date: a century ago
        ("12/31/26", dt.date(1926, 12, 31)),
        ("01/01/30", dt.date(1930, 1, 1)),
        ("02/29/00", dt.date(2000, 2, 29)),
        ("02/29/28", dt.date(1928, 2, 29)),
        ("1961-06-28", dt.date(1961, 6, 28)),
        ("1961/6/28", dt.date(1961, 6, 28)),
        ("06/28/1961", dt.date(1961, 6, 28)),
        (" 06-28-1961 ", dt.date(1961, 6, 28)),
    ],
)
def test_dates_of_birth_are_read_in_the_past(text: str, expected: dt.date) -> None:
    assert date_of_birth_parse(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("06/28/2061", "cannot be in the future"),
        ("2061-06-28", "cannot be in the future"),
        ("11/22/2026", "cannot be in the future"),
        ("1861-06-28", "more than 120 years ago"),
        ("02/30/1990", "is not a date: check the day and the month"),
        ("13/01/1990", "is not a date"),
        ("02/29/27", "is not a date"),
        ("28/06/61", "is not a date"),
        ("61-06-28", "is not a date: check the day and the month (MM/DD/YYYY)"),
        ("June 28 1961", "Enter the date of birth as YYYY-MM-DD or MM/DD/YYYY"),
        ("06/28/961", "Enter the date of birth as YYYY-MM-DD or MM/DD/YYYY"),
        ("", "Enter the date of birth as YYYY-MM-DD or MM/DD/YYYY"),
    ],
)
def test_impossible_dates_of_birth_are_refused_with_what_to_check(text: str, message) -> None:
    with pytest.raises(DateOfBirthError) as refused:
        date_of_birth_parse(text, today=TODAY)
    assert message in refused.value.message


@given(
    month=st.integers(1, 12),
    day=st.integers(1, 31),
    year=st.integers(0, 99),
    sep=st.sampled_from("/-"),
    today=st.dates(dt.date(1990, 1, 1), dt.date(2150, 12, 31)),
)
def test_no_two_digit_year_is_ever_read_as_a_future_date(month, day, year, sep, today) -> None:
    text = f"{month:02d}{sep}{day:02d}{sep}{year:02d}"
    try:
        dob = date_of_birth_parse(text, today=today)
    except DateOfBirthError:
        return
    assert today - dt.timedelta(days=36525) < dob <= today
    assert dob.year % 100 == year


@given(st.text(max_size=20))
def test_no_text_becomes_a_future_date_of_birth(text: str) -> None:
    try:
        dob = date_of_birth_parse(text)
    except DateOfBirthError as refused:
        assert refused.message
        return
    assert dob <= timezone.localdate()


def test_two_digit_years_of_this_century_stay_in_it_until_they_would_be_future() -> None:
    today = timezone.localdate()
    yy = today.year % 100
    assert date_from_two_digit_year(yy, today.month, today.day) == today
    last_year = today.replace(year=today.year - 1) if (today.month, today.day) != (2, 29) else today
    assert date_from_two_digit_year(last_year.year % 100, 1, 1).year == today.year - 1
    next_year = (today.year + 1) % 100
    assert date_from_two_digit_year(next_year, 1, 1).year == today.year + 1 - 100


# --- the search box --------------------------------------------------------------------------


def test_search_reads_a_two_digit_year_in_the_past(cast) -> None:
    query = parse_search("06/28/61")
    assert (query.kind, query.date_of_birth, query.problem) == ("dob", dt.date(1961, 6, 28), "")
    born_1961 = patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data={**VALID, "date_of_birth": dt.date(1961, 6, 28)},
    )
    for text in ("06/28/61", "6/28/61", "06-28-61", "06/28/1961", "1961-06-28"):
        assert list(patient_search(organization=cast.org, text=text)[1]) == [born_1961], text


@pytest.mark.parametrize("text", ["06/28/2061", "2061-06-28", "02/30/1990", "13/13/13"])
def test_search_refuses_a_future_or_impossible_date_with_a_message(client, cast, text) -> None:
    query, results = patient_search(organization=cast.org, text=text)
    assert query.kind == "dob" and query.problem and query.date_of_birth is None
    assert list(results) == []
    client.force_login(cast.frontdesk)
    page = client.post(reverse("patients:list"), {"q": text}, follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nothing was searched for" in html and query.problem in html
    assert "No patients match" not in html


def test_search_page_says_which_date_it_looked_for(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.post(reverse("patients:list"), {"q": "4/12/85"}, follow=True).content.decode()
    assert "searched by date of birth Apr 12, 1985" in html and "Testpatient" in html


# --- the patient form, the service, the admin ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06/28/61", dt.date(1961, 6, 28)),
        ("1961-06-28", dt.date(1961, 6, 28)),
        ("06/28/1961", dt.date(1961, 6, 28)),
        ("6-28-61", dt.date(1961, 6, 28)),
    ],
)
def test_the_patient_form_reads_two_digit_years_in_the_past(client, cast, typed, stored) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), {**VALID, "date_of_birth": typed})
    assert response.status_code == 302
    assert Patient.objects.get(legal_last_name="Peña-Ruiz").date_of_birth == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2061-06-28", "Date of birth cannot be in the future."),
        ("06/28/2061", "Date of birth cannot be in the future."),
        ("1861-06-28", "more than 120 years ago: check the year"),
        ("02/30/1990", "is not a date: check the day and the month"),
        ("28.06.1961", "Enter the date of birth as YYYY-MM-DD or MM/DD/YYYY"),
    ],
)
def test_the_patient_form_refuses_future_dates_and_keeps_what_was_typed(
    client, cast, typed, message
) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), {**VALID, "date_of_birth": typed})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert f'value="{typed}"' in html and 'value="Peña-Ruiz"' in html
    assert not Patient.objects.filter(legal_last_name="Peña-Ruiz").exists()


def test_the_service_refuses_a_future_date_of_birth(cast) -> None:
    future = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        patient_create(
            organization=cast.org,
            actor=cast.frontdesk,
            data={**VALID, "date_of_birth": future},
        )
    assert "cannot be in the future" in str(refused.value.message_dict["date_of_birth"])


def test_the_admin_reads_dates_of_birth_with_the_same_parser() -> None:
    model_admin = admin.site._registry[Patient]
    field = model_admin.formfield_for_dbfield(Patient._meta.get_field("date_of_birth"), None)
    assert field.clean("06/28/61") == dt.date(1961, 6, 28)
    with pytest.raises(ValidationError):
        field.clean("06/28/2061")


# --- the questionnaire link's date-of-birth check -----------------------------------------


def test_the_questionnaire_link_reads_two_digit_years_and_refuses_future_ones() -> None:
    from infusionist.measurements.forms import DateOfBirthForm

    form = DateOfBirthForm({"month": "6", "day": "28", "year": "61"})
    assert form.is_valid() and form.cleaned_data["date_of_birth"] == dt.date(1961, 6, 28)
    form = DateOfBirthForm({"month": "6", "day": "28", "year": "2061"})
    assert not form.is_valid()
    assert "in the future" in str(form.non_field_errors())
    form = DateOfBirthForm({"month": "6", "day": "28", "year": "961"})
    assert not form.is_valid() and "Enter a real date" in str(form.non_field_errors())


def test_the_api_search_refuses_a_future_date_of_birth(client, cast) -> None:
    from infusionist.accounts.services import api_token_create

    token = api_token_create(user=cast.nurse)
    response = client.post(
        "/api/v1/patients/search",
        {"q": "06/28/2061"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "q: Date of birth cannot be in the future. Check the year."
    }
