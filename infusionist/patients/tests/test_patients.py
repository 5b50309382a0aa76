from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.patients.models import Patient
from infusionist.patients.selectors import parse_search, patient_search
from infusionist.patients.services import patient_create, patient_update

VALID = {
    "legal_first_name": "Carmen",
    "legal_middle_name": "",
    "legal_last_name": "Peña-Ruiz",
    "preferred_name": "Cari",
    "date_of_birth": "1988-02-29",
    "sex_at_birth": "female",
    "gender_identity": "woman",
    "pronouns": "she/her",
    "phone": "(541) 555-0177",
    "email": "carmen@test.example",
    "address_line1": "9 Elm Row",
    "address_line2": "",
    "city": "Testville",
    "state": "OR",
    "postal_code": "97401",
    "emergency_contact_name": "Luis Ruiz",
    "emergency_contact_relationship": "Spouse",
    "emergency_contact_phone": "(541) 555-0178",
    "preferred_language": "es",
}


def test_front_desk_creates_a_patient_with_the_next_mrn(client, cast) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), VALID)
    patient = Patient.objects.get(legal_last_name="Peña-Ruiz")
    assert response.status_code == 302
    assert response["Location"] == reverse("record:patient", args=[patient.pk])
    assert patient.mrn == "WTC000003"
    assert patient.organization == cast.org
    assert patient.last_name_key == "pena ruiz" and patient.phone_key == "5415550177"
    event = AuditEvent.objects.get(action="create", patient=patient)
    assert event.actor == cast.frontdesk and event.actor_role == "front_desk"


def test_mrns_are_sequential_per_organization(cast) -> None:
    data = {**VALID, "date_of_birth": dt.date(1988, 2, 29)}
    first = patient_create(organization=cast.org, actor=cast.frontdesk, data=data)
    second = patient_create(organization=cast.org, actor=cast.frontdesk, data=data)
    other = patient_create(organization=cast.other_org, actor=cast.outsider, data=data)
    assert (first.mrn, second.mrn) == ("WTC000003", "WTC000004")
    assert other.mrn.startswith("OTC")


def test_validation_error_is_shown_beside_the_field_and_keeps_what_was_typed(client, cast) -> None:
    client.force_login(cast.frontdesk)
    bad = {**VALID, "date_of_birth": "2999-01-01", "phone": "call me maybe"}
    response = client.post(reverse("patients:create"), bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Date of birth cannot be in the future." in html
    assert "Enter a valid phone number with its area code" in html
    assert 'value="Peña-Ruiz"' in html and 'value="Luis Ruiz"' in html
    assert not Patient.objects.filter(legal_last_name="Peña-Ruiz").exists()


def test_null_bytes_and_oversize_input_get_messages_not_errors(client, cast) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("patients:create"),
        {**VALID, "legal_first_name": "Car\x00men", "city": "x" * 5000},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Null characters are not allowed." in html
    assert "Use no more than 80 characters" in html
    assert client.get(reverse("patients:list") + "?q=ab%00c").status_code == 400


def test_duplicates_are_shown_before_saving_and_need_confirmation(client, cast) -> None:
    client.force_login(cast.frontdesk)
    twin = {
        **VALID,
        "legal_first_name": "Alice",
        "legal_last_name": "Testpatient",
        "date_of_birth": "1985-04-12",
        "phone": "",
        "email": "",
    }
    response = client.post(reverse("patients:create"), twin)
    html = response.content.decode()
    assert "Possible existing records" in html and cast.patient.mrn in html
    assert Patient.objects.filter(legal_first_name="Alice").count() == 1
    response = client.post(
        reverse("patients:create"),
        {**twin, "confirm_not_duplicate": "on", "not_duplicate_reason": "Her twin sister."},
    )
    assert response.status_code == 302
    assert Patient.objects.filter(legal_first_name="Alice").count() == 2


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("WTC000001", "mrn"),
        ("1985-04-12", "dob"),
        ("04/12/1985", "dob"),
        ("(541) 555-0101", "phone"),
        ("0101", "phone"),
        ("testpat", "name"),
        ("", "empty"),
    ],
)
def test_search_understands_each_kind_of_query(cast, text: str, kind: str) -> None:
    query, results = patient_search(organization=cast.org, text=text)
    assert query.kind == kind
    if kind != "empty":
        assert list(results) == [cast.patient]


def test_name_search_matches_every_token_as_a_prefix(cast) -> None:
    assert list(patient_search(organization=cast.org, text="ali testp")[1]) == [cast.patient]
    assert list(patient_search(organization=cast.org, text="Testpatient, Alice")[1]) == [
        cast.patient
    ]
    assert list(patient_search(organization=cast.org, text="ali other")[1]) == []


def test_search_never_returns_another_organizations_patients(cast) -> None:
    assert list(patient_search(organization=cast.org, text="olga")[1]) == []


def test_search_accents_are_ignored() -> None:
    assert parse_search("Peña").text == "pena"


@pytest.mark.parametrize("matches", [30, 60])
def test_patient_list_query_count_does_not_grow_with_results(
    client, cast, matches, django_assert_num_queries
) -> None:
    for i in range(matches):
        Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC9{i:05d}",
            legal_first_name="Zed",
            legal_last_name=f"Zulu{i}",
            last_name_key=f"zulu{i}",
            first_name_key="zed",
            date_of_birth=dt.date(1980, 1, 1),
            sex_at_birth="male",
        )
    client.force_login(cast.frontdesk)
    results_url = client.post(reverse("patients:list"), {"q": "zulu"})["Location"]
    # 1 session, 2 user (+organization), 3 count, 4 search event, 5 page of patients,
    # 6 view events naming each patient shown, 7 savepoint, 8 session save,
    # 9 release savepoint
    with django_assert_num_queries(9):
        response = client.get(results_url)
    assert response.status_code == 200
    assert response.content.decode().count("Zulu") >= 25


def test_search_text_never_appears_in_a_url(client, cast) -> None:
    for i in range(30):
        Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC8{i:05d}",
            legal_first_name="Yara",
            legal_last_name=f"Testpatient{i}",
            last_name_key=f"testpatient{i}",
            first_name_key="yara",
            date_of_birth=dt.date(1981, 1, 1),
            sex_at_birth="female",
        )
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:list"), {"q": "Testpatient"})
    assert response.status_code == 302
    assert "Testpatient" not in response["Location"] and "?s=" in response["Location"]
    page_one = client.get(response["Location"]).content.decode()
    assert "31 patients match" in page_one
    next_link = re.search(r'href="(\?s=[^"]+page=2)"', page_one).group(1).replace("&amp;", "&")
    assert "Testpatient" not in next_link
    page_two = client.get(reverse("patients:list") + next_link).content.decode()
    assert "Page 2 of 2" in page_two and "31 patients match" in page_two


def test_an_unknown_search_key_asks_to_search_again(client, cast) -> None:
    client.force_login(cast.frontdesk)
    response = client.get(reverse("patients:list"), {"s": "stale"}, follow=True)
    assert "That search has expired. Please search again." in response.content.decode()


def test_viewing_a_patient_is_audited(client, cast) -> None:
    client.force_login(cast.nurse)
    client.get(reverse("record:patient", args=[cast.patient.pk]), HTTP_USER_AGENT="TabletUA/1")
    event = AuditEvent.objects.get(action="view", patient=cast.patient)
    assert event.actor == cast.nurse and event.actor_role == "nurse"
    assert event.ip_address == "127.0.0.1" and event.user_agent == "TabletUA/1"
    assert event.outcome == "allowed" and event.organization == cast.org


def test_editing_records_which_fields_changed_but_not_their_values(client, cast) -> None:
    client.force_login(cast.frontdesk)
    data = {f: getattr(cast.patient, f) or "" for f in VALID}
    data.update(
        {
            "date_of_birth": "1985-04-12",
            "pronouns": "they/them",
            "sex_at_birth": "female",
            "preferred_language": "en",
        }
    )
    response = client.post(reverse("patients:edit", args=[cast.patient.pk]), data)
    assert response.status_code == 302
    cast.patient.refresh_from_db()
    assert cast.patient.pronouns == "they/them"
    event = AuditEvent.objects.get(action="update", patient=cast.patient)
    assert event.detail == {"fields": ["pronouns"]}


def test_update_service_with_no_change_writes_nothing(cast) -> None:
    assert (
        patient_update(
            patient=cast.patient, actor=cast.frontdesk, data={"legal_first_name": "Alice"}
        )
        == []
    )
    assert not AuditEvent.objects.filter(action="update").exists()


def test_oversize_request_body_gets_a_400_page_not_an_error(client, cast) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), {**VALID, "address_line2": "x" * 3_000_000})
    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_too_many_fields_gets_a_400_page(client, cast) -> None:
    client.force_login(cast.frontdesk)
    fields = {f"f{i}": "1" for i in range(1200)}
    assert client.post(reverse("patients:create"), fields).status_code == 400


def test_unknown_patient_and_garbage_ids_are_404(client, cast) -> None:
    client.force_login(cast.frontdesk)
    assert client.get("/patients/999999/").status_code == 404
    assert client.get("/patients/abc/").status_code == 404
    assert client.get("/patients/?page=-3&q=" + "z" * 500).status_code == 200


def test_detail_links_clinicians_to_plan_measurements_and_open_alerts(client, cast) -> None:
    from infusionist.measurements.services import questionnaire_response_save

    client.force_login(cast.nurse)
    html = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert reverse("treatment:plan_detail", args=[cast.patient.pk]) in html
    assert reverse("measurements:patient", args=[cast.patient.pk]) in html
    assert "Safety alert open." not in html
    client.force_login(cast.frontdesk)
    html = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert reverse("treatment:plan_detail", args=[cast.patient.pk]) not in html
    # An item-9 answer opens a safety alert; clinicians see it on the record at once.
    questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q9": 1},
        source="staff",
        actor=cast.nurse,
        entered_by=cast.nurse,
    )
    client.force_login(cast.nurse)
    html = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert "Safety alert open." in html
    client.force_login(cast.frontdesk)
    html = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert "Safety alert open." not in html
