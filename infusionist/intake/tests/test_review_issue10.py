"""Review of issue 10: the intake's audit trail in words, over-long text refused (never cut),
every message in Spanish, staff wording without codes, numbers with their units."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from infusionist.administration.selectors import audit_row
from infusionist.audit.models import AuditEvent
from infusionist.intake import sections, services
from infusionist.intake.selectors import section_state
from infusionist.intake.tests.test_services import COMPLETE, fill


def _post(data: dict[str, str | list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query


def _last_intake_row(cast):
    event = AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.INTAKE_PACKET, action=AuditEvent.Action.UPDATE
    ).latest("id")
    return event, audit_row(event)


# ---- 1. the audit trail says what changed --------------------------------------------


def test_staff_ticking_seizures_shows_the_section_and_old_and_new_words(client, cast) -> None:
    fill(cast)
    medical = {**COMPLETE["medical"], "conditions": ["hypertension", "seizure_disorder"]}
    services.intake_section_save(
        patient=cast.patient, actor=cast.nurse, code="medical", answers=medical
    )
    _event, row = _last_intake_row(cast)
    changes = {c.label: (c.before, c.after) for c in row.changes}
    assert changes == {
        "Conditions": ("High blood pressure", "High blood pressure; Seizures or epilepsy")
    }
    assert ("Section", "Physical health") in row.notes
    assert ("Written by", "Staff, on the patient's behalf") in row.notes

    client.force_login(cast.admin)
    page = client.get(reverse("administration:audit_report")).content.decode()
    assert "Seizures or epilepsy" in page and "seizure_disorder" not in page
    body = b"".join(client.get(reverse("administration:audit_export")).streaming_content).decode()
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["object_type"] == "intake_packet"]
    medical_row = next(r for r in rows if "Conditions" in r["fields_changed"])
    assert "Seizures or epilepsy" in medical_row["after"]
    assert "seizure_disorder" not in body


def test_the_patients_own_changes_read_in_words_too(cast) -> None:
    services.intake_section_save(
        patient=cast.patient, actor=cast.patient_user, code="contacts", answers=COMPLETE["contacts"]
    )
    changed = {**COMPLETE["contacts"], "phone": "+15415550199", "city": "Eugene"}
    services.intake_section_save(
        patient=cast.patient, actor=cast.patient_user, code="contacts", answers=changed
    )
    _event, row = _last_intake_row(cast)
    changes = {c.label: (c.before, c.after) for c in row.changes}
    assert changes == {
        "Mobile phone": ("(541) 555-0101", "(541) 555-0199"),
        "City": ("Testville", "Eugene"),
    }
    assert ("Written by", "Patient") in row.notes


@pytest.mark.parametrize(
    ("code", "answers", "label", "after"),
    [
        (
            "psychiatric",
            {**COMPLETE["psychiatric"], "conditions": ["ptsd"], "none": False},
            "Conditions",
            "Post-traumatic stress disorder (PTSD)",
        ),
        (
            "antidepressant_trials",
            {
                "trials": [
                    {**COMPLETE["antidepressant_trials"]["trials"][0], "response": "partial"}
                ],
                "none": False,
            },
            "Antidepressants tried",
            "response: it helped a little",
        ),
        (
            "medications",
            {"items": [{"name": "lithium", "dose_mg": 300, "times_per_day": 2}], "none": False},
            "Medicines",
            "lithium: 300 mg, 2 a day",
        ),
        (
            "body",
            sections.body_from_typed(units="us", height_ft="5", height_in="10", weight_lb="180"),
            "Units",
            "feet, inches and pounds",
        ),
    ],
)
def test_every_section_change_reads_in_words(cast, code, answers, label, after) -> None:
    fill(cast)
    services.intake_section_save(patient=cast.patient, actor=cast.nurse, code=code, answers=answers)
    _event, row = _last_intake_row(cast)
    said = {c.label: c.after for c in row.changes}
    assert after in said[label]
    assert not any("_" in c.after or "_" in c.before for c in row.changes)


# ---- 2. over-long text is refused beside its field, never cut ----------------------------


LONG = ("word " * 10247)[:51234]


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("medical", "other"),
        ("psychiatric", "diagnoses"),
        ("psychiatric", "substance_details"),
        ("contacts", "address_line1"),
        ("antidepressant_trials", "trial-0-drug"),
        ("medications", "med-0-name"),
        ("allergies", "allergy-0-reaction"),
        ("body", "height_cm_typed"),
    ],
)
def test_over_long_text_is_refused_with_the_limit_named_and_kept(code, field) -> None:
    data = {field: LONG}
    if field.startswith("allergy"):
        data["allergy-0-substance"] = "penicillin"
    answers = sections.from_post(code, _post(data))
    problems = sections.problems(code, answers)
    assert problems[field] == (
        "Please shorten this: it can be at most 2,000 characters; this has 51,234."
    )
    with translation.override("es"):
        spanish = sections.problems(code, answers)[field]
    assert "como máximo 2,000 caracteres; este tiene 51,234" in spanish


def test_the_patients_page_keeps_the_long_text_in_the_box(client, cast) -> None:
    client.force_login(cast.patient_user)
    url = reverse("portal:intake_save", args=["medical"])
    response = client.post(url, {"none": "1", "other": LONG})
    page = client.get(response["Location"]).content.decode()
    assert "this has 51,234" in page
    assert LONG.strip() in page  # the whole text, not 2,000 characters of it


# ---- 3. every intake message in Spanish -------------------------------------------------


BAD_INPUTS: dict[str, dict[str, str | list[str]]] = {
    "contacts": {
        "phone": "541-555-01",
        "email": "not-an-email",
        "emergency_contact_phone": "12",
        "postal_code": "9740",
        "state": "Oregon",
        "city": LONG,
    },
    "psychiatric": {"hospitalizations": "many", "diagnoses": LONG},
    "antidepressant_trials": {
        "trial-0-daily_dose_mg": "lots",
        "trial-0-duration_weeks": "999",
        "trial-1-drug": "x",
        "trial-1-daily_dose_mg": "0.5 g",
    },
    "medical": {"systolic_mmhg": "high", "diastolic_mmhg": "500"},
    "medications": {"med-0-dose_mg": "180 lbs", "med-0-times_per_day": "twice"},
    "allergies": {"allergy-0-reaction": "rash"},
    "body": {"units": "metric", "height_cm_typed": "5'10", "weight_kg_typed": "180 lbs"},
}
MORE_BAD_INPUTS: dict[str, dict[str, str | list[str]]] = {
    "medical": {"systolic_mmhg": "120"},
    "body": {"units": "us", "height_ft": "170 cm", "height_in": "x", "weight_lb": "80 kg"},
    "psychiatric": {"hospitalizations": "500"},
}


@pytest.mark.parametrize("inputs", [BAD_INPUTS, MORE_BAD_INPUTS])
def test_every_intake_message_is_in_spanish(client, cast, inputs) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    client.force_login(cast.patient_user)
    for code, data in inputs.items():
        with translation.override("en"):
            english = sections.problems(code, sections.from_post(code, _post(data)))
        response = client.post(reverse("portal:intake_save", args=[code]), data)
        page = client.get(response["Location"]).content.decode()
        assert english, code
        for field, message in english.items():
            assert message not in page, (code, field, message)
        assert "Guardado. " in page


def test_the_reviewers_phone_reads_in_spanish(client, cast) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    client.force_login(cast.patient_user)
    response = client.post(
        reverse("portal:intake_save", args=["contacts"]), {"phone": "541-555-01"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "Escriba un número de teléfono válido" in page
    assert "Enter a valid phone number" not in page


# ---- 4. staff pages name things for staff, never codes ----------------------------------


def test_staff_pages_use_staff_words_without_codes(client, cast) -> None:
    fill(cast)
    psychiatric = {**COMPLETE["psychiatric"], "conditions": ["ptsd"], "none": False}
    services.intake_section_save(
        patient=cast.patient, actor=cast.nurse, code="psychiatric", answers=psychiatric
    )
    client.force_login(cast.nurse)
    page = client.get(reverse("intake:detail", args=[cast.patient.pk])).content.decode()
    assert "Contact details" in page and "Your contact details" not in page
    assert "Preferred name" in page and "The name you like to be called" not in page
    assert "(ptsd)" not in page and "(seizure_disorder)" not in page
    assert "(541) 555-0101" in page and "+15415550101" not in page
    assert "adequate: Yes" in page and "response: It did not help" in page
    section = client.get(
        reverse("intake:section", args=[cast.patient.pk, "contacts"])
    ).content.decode()
    assert "<h1>Contact details" in section and "Preferred name" in section


def test_contacts_complete_on_the_record_are_done(cast) -> None:
    for name, value in COMPLETE["contacts"].items():
        setattr(cast.patient, name, value)
    cast.patient.save()
    fill(cast, skip=("contacts",))
    packet = cast.patient.intake_packet if hasattr(cast.patient, "intake_packet") else None
    from infusionist.intake.models import IntakePacket

    packet = IntakePacket.objects.get(patient=cast.patient)
    assert section_state("contacts", packet, cast.patient).state == "done"
    assert section_state("contacts", packet).state == "empty"  # no record to judge
    services.intake_submit(patient=cast.patient, actor=cast.patient_user)


# ---- 5. numbers with their units --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "mg"), [("20mg", 20), ("20 mg", 20), ("0.5 mg", 0.5), ("20 MG", 20), ("0,5 mg", 0.5)]
)
def test_a_dose_with_its_own_unit_reads_as_the_number(typed, mg) -> None:
    answers = sections.from_post(
        "medications",
        _post({"med-0-name": "x", "med-0-dose_mg": typed, "med-0-times_per_day": "2"}),
    )
    assert answers["items"][0]["dose_mg"] == mg
    assert sections.problems("medications", answers) == {}


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        (
            {"units": "metric", "weight_kg_typed": "180 lbs"},
            "weight_kg_typed",
            "This box is in kilograms. To give pounds, choose “feet, inches and pounds”",
        ),
        (
            {"units": "metric", "height_cm_typed": "5'10"},
            "height_cm_typed",
            "This box is in centimetres. To give feet and inches",
        ),
        (
            {"units": "us", "weight_lb": "80 kg"},
            "weight_lb",
            "This box is in pounds. To give kilograms, choose “cm and kg”",
        ),
    ],
)
def test_a_body_measure_in_the_other_units_points_to_the_unit_switch(data, field, expected):
    problems = sections.problems("body", sections.from_post("body", _post(data)))
    assert problems[field].startswith(expected)


def test_kg_and_cm_with_their_own_units_read_as_numbers() -> None:
    answers = sections.from_post(
        "body", _post({"units": "metric", "height_cm_typed": "170 cm", "weight_kg_typed": "70kg"})
    )
    assert (answers["height_cm"], answers["weight_kg"]) == ("170", "70")
    assert sections.problems("body", answers) == {}


def test_number_messages_give_realistic_examples_without_stray_spaces() -> None:
    meds = sections.from_post(
        "medications",
        _post({"med-0-name": "x", "med-0-dose_mg": "0.5 g", "med-0-times_per_day": "twice"}),
    )
    found = sections.problems("medications", meds)
    assert found["med-0-times_per_day"] == "Please enter a number, like 2."
    assert found["med-0-dose_mg"] == (
        "This box is in milligrams; please enter the number in milligrams, like 20 mg."
    )
    trials = sections.from_post(
        "antidepressant_trials", _post({"trial-0-drug": "x", "trial-0-duration_weeks": "999"})
    )
    assert sections.problems("antidepressant_trials", trials)["trial-0-duration_weeks"] == (
        "Please check this number: it should be between 0 and 520 weeks."
    )
    psych = sections.from_post("psychiatric", _post({"hospitalizations": "500"}))
    message = sections.problems("psychiatric", psych)["hospitalizations"]
    assert message == "Please check this number: it should be between 0 and 100."
    assert " ." not in message


def test_staff_see_one_message_for_saved_with_a_problem(client, cast) -> None:
    client.force_login(cast.nurse)
    response = client.post(
        reverse("intake:section_save", args=[cast.patient.pk, "medications"]),
        {"med-0-name": "sertraline", "med-0-dose_mg": "fifty"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "Saved. One answer needs checking: Please enter a number, like 20 mg." in page
    assert page.count("Saved.") == 1
