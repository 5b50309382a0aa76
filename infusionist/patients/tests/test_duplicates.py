"""The duplicate check (issue 8, item 14): the commonest duplicates are flagged, and why.

With the same date of birth: swapped first and last names, one part of a multi-part surname,
small misspellings. With the same name: a near-miss date of birth. It stays a warning that
the user passes with a reason, recorded in the creation's audit event (the API's answers
are tested in api/tests/test_patient_create.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.patients.duplicates import (
    MatchReason,
    PersonFacts,
    date_of_birth_near_misses,
    match_reasons,
    words_close,
)
from infusionist.patients.models import Patient
from infusionist.patients.selectors import possible_duplicates
from infusionist.patients.services import PossibleDuplicates, patient_create

DOB = dt.date(1985, 4, 12)
R = MatchReason


def facts(first: str, last: str, dob: dt.date | None = DOB, **extra) -> PersonFacts:
    return PersonFacts(first_name=first, last_name=last, date_of_birth=dob, **extra)


FELIX = facts("Felix", "Ibarra")


@pytest.mark.parametrize(
    ("new", "reasons"),
    [
        # The examples.
        (facts("Ibarra", "Felix"), (R.NAMES_SWAPPED, R.SAME_DATE_OF_BIRTH)),
        (facts("Felx", "Ibara"), (R.SIMILAR_FIRST_NAME, R.SIMILAR_LAST_NAME, R.SAME_DATE_OF_BIRTH)),
        # Swapped, also with a slip or accents.
        (facts("Ibara", "Felix"), (R.NAMES_SWAPPED, R.SAME_DATE_OF_BIRTH)),
        (facts("IBARRA", "félix"), (R.NAMES_SWAPPED, R.SAME_DATE_OF_BIRTH)),
        # Small edit distances: a letter dropped, added, changed or two swapped.
        (facts("Felix", "Ibara"), (R.SAME_FIRST_NAME, R.SIMILAR_LAST_NAME, R.SAME_DATE_OF_BIRTH)),
        (facts("Fleix", "Ibarra"), (R.SIMILAR_FIRST_NAME, R.SAME_LAST_NAME, R.SAME_DATE_OF_BIRTH)),
        (facts("Felix", "Ybarra"), (R.SAME_FIRST_NAME, R.SIMILAR_LAST_NAME, R.SAME_DATE_OF_BIRTH)),
        (facts("Felik", "Ibarra"), (R.SIMILAR_FIRST_NAME, R.SAME_LAST_NAME, R.SAME_DATE_OF_BIRTH)),
        # Accents, case and punctuation are not differences.
        (facts("Félix", "IBARRA"), (R.SAME_NAME, R.SAME_DATE_OF_BIRTH)),
        # One part of a multi-part surname.
        (facts("Felix", "Ibarra-Lopez"), (R.SAME_FIRST_NAME, R.SURNAME_PART, R.SAME_DATE_OF_BIRTH)),
        (facts("Felix", "Lopez Ibarra"), (R.SAME_FIRST_NAME, R.SURNAME_PART, R.SAME_DATE_OF_BIRTH)),
        (
            facts("Felix", "Ibarra y Soto"),
            (R.SAME_FIRST_NAME, R.SURNAME_PART, R.SAME_DATE_OF_BIRTH),
        ),
        # One name alike with the same date of birth is enough to show.
        (facts("Tomas", "Ibarra"), (R.SAME_LAST_NAME, R.SAME_DATE_OF_BIRTH)),
        (facts("Felix", "Navarro"), (R.SAME_FIRST_NAME, R.SAME_DATE_OF_BIRTH)),
        # Near-miss dates of birth with the same name.
        (facts("Felix", "Ibarra", dt.date(1985, 12, 4)), (R.SAME_NAME, R.DOB_DAY_MONTH_SWAPPED)),
        (facts("Felix", "Ibarra", dt.date(1985, 4, 13)), (R.SAME_NAME, R.DOB_ONE_DIGIT_OFF)),
        (facts("Felix", "Ibarra", dt.date(1986, 4, 12)), (R.SAME_NAME, R.DOB_ONE_DIGIT_OFF)),
        (facts("Felix", "Ibarra", dt.date(1985, 5, 12)), (R.SAME_NAME, R.DOB_ONE_DIGIT_OFF)),
        (facts("Felix", "Ibarra", dt.date(1975, 4, 12)), (R.SAME_NAME, R.DOB_ONE_DIGIT_OFF)),
        (facts("Felix", "Ibarra", dt.date(1958, 4, 12)), (R.SAME_NAME, R.DOB_DIGITS_SWAPPED)),
        (facts("Felix", "Ibarra", dt.date(1985, 4, 21)), (R.SAME_NAME, R.DOB_DIGITS_SWAPPED)),
        # ... and with a near-miss name too.
        (
            facts("Ibarra", "Felix", dt.date(1985, 12, 4)),
            (R.NAMES_SWAPPED, R.DOB_DAY_MONTH_SWAPPED),
        ),
        (
            facts("Felx", "Ibarra", dt.date(1985, 4, 13)),
            (R.SIMILAR_FIRST_NAME, R.SAME_LAST_NAME, R.DOB_ONE_DIGIT_OFF),
        ),
        # The same name with any date of birth, the same phone or email (as before).
        (facts("Felix", "Ibarra", dt.date(1990, 9, 30)), (R.SAME_NAME,)),
        (facts("Zed", "Zulu", None, phone_key="5415550142"), (R.SAME_PHONE,)),
        (facts("Zed", "Zulu", None, email="FELIX@test.example"), (R.SAME_EMAIL,)),
    ],
)
def test_match_reasons(new: PersonFacts, reasons: tuple[MatchReason, ...]) -> None:
    old = facts("Felix", "Ibarra", phone_key="5415550142", email="felix@test.example")
    assert match_reasons(new, old) == reasons


@pytest.mark.parametrize(
    "new",
    [
        facts("Maria", "Lopez"),  # same date of birth, nothing else alike
        facts("Ana", "Iba"),  # too short to call a slip
        facts("Tomas", "Navarro", dt.date(1985, 4, 13)),  # near date, other name
        facts("Felix", "Navarro", dt.date(1985, 4, 13)),  # near date, half the name
        facts("Felipe", "Ibarra", dt.date(1990, 7, 30)),  # far date, half the name
    ],
)
def test_distinct_people_are_not_flagged(new: PersonFacts) -> None:
    assert match_reasons(new, FELIX) == ()


def test_a_shared_particle_alone_does_not_make_surnames_alike() -> None:
    assert match_reasons(facts("Juan", "De Leon"), facts("Maria", "De la Cruz")) == ()
    assert match_reasons(facts("Jan", "van Dijk"), facts("Piet", "van der Berg")) == ()
    assert match_reasons(facts("Juan", "De la Cruz"), facts("Maria", "Cruz")) == (
        R.SURNAME_PART,
        R.SAME_DATE_OF_BIRTH,
    )


def test_the_preferred_name_counts_as_a_first_name() -> None:
    old = facts("Carmen", "Peña-Ruiz", preferred_name="Cari")
    assert match_reasons(facts("Cari", "Pena Ruiz"), old) == (R.SAME_NAME, R.SAME_DATE_OF_BIRTH)


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("felx", "felix", True),
        ("ibara", "ibarra", True),
        ("jhon", "john", True),
        ("katherine", "kathryne", True),  # two slips in a long name
        ("ana", "ava", False),  # too short to judge
        ("li", "lu", False),
        ("maria", "mario", True),
        ("smith", "jones", False),
    ],
)
def test_small_edit_distances(a: str, b: str, close: bool) -> None:
    assert words_close(a, b) is close


def test_near_miss_dates_of_birth() -> None:
    near = date_of_birth_near_misses(DOB)
    assert near[dt.date(1985, 12, 4)] == R.DOB_DAY_MONTH_SWAPPED
    assert near[dt.date(1985, 4, 13)] == R.DOB_ONE_DIGIT_OFF
    assert near[dt.date(1958, 4, 12)] == R.DOB_DIGITS_SWAPPED
    assert near[dt.date(1985, 4, 21)] == R.DOB_DIGITS_SWAPPED
    assert DOB not in near and dt.date(1985, 4, 23) not in near
    assert all(dt.date(1900, 1, 1) < day <= dt.date.today() for day in near)
    assert len(near) < 80  # every one a valid date: an indexed IN list
    # Day and month alike, or a day over 12: nothing to swap.
    assert R.DOB_DAY_MONTH_SWAPPED not in date_of_birth_near_misses(dt.date(1985, 4, 4)).values()
    assert R.DOB_DAY_MONTH_SWAPPED not in date_of_birth_near_misses(dt.date(1985, 4, 13)).values()


# --- the selector, on the database ----------------------------------------------------------


@pytest.fixture
def felix(cast) -> Patient:
    return patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data={
            "legal_first_name": "Felix",
            "legal_last_name": "Ibarra",
            "date_of_birth": DOB,
            "sex_at_birth": "male",
        },
    )


@pytest.mark.parametrize(
    ("first", "last", "dob", "reason"),
    [
        ("Ibarra", "Felix", DOB, R.NAMES_SWAPPED),
        ("Felx", "Ibara", DOB, R.SIMILAR_FIRST_NAME),
        ("Felix", "Ibarra-Lopez", DOB, R.SAME_FIRST_NAME),
        ("Felix", "Ibarra", dt.date(1985, 12, 4), R.SAME_NAME),
        ("Felix", "Ibarra", dt.date(1985, 4, 21), R.SAME_NAME),
        ("Felix", "Ibarra", dt.date(1986, 4, 12), R.SAME_NAME),
    ],
)
def test_possible_duplicates_finds_them_in_the_database(cast, felix, first, last, dob, reason):
    matches = possible_duplicates(
        organization=cast.org, legal_first_name=first, legal_last_name=last, date_of_birth=dob
    )
    assert [m.patient for m in matches] == [felix]
    assert matches[0].reasons[0] == reason


def test_possible_duplicates_stay_within_the_organization(cast, felix) -> None:
    assert (
        possible_duplicates(
            organization=cast.other_org,
            legal_first_name="Ibarra",
            legal_last_name="Felix",
            date_of_birth=DOB,
        )
        == []
    )


@pytest.mark.parametrize("others", [5, 40])
def test_the_duplicate_check_is_one_query(cast, felix, others, django_assert_num_queries) -> None:
    for i in range(others):
        Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC7{i:05d}",
            legal_first_name=f"Other{i}",
            legal_last_name="Person",
            date_of_birth=dt.date(1985, 4, 12) + dt.timedelta(days=i % 3),
            sex_at_birth="male",
        )
    with django_assert_num_queries(1):  # 1 candidates by date of birth, name, phone or email
        matches = possible_duplicates(
            organization=cast.org,
            legal_first_name="Ibarra",
            legal_last_name="Felix",
            date_of_birth=DOB,
            phone="(541) 555-0101",
            email="someone@test.example",
        )
    assert matches[0].patient == felix


def test_the_strongest_match_comes_first(cast, felix) -> None:
    twin = patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data={
            "legal_first_name": "Felix",
            "legal_last_name": "Ibarra",
            "date_of_birth": dt.date(1985, 4, 13),
            "sex_at_birth": "male",
        },
    )
    matches = possible_duplicates(
        organization=cast.org,
        legal_first_name="Felix",
        legal_last_name="Ibarra",
        date_of_birth=dt.date(1985, 4, 13),
    )
    assert [m.patient for m in matches] == [twin, felix]
    assert matches[0].reasons == (R.SAME_NAME, R.SAME_DATE_OF_BIRTH)
    assert matches[1].reasons == (R.SAME_NAME, R.DOB_ONE_DIGIT_OFF)


# --- the service --------------------------------------------------------------------------


def _data(**extra) -> dict:
    return {
        "legal_first_name": "Ibarra",
        "legal_last_name": "Felix",
        "date_of_birth": DOB,
        "sex_at_birth": "male",
        **extra,
    }


def test_the_service_stops_at_possible_duplicates_without_a_reason(cast, felix) -> None:
    with pytest.raises(PossibleDuplicates) as stopped:
        patient_create(
            organization=cast.org, actor=cast.frontdesk, data=_data(), check_duplicates=True
        )
    assert [m.patient for m in stopped.value.matches] == [felix]
    assert Patient.objects.filter(legal_first_name="Ibarra").count() == 0
    # Nothing was used up: the next patient still gets the next MRN.
    created = patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data=_data(),
        check_duplicates=True,
        not_duplicate_reason="Twin brother; different SSN on file.",
    )
    assert created.mrn == "WTC000004"  # felix took WTC000003
    event = AuditEvent.objects.get(action="create", patient=created)
    assert event.detail == {
        "possible_duplicates": [
            {"patient_id": felix.pk, "reasons": ["names_swapped", "same_date_of_birth"]}
        ],
        "not_duplicate_reason": "Twin brother; different SSN on file.",
    }


# --- the web form -------------------------------------------------------------------------


def _form(**extra) -> dict:
    from infusionist.patients.tests.test_patients import VALID

    return {
        **VALID,
        "legal_first_name": "Ibarra",
        "legal_last_name": "Felix",
        "preferred_name": "",
        "date_of_birth": "1985-04-12",
        "phone": "",
        "email": "",
        **extra,
    }


@pytest.mark.parametrize(
    ("first", "last", "dob", "why"),
    [
        ("Ibarra", "Felix", "1985-04-12", "First and last names swapped"),
        ("Felx", "Ibara", "1985-04-12", "Last name spelled almost the same"),
        ("Felix", "Ibarra-Lopez", "04/12/1985", "Shares a part of a multi-part last name"),
        ("Felix", "Ibarra", "1985-12-04", "Date of birth with day and month swapped"),
        ("Felix", "Ibarra", "1985-04-13", "Date of birth one digit off"),
    ],
)
def test_the_form_shows_each_match_with_why(client, cast, felix, first, last, dob, why) -> None:
    client.force_login(cast.frontdesk)
    data = _form(legal_first_name=first, legal_last_name=last, date_of_birth=dob)
    response = client.post(reverse("patients:create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possible existing records" in html and felix.mrn in html and why in html
    assert f'value="{last}"' in html  # nothing typed is lost
    assert Patient.objects.count() == 4  # the cast's three and Felix


def test_the_form_records_the_reason_given_for_a_new_record(client, cast, felix) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("patients:create"),
        _form(confirm_not_duplicate="on", not_duplicate_reason="Different person: father."),
    )
    assert response.status_code == 302
    created = Patient.objects.get(legal_first_name="Ibarra")
    event = AuditEvent.objects.get(action="create", patient=created)
    assert event.detail["not_duplicate_reason"] == "Different person: father."
    assert event.detail["possible_duplicates"][0]["patient_id"] == felix.pk
    assert "names_swapped" in event.detail["possible_duplicates"][0]["reasons"]


def test_a_tick_without_words_is_not_enough(client, cast, felix) -> None:
    """Review round 1, finding 11: a near-duplicate was saved without a reason."""
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), _form(confirm_not_duplicate="on"))
    html = response.content.decode()
    assert response.status_code == 200 and "Write what tells them apart" in html
    assert not Patient.objects.filter(legal_first_name="Ibarra").exists()


def test_a_reason_without_the_tick_is_kept_and_asks_for_the_tick(client, cast, felix) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), _form(not_duplicate_reason="Father."))
    html = response.content.decode()
    assert response.status_code == 200 and "tick this box and say what tells them apart" in html
    assert "Father.</textarea>" in html


def test_the_confirmation_box_is_inside_the_form(client, cast, felix) -> None:
    client.force_login(cast.frontdesk)
    html = client.post(reverse("patients:create"), _form()).content.decode()
    start = html.index('<form method="post" novalidate>')
    form = html[start : html.index("</form>", start)]
    assert 'name="confirm_not_duplicate"' in form and 'name="not_duplicate_reason"' in form


def test_a_new_patient_without_matches_records_no_duplicate_detail(client, cast) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:create"), _form(legal_first_name="Unique"))
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="create").detail == {}


# ---- review round 1, finding 11: saving a possible duplicate needs a reason -----------------


@pytest.mark.parametrize(
    "reason", ["", "   ", ".", "ok", "n/a", "xxxx", "none", "Yes", "???", "aaaaaa"]
)
def test_a_possible_duplicate_is_not_saved_with_an_empty_reason(
    client, cast, felix, reason: str
) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("patients:create"),
        _form(confirm_not_duplicate="on", not_duplicate_reason=reason),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Write what tells them apart" in html
    assert "Possible existing records" in html or reason.strip()
    assert not Patient.objects.filter(legal_first_name="Ibarra").exists()


@pytest.mark.parametrize("reason", ["Twin", "Father.", "Her mother: different ID and address."])
def test_a_short_real_reason_is_accepted_and_recorded(client, cast, felix, reason: str) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("patients:create"),
        _form(confirm_not_duplicate="on", not_duplicate_reason=reason),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="create", patient__legal_first_name="Ibarra")
    assert event.detail["not_duplicate_reason"] == reason


@pytest.mark.parametrize("reason", ["ok", "...", "n/a"])
def test_the_service_refuses_an_empty_reason_for_every_caller(cast, felix, reason: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        patient_create(
            organization=cast.org,
            actor=cast.frontdesk,
            data={
                "legal_first_name": "Ibarra",
                "legal_last_name": "Felix",
                "date_of_birth": DOB,
                "sex_at_birth": "male",
            },
            check_duplicates=True,
            not_duplicate_reason=reason,
        )
    assert "not_duplicate_reason" in raised.value.message_dict


def test_the_api_refuses_an_empty_reason_beside_the_field(client, cast, felix) -> None:
    from infusionist.accounts.services import api_token_create

    token = api_token_create(user=cast.frontdesk)
    body = {
        "legal_first_name": "Ibarra",
        "legal_last_name": "Felix",
        "date_of_birth": "1985-04-12",
        "sex_at_birth": "male",
        "not_duplicate_reason": "ok",
    }
    response = client.post(
        "/api/v1/patients",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["not_duplicate_reason"]


def _edit_form(patient: Patient, **changes) -> dict:
    from infusionist.patients.services import EDITABLE_FIELDS

    data = {name: getattr(patient, name) or "" for name in EDITABLE_FIELDS}
    data["date_of_birth"] = patient.date_of_birth.isoformat()
    data.update(changes)
    return data


def test_an_edit_that_makes_a_patient_match_another_needs_a_reason(client, cast, felix) -> None:
    """Changing a name or date of birth into someone else's is the same risk as creating."""
    client.force_login(cast.frontdesk)
    url = reverse("patients:edit", args=[cast.other_patient.pk])
    change = {
        "legal_first_name": "Felix",
        "legal_last_name": "Ibarra",
        "date_of_birth": "1985-04-12",
    }
    response = client.post(url, _edit_form(cast.other_patient, **change))
    html = response.content.decode()
    assert response.status_code == 200 and "Possible existing records" in html
    assert felix.mrn in html and 'value="Ibarra"' in html
    cast.other_patient.refresh_from_db()
    assert cast.other_patient.legal_last_name != "Ibarra"
    refused = client.post(url, _edit_form(cast.other_patient, **change, confirm_not_duplicate="on"))
    assert "Write what tells them apart" in refused.content.decode()
    saved = client.post(
        url,
        _edit_form(
            cast.other_patient,
            **change,
            confirm_not_duplicate="on",
            not_duplicate_reason="Same name, different person: father and son.",
        ),
    )
    assert saved.status_code == 302
    event = AuditEvent.objects.get(action="update", patient=cast.other_patient)
    assert event.detail["not_duplicate_reason"].startswith("Same name")
    assert event.detail["possible_duplicates"][0]["patient_id"] == felix.pk


def test_an_edit_of_other_fields_of_a_known_match_asks_nothing(client, cast, felix) -> None:
    """A patient who already matched someone is not asked again for each edit."""
    twin = patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data={
            "legal_first_name": "Felix",
            "legal_last_name": "Ibarra",
            "date_of_birth": DOB,
            "sex_at_birth": "male",
        },
        check_duplicates=True,
        not_duplicate_reason="Twin brother.",
    )
    client.force_login(cast.frontdesk)
    url = reverse("patients:edit", args=[twin.pk])
    response = client.post(url, _edit_form(twin, pronouns="he/him", phone="(541) 555-0155"))
    assert response.status_code == 302
