"""Name search (issue 8, item 12): multi-part surnames, punctuation and other scripts.

Any word typed matches any word of the legal first, middle, last or preferred name as a
prefix, with or without accents, punctuation or the spaces inside a name.
"""

from __future__ import annotations

import datetime as dt
import types

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infusionist.patients.models import Patient, PatientNameToken
from infusionist.patients.normalize import name_key, name_tokens, query_words
from infusionist.patients.selectors import parse_search, patient_search, possible_duplicates
from infusionist.patients.services import patient_create
from infusionist.patients.validators import validate_person_name


def register(cast, first: str, last: str, **extra) -> Patient:
    data = {
        "legal_first_name": first,
        "legal_last_name": last,
        "date_of_birth": dt.date(1980, 1, 1),
        "sex_at_birth": "female",
        **extra,
    }
    return patient_create(organization=cast.org, actor=cast.frontdesk, data=data)


def found(cast, text: str) -> list[Patient]:
    query, results = patient_search(organization=cast.org, text=text)
    assert query.kind == "name", (text, query)
    return list(results)


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("O'Brien-Núñez", "o brien nunez"),
        ("Peña-Ruiz ", "pena ruiz"),
        ("De la Cruz", "de la cruz"),
        ("Łukasz", "lukasz"),
        ("Żółć", "zolc"),
        ("Groß", "gross"),
        ("Øster", "oster"),
        ("Nguyễn", "nguyen"),
        ("Владимир", "vladimir"),
        ("Ἀθηνᾶ", "athina"),
        ("北京", "beijing"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("Jose\u0301", "jose"),  # a decomposed accent
    ],
)
def test_name_keys_transliterate_letters_instead_of_dropping_them(value: str, key: str) -> None:
    assert name_key(value) == key


def test_name_tokens_hold_each_word_and_the_words_written_together() -> None:
    assert name_tokens("O'Brien-Núñez") == {"o", "brien", "nunez", "obriennunez", "briennunez"}
    assert name_tokens("De la Cruz") == {"de", "la", "cruz", "delacruz", "lacruz"}
    assert name_tokens("Ruiz") == {"ruiz"}
    assert name_tokens("") == set()


def test_query_words_keep_each_typed_word_whole() -> None:
    assert query_words("O'Brien-Núñez, Ana") == ["obriennunez", "ana"]
    assert query_words("  De la  Cruz;cruz ") == ["de", "la", "cruz"]
    assert query_words("'- ,") == []


@pytest.fixture
def multi_part(cast) -> dict[str, Patient]:
    return {
        "obrien": register(cast, "Carmen", "O'Brien-Núñez"),
        "pena": register(cast, "Luis", "Peña-Ruiz"),
        "cruz": register(cast, "Ana", "De la Cruz", legal_middle_name="María José"),
        "vdb": register(cast, "Joost", "van der Berg", preferred_name="Jo"),
    }


@pytest.mark.parametrize(
    ("text", "who"),
    [
        # The examples: typed exactly, either part alone, without punctuation.
        ("O'Brien-Núñez", "obrien"),
        ("Peña-Ruiz", "pena"),
        ("De la Cruz", "cruz"),
        ("Ruiz", "pena"),
        ("Cruz", "cruz"),
        ("OBrien", "obrien"),
        # Same kinds: other parts, accents dropped or kept, case, spaces, order, prefixes.
        ("Núñez", "obrien"),
        ("nunez", "obrien"),
        ("Brien", "obrien"),
        ("O'Brien", "obrien"),
        ("O Brien", "obrien"),
        ("OBRIEN-NUNEZ", "obrien"),
        ("obriennunez", "obrien"),
        ("Brien-Nuñez", "obrien"),
        ("O'Bri", "obrien"),
        ("Carmen OBrien", "obrien"),
        ("OBrien Nunez, Carmen", "obrien"),
        ("Pena", "pena"),
        ("Pena Ruiz", "pena"),
        ("PenaRuiz", "pena"),
        ("pena-ruiz luis", "pena"),
        ("Ruiz, Luis", "pena"),
        ("DelaCruz", "cruz"),
        ("de la cruz ana", "cruz"),
        ("la cruz", "cruz"),
        ("Cruz, Ana María", "cruz"),
        ("Jose Cruz", "cruz"),
        ("van der Berg", "vdb"),
        ("vanderberg", "vdb"),
        ("Berg", "vdb"),
        ("Jo Berg", "vdb"),
    ],
)
def test_multi_part_surnames_are_found_by_any_part_or_spelling(
    cast, multi_part, text: str, who: str
) -> None:
    assert multi_part[who] in found(cast, text)


@pytest.mark.parametrize("text", ["Ruiz Carmen", "Cruz Luis", "Nunez Zed", "Brienz", "Obrien-X"])
def test_every_word_typed_must_match(cast, multi_part, text: str) -> None:
    assert found(cast, text) == []


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        ("Łukasz", "Żółć", "Lukasz Zolc"),
        ("Łukasz", "Żółć", "Łukasz"),
        ("Jürgen", "Groß", "Jurgen Gross"),
        ("Søren", "Østergård", "Soren Ostergard"),
        ("Владимир", "Петров", "Vladimir Petrov"),
        ("Владимир", "Петров", "Петров"),
        ("Thị", "Nguyễn", "Nguyen Thi"),
        ("Ἀθηνᾶ", "Παπαδοπούλου", "Athina"),
    ],
)
def test_letters_without_a_plain_form_are_transliterated(cast, first, last, text) -> None:
    patient = register(cast, first, last)
    assert found(cast, text) == [patient]


def test_name_search_stays_within_the_organization(cast, multi_part) -> None:
    register_other = {
        "legal_first_name": "Luis",
        "legal_last_name": "Peña-Ruiz",
        "date_of_birth": dt.date(1980, 1, 1),
        "sex_at_birth": "male",
    }
    other = patient_create(organization=cast.other_org, actor=cast.outsider, data=register_other)
    assert found(cast, "Peña-Ruiz") == [multi_part["pena"]]
    assert list(patient_search(organization=cast.other_org, text="Ruiz")[1]) == [other]


def test_renaming_a_patient_replaces_their_tokens(cast, multi_part) -> None:
    from infusionist.patients.services import patient_update

    patient = multi_part["pena"]
    patient_update(patient=patient, actor=cast.frontdesk, data={"legal_last_name": "Ruiz Soto"})
    assert found(cast, "Pena") == []
    assert found(cast, "Soto") == [patient] and found(cast, "RuizSoto") == [patient]
    assert set(patient.search_tokens.values_list("token", flat=True)) == {
        "luis",
        "ruiz",
        "soto",
        "ruizsoto",
    }


def test_a_save_of_other_fields_leaves_the_tokens_alone(
    cast, multi_part, django_assert_num_queries
) -> None:
    patient = multi_part["cruz"]
    patient.city = "Testville"
    with django_assert_num_queries(1):  # the UPDATE alone
        patient.save(update_fields=["city"])


def test_the_duplicate_check_compares_the_same_keys(cast, multi_part) -> None:
    for first, last in [("Carmen", "OBrien Nunez"), ("CARMEN", "o'brien-nuñez")]:
        matches = possible_duplicates(
            organization=cast.org,
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=dt.date(1980, 1, 1),
        )
        assert [m.patient for m in matches][:1] == [multi_part["obrien"]]
        assert matches[0].reasons[0] == "same_name"
    lukasz = register(cast, "Łukasz", "Żółć", date_of_birth=dt.date(1970, 3, 3))
    matches = possible_duplicates(
        organization=cast.org,
        legal_first_name="Lukasz",
        legal_last_name="Zolc",
        date_of_birth=dt.date(1970, 3, 3),
    )
    assert [m.patient for m in matches] == [lukasz]


def test_the_data_migration_gives_existing_patients_their_tokens(cast) -> None:
    from importlib import import_module

    fill = import_module("infusionist.patients.migrations.0005_fill_name_tokens").fill_name_tokens
    patient = register(cast, "Carmen", "O'Brien-Núñez")
    # As stored before the migration: no tokens, and keys that dropped letters.
    PatientNameToken.objects.all().delete()
    Patient.objects.filter(pk=patient.pk).update(last_name_key="o brien")
    assert found(cast, "Nunez") == []
    fill(apps, types.SimpleNamespace(connection=types.SimpleNamespace(alias="default")))
    assert found(cast, "Nunez") == [patient] and found(cast, "testpatient") == [cast.patient]
    assert Patient.objects.get(pk=patient.pk).last_name_key == "o brien nunez"


def test_a_name_with_digits_is_searched_as_a_name_not_a_phone(cast) -> None:
    patient = register(cast, "Henry", "Tudor 8th")
    assert parse_search("Tudor 8th 1509").kind == "name"
    assert found(cast, "Henry Tudor 8th") == [patient]


# --- property: every registered patient is found by their exact registered name --------------

NAME_CHARACTERS = st.characters(
    categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nl", "Nd"),
    include_characters=" '-.,",
)


def _acceptable(name: str) -> bool:
    try:
        validate_person_name(name)
    except Exception:
        return False
    return True


NAMES = st.text(NAME_CHARACTERS, min_size=1, max_size=80).map(str.strip).filter(_acceptable)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=NAMES,
    last=NAMES,
    middle=st.one_of(st.just(""), NAMES),
    how=st.sampled_from(["first last", "last, first", "legal name", "last", "first"]),
)
def test_every_registered_patient_is_found_by_their_exact_name(
    cast, first: str, last: str, middle: str, how: str
) -> None:
    patient = register(cast, first, last, legal_middle_name=middle)
    text = {
        "first last": f"{first} {last}",
        "last, first": f"{last}, {first}",
        "legal name": patient.legal_name,
        "last": last,
        "first": first,
    }[how]
    query, results = patient_search(organization=cast.org, text=text)
    if how in ("last", "first") and query.kind == "mrn":
        return  # one word shaped like an MRN ("Ab1234") is looked up as an MRN
    assert query.kind == "name", (text, query)
    assert patient in results, (text, query)


@pytest.mark.parametrize("matches", [30, 60])
def test_a_multi_word_name_search_has_the_same_query_budget(
    client, cast, matches, django_assert_num_queries
) -> None:
    from django.urls import reverse

    for i in range(matches):
        Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC9{i:05d}",
            legal_first_name="Zed",
            legal_last_name=f"De la Zulu-Núñez{i}",
            date_of_birth=dt.date(1980, 1, 1),
            sex_at_birth="male",
        )
    client.force_login(cast.frontdesk)
    results_url = client.post(reverse("patients:list"), {"q": "zed zulu-nunez"})["Location"]
    # 1 session, 2 user (+organization), 3 count, 4 search event, 5 page of patients (the
    # name tokens of every word in one subquery), 6 view events naming each patient shown,
    # 7 savepoint, 8 session save, 9 release savepoint
    with django_assert_num_queries(9):
        response = client.get(results_url)
    assert response.status_code == 200
    assert f"{matches} patients match" in response.content.decode()
