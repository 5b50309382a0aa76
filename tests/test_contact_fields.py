"""Phone, fax, ZIP code and state fields (infusionist/contact.py) on every form that has them.

Review round 1, finding 18: a location took phone "abc", a bad fax, ZIP "XYZ" and a state
typed as free text; patient ZIP codes and states were not checked. Every such field now
stores E.164 phone numbers, five- or nine-digit ZIP codes and a state from the list, and
shows numbers in national format; values stored before the rules still show.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from infusionist.contact import (
    phone_display,
    phone_normalize,
    state_code_for,
    tel_uri_filter,
    zip_code_normalize,
)
from infusionist.patients.models import Patient

PATIENT = {
    "legal_first_name": "Marisol",
    "legal_middle_name": "",
    "legal_last_name": "Quintanilla",
    "preferred_name": "",
    "date_of_birth": "1979-06-03",
    "sex_at_birth": "female",
    "gender_identity": "",
    "pronouns": "",
    "phone": "541-555-0133",
    "email": "",
    "address_line1": "12 Heron Way",
    "address_line2": "",
    "city": "Springfield",
    "state": "OR",
    "postal_code": "97477",
    "emergency_contact_name": "Ramon Quintanilla",
    "emergency_contact_relationship": "Spouse",
    "emergency_contact_phone": "(541) 555-0134",
    "preferred_language": "en",
}
LOCATION = {
    "name": "Eastside",
    "address_line1": "2 Test Street",
    "address_line2": "",
    "city": "Testville",
    "state": "OR",
    "postal_code": "97401",
    "phone": "(541) 555-0198",
    "fax": "",
    "time_zone": "America/Los_Angeles",
}
PHONE_MESSAGE = "Enter a valid phone number with its area code"
ZIP_MESSAGE = "Enter a ZIP code of five digits"
STATE_MESSAGE = "Choose the state from the list."


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(541) 555-0142", "+15415550142"),
        ("541-555-0142", "+15415550142"),
        ("541.555.0142", "+15415550142"),
        ("5415550142", "+15415550142"),
        ("1 541 555 0142", "+15415550142"),
        ("+1 (541) 555-0142", "+15415550142"),
        ("  (541) 555-0142  ", "+15415550142"),
        ("(541) 555-0142 x12", "+15415550142 ext. 12"),
        ("541-555-0142 ext. 7", "+15415550142 ext. 7"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_a_phone_number_typed_any_usual_way_is_stored_in_e164(typed: str, stored: str) -> None:
    assert phone_normalize(typed) == stored
    assert phone_normalize(stored) == stored  # stable when saved again


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "call me maybe",
        "555-0142",  # no area code
        "555-01",
        "123-456-7890",  # no area code starts with 1
        "(000) 555-0142",
        "911",
        "1-800-FLOWERS",  # letters
        "541-555-0142 abc",
        "541555014212345",  # too many digits
        "+999 1234 5678",  # no such country code
        "---",
    ],
)
def test_text_that_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        phone_normalize(typed)
    assert raised.value.code == "phone_invalid"


def test_stored_numbers_are_shown_in_national_format_and_linked_as_tel() -> None:
    assert phone_display("+15415550142") == "(541) 555-0142"
    assert phone_display("+15415550142 ext. 12") == "(541) 555-0142 ext. 12"
    assert phone_display("+442079460958") == "+44 20 7946 0958"
    assert phone_display("abc") == "abc"  # stored before the rules: shown as it was
    assert phone_display("") == ""
    assert tel_uri_filter("+15415550142") == "+15415550142"
    assert tel_uri_filter("+15415550142 ext. 12") == "+15415550142;ext=12"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("97401", "97401"),
        ("97401-1234", "97401-1234"),
        ("974011234", "97401-1234"),
        ("97401 1234", "97401-1234"),
        ("", ""),
    ],
)
def test_zip_codes_are_five_digits_or_zip_plus_four(typed: str, stored: str) -> None:
    assert zip_code_normalize(typed) == stored


@pytest.mark.parametrize(
    "typed", ["XYZ", "9740", "974011", "97401-12", "97401 1234x", "00001", "00000", "K1A 0B1"]
)
def test_other_zip_codes_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        zip_code_normalize(typed)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("OR", "OR"), ("or", "OR"), ("Oregon", "OR"), (" new  york ", "NY"), ("Puerto Rico", "PR")],
)
def test_a_state_name_or_code_gives_its_code(typed: str, code: str) -> None:
    assert state_code_for(typed) == code


@pytest.mark.parametrize("typed", ["XYZ", "Oregon state", "Ontario", "ZZ", ""])
def test_text_that_names_no_state_gives_nothing(typed: str) -> None:
    assert state_code_for(typed) == ""


# ---- locations ----------------------------------------------------------------------------


def test_the_reviewers_location_is_refused_beside_each_field_keeping_what_was_typed(
    client, cast
) -> None:
    client.force_login(cast.admin)
    bad = {**LOCATION, "phone": "abc", "fax": "fax me", "postal_code": "XYZ", "state": "Oregon!"}
    response = client.post(reverse("administration:location_create"), bad)
    page = response.content.decode()
    assert response.status_code == 422
    assert page.count(PHONE_MESSAGE) == 2  # phone and fax
    assert ZIP_MESSAGE in page and STATE_MESSAGE in page
    assert 'value="2 Test Street"' in page and 'value="abc"' in page and 'value="XYZ"' in page
    assert not cast.org.locations.filter(name="Eastside").exists()


def test_a_location_state_is_a_select_of_states_and_territories(client, cast) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("administration:location_create")).content.decode()
    assert '<select name="state"' in page
    assert '<option value="OR">Oregon</option>' in page
    assert '<option value="PR">Puerto Rico</option>' in page
    assert 'type="tel"' in page and 'name="fax"' in page


def test_a_location_stores_e164_and_shows_national_format(client, cast) -> None:
    client.force_login(cast.admin)
    data = {**LOCATION, "fax": "541.555.0197", "postal_code": "974011234"}
    response = client.post(reverse("administration:location_create"), data)
    assert response.status_code == 302
    location = cast.org.locations.get(name="Eastside")
    assert (location.phone, location.fax) == ("+15415550198", "+15415550197")
    assert location.postal_code == "97401-1234"
    page = client.get(reverse("administration:locations")).content.decode()
    assert 'href="tel:+15415550198">(541) 555-0198</a>' in page and "(541) 555-0197" in page
    edit = client.get(reverse("administration:location_edit", args=[location.pk]))
    assert 'value="(541) 555-0198"' in edit.content.decode()


# ---- patients -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("phone", "abc", PHONE_MESSAGE),
        ("phone", "555-0142", PHONE_MESSAGE),
        ("emergency_contact_phone", "call my wife", PHONE_MESSAGE),
        ("emergency_contact_phone", "123-456-7890", PHONE_MESSAGE),
        ("postal_code", "XYZ", ZIP_MESSAGE),
        ("postal_code", "9740", ZIP_MESSAGE),
        ("state", "Oregon state", STATE_MESSAGE),
        ("state", "XX", STATE_MESSAGE),
    ],
)
def test_a_patient_with_a_bad_contact_field_is_refused_beside_it(
    client, cast, field: str, typed: str, message: str
) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), {**PATIENT, field: typed})
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="Quintanilla"' in page
    assert not Patient.objects.filter(legal_last_name="Quintanilla").exists()


def test_a_patient_is_stored_with_checked_contact_fields(client, cast) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("patients:create"), {**PATIENT, "postal_code": "974771234", "state": "OR"}
    )
    assert response.status_code == 302
    patient = Patient.objects.get(legal_last_name="Quintanilla")
    assert patient.phone == "+15415550133" and patient.emergency_contact_phone == "+15415550134"
    assert (patient.state, patient.postal_code) == ("OR", "97477-1234")
    assert patient.phone_key == "5415550133"
    page = client.get(reverse("record:patient", args=[patient.pk])).content.decode()
    assert "(541) 555-0133" in page and "(541) 555-0134" in page and "+1541" not in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "abc"}, "phone"),
        ({"emergency_contact_phone": "12345"}, "emergency_contact_phone"),
        ({"postal_code": "XYZ"}, "postal_code"),
        ({"state": "Oregon state"}, "state"),
    ],
)
def test_the_api_names_a_bad_contact_field(client, cast, change: dict, field: str) -> None:
    from infusionist.accounts.services import api_token_create

    token = api_token_create(user=cast.frontdesk)
    body = {
        "legal_first_name": "Marisol",
        "legal_last_name": "Quintanilla",
        "date_of_birth": "1979-06-03",
        "sex_at_birth": "female",
        **change,
    }
    response = client.post(
        "/api/v1/patients",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_api_stores_a_state_name_as_its_code_and_a_phone_in_e164(client, cast) -> None:
    from infusionist.accounts.services import api_token_create

    token = api_token_create(user=cast.frontdesk)
    body = {
        "legal_first_name": "Marisol",
        "legal_last_name": "Quintanilla",
        "date_of_birth": "1979-06-03",
        "sex_at_birth": "female",
        "phone": "(541) 555-0133",
        "state": "Oregon",
        "postal_code": "97401",
    }
    response = client.post(
        "/api/v1/patients",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.json()
    patient = Patient.objects.get(pk=response.json()["id"])
    assert (patient.phone, patient.state) == ("+15415550133", "OR")


# ---- values stored before the rules -------------------------------------------------------


def test_bad_values_stored_before_the_rules_still_show_and_are_flagged_on_save(
    client, cast
) -> None:
    Patient.objects.filter(pk=cast.patient.pk).update(
        phone="call after 5", state="Oregn", postal_code="XYZ"
    )
    cast.location.__class__.objects.filter(pk=cast.location.pk).update(
        phone="abc", fax="n/a", state="Oregon state", postal_code="0"
    )
    client.force_login(cast.admin)
    assert "abc" in client.get(reverse("administration:locations")).content.decode()
    detail = client.get(reverse("administration:location_detail", args=[cast.location.pk]))
    assert detail.status_code == 200 and "abc" in detail.content.decode()
    client.force_login(cast.frontdesk)
    record = client.get(reverse("record:patient", args=[cast.patient.pk]))
    assert record.status_code == 200 and "call after 5" in record.content.decode()
    edit = client.get(reverse("patients:edit", args=[cast.patient.pk]))
    assert edit.status_code == 200 and 'value="call after 5"' in edit.content.decode()
    posted = client.post(
        reverse("patients:edit", args=[cast.patient.pk]),
        {**PATIENT, "phone": "call after 5", "state": "Oregn", "postal_code": "XYZ"},
    )
    page = posted.content.decode()
    assert posted.status_code == 200 and PHONE_MESSAGE in page and ZIP_MESSAGE in page
    # A save of other fields through the ORM does not trip over the old values.
    patient = Patient.objects.get(pk=cast.patient.pk)
    patient.save()


def test_the_data_migrations_normalize_what_they_can_and_keep_the_rest(cast) -> None:
    Location = django_apps.get_model("clinics", "Location")
    Location.objects.filter(pk=cast.location.pk).update(
        phone="(541) 555-0100", fax="abc", state="Oregon", postal_code="974011234"
    )
    Patient.objects.filter(pk=cast.patient.pk).update(
        phone="541.555.0101", emergency_contact_phone="ask", state=" new york ", postal_code="XYZ"
    )
    clinics_migration = importlib.import_module(
        "infusionist.clinics.migrations.0006_contact_fields_normalized"
    )
    patients_migration = importlib.import_module(
        "infusionist.patients.migrations.0009_contact_fields_normalized"
    )
    clinics_migration.normalize_locations(django_apps, None)
    patients_migration.normalize_patients(django_apps, None)
    location = Location.objects.get(pk=cast.location.pk)
    assert (location.phone, location.fax, location.state, location.postal_code) == (
        "+15415550100",
        "abc",
        "OR",
        "97401-1234",
    )
    patient = Patient.objects.get(pk=cast.patient.pk)
    assert (patient.phone, patient.emergency_contact_phone, patient.state) == (
        "+15415550101",
        "ask",
        "NY",
    )
    assert patient.postal_code == "XYZ"
