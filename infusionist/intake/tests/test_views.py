"""The intake's pages: the patient's own (portal) and the staff's (/intake/), access, audit and
exact query budgets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.intake import services
from infusionist.intake.models import IntakePacket
from infusionist.intake.tests.test_services import COMPLETE, fill
from infusionist.patients.models import Patient
from infusionist.test import PASSWORD


def _second_patient(cast) -> tuple[Patient, User]:
    patient = Patient.objects.create(
        organization=cast.org,
        mrn="WTC000777",
        legal_first_name="Bea",
        legal_last_name="Secondpatient",
        date_of_birth="1990-01-01",
        sex_at_birth="female",
    )
    user = User.objects.create_user(
        "bea@test.example", PASSWORD, role=Role.PATIENT, organization=cast.org
    )
    patient.user = user
    patient.save(update_fields=["user"])
    return patient, user


def test_the_home_card_leads_to_the_next_unfinished_section(client, cast) -> None:
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Fill in your intake" in page and "0 of 8 parts done" in page
    assert reverse("portal:intake_section", args=["contacts"]) in page
    fill(cast, skip=("medical", "medications", "allergies", "body"))
    page = client.get(reverse("portal:home")).content.decode()
    assert "Continue your intake" in page and "3 of 8 parts done" in page
    assert reverse("portal:intake_section", args=["medical"]) in page


def test_a_patient_saves_a_part_and_sees_it_again_with_the_message(client, cast) -> None:
    client.force_login(cast.patient_user)
    url = reverse("portal:intake_save", args=["medications"])
    response = client.post(url, {"med-0-name": "sertraline", "med-0-dose_mg": "fifty"})
    assert response.status_code == 302
    assert (
        response["Location"] == reverse("portal:intake_section", args=["medications"]) + "?saved=1"
    )
    page = client.get(response["Location"]).content.decode()
    # One message says both: saved, and what needs checking (no green and red banners together).
    assert "Saved. One answer needs checking: Please enter a number, like 20 mg." in page
    assert "Saved. You can stop now" not in page
    assert 'value="fifty"' in page and "Please enter a number" in page
    assert 'value="sertraline"' in page


def test_save_and_continue_goes_to_the_next_unfinished_part(client, cast) -> None:
    client.force_login(cast.patient_user)
    response = client.post(
        reverse("portal:intake_save", args=["allergies"]), {"none_known": "1", "continue": "1"}
    )
    assert response["Location"] == reverse("portal:intake_section", args=["body"])
    # "continue" on an unfinished part stays on it and says what is missing.
    response = client.post(reverse("portal:intake_save", args=["body"]), {"continue": "1"})
    assert response["Location"].startswith(reverse("portal:intake_section", args=["body"]))


def test_an_autosave_answers_json(client, cast) -> None:
    client.force_login(cast.patient_user)
    response = client.post(
        reverse("portal:intake_save", args=["allergies"]),
        {"allergy-0-substance": "latex"},
        HTTP_X_AUTOSAVE="1",
    )
    assert response.json() == {"saved": True, "problems": 0}
    packet = IntakePacket.objects.get(patient=cast.patient)
    assert packet.answers["allergies"]["items"] == [{"substance": "latex", "reaction": ""}]
    event = AuditEvent.objects.get(object_type="intake_packet", action="update")
    assert event.detail["autosave"] is True


def test_a_signed_out_autosave_answers_json_and_a_post_goes_to_sign_in(client, cast) -> None:
    url = reverse("portal:intake_save", args=["allergies"])
    assert client.post(url, {"none_known": "1"}, HTTP_X_AUTOSAVE="1").status_code == 401
    response = client.post(url, {"none_known": "1"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_patient_only_ever_sees_their_own_intake(client, cast) -> None:
    fill(cast)
    _other, other_user = _second_patient(cast)
    client.force_login(other_user)
    page = client.get(reverse("portal:intake_section", args=["medications"])).content.decode()
    assert "lorazepam" not in page
    client.post(reverse("portal:intake_save", args=["allergies"]), {"none_known": "1"})
    assert (
        IntakePacket.objects.get(patient=cast.patient).answers["allergies"] == COMPLETE["allergies"]
    )
    # A patient may not open the staff pages.
    assert client.get(reverse("intake:detail", args=[cast.patient.pk])).status_code == 403


def test_an_unknown_section_is_404(client, cast) -> None:
    client.force_login(cast.patient_user)
    assert client.get(reverse("portal:intake_section", args=["nonsense"])).status_code == 404
    client.force_login(cast.nurse)
    url = reverse("intake:section", args=[cast.patient.pk, "baseline"])
    assert client.get(url).status_code == 404


def test_the_patient_submits_and_sees_it_sent(client, cast) -> None:
    fill(cast)
    client.force_login(cast.patient_user)
    response = client.post(reverse("portal:intake_submit"), follow=True)
    page = response.content.decode()
    assert "Your answers were sent to your clinic" in page
    packet = IntakePacket.objects.get(patient=cast.patient)
    assert packet.submitted_at is not None and len(packet.facts_sha256) == 64


def test_staff_see_what_is_missing_and_fill_a_part_for_the_patient(client, cast) -> None:
    fill(cast, skip=("allergies", "body"))
    client.force_login(cast.frontdesk)
    listing = client.get(reverse("intake:list")).content.decode()
    assert "Alice" in listing and "Allergies, Height and weight" in listing
    record = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert reverse("intake:detail", args=[cast.patient.pk]) in record
    detail = client.get(reverse("intake:detail", args=[cast.patient.pk])).content.decode()
    assert "lorazepam" in detail and "Last changed by Alice" in detail
    response = client.post(
        reverse("intake:section_save", args=[cast.patient.pk, "allergies"]),
        {"allergy-0-substance": "penicillin", "allergy-0-reaction": "hives", "to_intake": "1"},
    )
    assert response["Location"] == reverse("intake:detail", args=[cast.patient.pk])
    event = AuditEvent.objects.get(
        object_type="intake_packet", actor=cast.frontdesk, action="update"
    )
    assert event.detail["old"] is None
    assert event.detail["new"]["items"] == [{"substance": "penicillin", "reaction": "hives"}]
    detail = client.get(reverse("intake:detail", args=[cast.patient.pk])).content.decode()
    assert "Last changed by Fran Desk" in detail and "penicillin" in detail


def test_another_clinics_patient_is_404_for_staff(client, cast) -> None:
    client.force_login(cast.nurse)
    for name in ("intake:detail",):
        assert client.get(reverse(name, args=[cast.outsider_patient.pk])).status_code == 404
    url = reverse("intake:section_save", args=[cast.outsider_patient.pk, "allergies"])
    assert client.post(url, {"none_known": "1"}).status_code == 404
    assert not IntakePacket.objects.filter(patient=cast.outsider_patient).exists()


def test_the_spanish_patient_reads_the_intake_in_spanish(client, cast) -> None:
    cast.patient.preferred_language = Patient.Language.SPANISH
    cast.patient.save(update_fields=["preferred_language"])
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:intake_section", args=["body"])).content.decode()
    assert "Estatura y peso" in page and "¿Qué unidades quiere usar?" in page
    client.post(reverse("portal:intake_save", args=["body"]), {"height_cm_typed": "abc"})
    page = client.get(reverse("portal:intake_section", args=["body"])).content.decode()
    assert "Escriba un número" in page and 'value="abc"' in page


# ---- exact query budgets ----------------------------------------------------------------------


@pytest.mark.parametrize("section", ["medications", "baseline"])
def test_a_section_page_has_a_fixed_query_budget(
    client, cast, section, django_assert_num_queries
) -> None:
    fill(cast)
    services.intake_baseline_start(patient=cast.patient, actor=cast.patient_user)
    client.force_login(cast.patient_user)
    url = reverse("portal:intake_section", args=[section])
    client.get(url)
    # 1 session, 2 user (+organization), 3 the patient's language, 4 the patient record,
    # 5 the packet, 6 audit event, 7-8 savepoint and release, 9 session save; the baseline
    # page also reads 10 the sent answers and 11 the open requests.
    with django_assert_num_queries(11 if section == "baseline" else 9):
        assert client.get(url).status_code == 200


def test_the_review_page_has_a_fixed_query_budget(client, cast, django_assert_num_queries) -> None:
    fill(cast)
    client.force_login(cast.patient_user)
    client.get(reverse("portal:intake"))
    with django_assert_num_queries(11):
        assert client.get(reverse("portal:intake")).status_code == 200


@pytest.mark.parametrize("n", [1, 4])
def test_the_staff_list_has_a_fixed_query_budget(
    client, cast, n, django_assert_num_queries
) -> None:
    for i in range(n):
        patient = Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC0009{i:02d}",
            legal_first_name=f"P{i}",
            legal_last_name="Listpatient",
            date_of_birth="1980-01-01",
            sex_at_birth="male",
        )
        services.intake_section_save(
            patient=patient, actor=cast.nurse, code="allergies", answers={"none_known": True}
        )
    client.force_login(cast.nurse)
    client.get(reverse("intake:list"))
    # 1 session, 2 user, 3 the staff member's authenticator (MFA), 4 intakes in progress
    # (+patients), 5 submitted ones, 6 one audit event for the page, 7-9 session save in a
    # savepoint
    with django_assert_num_queries(9):
        assert client.get(reverse("intake:list")).status_code == 200


def test_the_staff_intake_page_has_a_fixed_query_budget(
    client, cast, django_assert_num_queries
) -> None:
    fill(cast)
    client.force_login(cast.nurse)
    url = reverse("intake:detail", args=[cast.patient.pk])
    client.get(url)
    # 1 session, 2 user, 3 authenticator (MFA), 4 patient, 5 packet, 6 baseline answers,
    # 7 baseline requests, 8 audit event, 9-11 session save in a savepoint
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
