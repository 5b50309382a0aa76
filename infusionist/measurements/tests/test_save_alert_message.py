"""Every staff save that raises a suicidality alert says so at once: the alert is open, who was
notified, and the crisis resources; a partial save links to the alert.
"""

from __future__ import annotations

from django.urls import reverse

from infusionist.measurements.models import SafetyAlert


def _post(client, cast, data, *, partial):
    client.force_login(cast.nurse)
    name = "measurements:enter_save" if partial else "measurements:enter"
    return client.post(reverse(name, args=[cast.patient.pk, "phq9"]), data, follow=True)


def test_the_reviewers_partial_phq9_with_item9_says_an_alert_was_raised(client, cast) -> None:
    response = _post(client, cast, {"q1": "1", "q9": "2"}, partial=True)
    page = response.content.decode()
    alert = SafetyAlert.objects.get()
    assert "Suicidality answer: a safety alert is open" in page
    assert "has been notified" in page or "No responsible clinician is set" in page
    assert "988" in page and "741741" in page
    assert reverse("measurements:safety", args=[cast.patient.pk]) in page
    assert "not scored" in page
    if alert.assigned_to:
        assert alert.assigned_to.display_name in page


def test_a_partial_save_without_item9_says_only_in_progress(client, cast) -> None:
    page = _post(client, cast, {"q1": "1", "q9": "0"}, partial=True).content.decode()
    assert "Saved as in progress" in page and "safety alert is open" not in page
    assert not SafetyAlert.objects.exists()


def test_a_complete_item9_save_names_who_was_notified(client, cast) -> None:
    data = {f"q{i}": "1" for i in range(1, 9)} | {"q9": "1"}
    page = _post(client, cast, data, partial=False).content.decode()
    assert "Suicidality answer: a safety alert is open" in page and "741741" in page
    assert "has been notified" in page or "No responsible clinician is set" in page


def test_a_cssrs_partial_with_intent_says_an_alert_was_raised(client, cast) -> None:
    client.force_login(cast.nurse)
    url = reverse("measurements:enter_save", args=[cast.patient.pk, "cssrs_screener"])
    page = client.post(url, {"q1": "1", "q2": "1", "q4": "1"}, follow=True).content.decode()
    assert SafetyAlert.objects.exists()
    assert "Suicidality answer: a safety alert is open" in page


# ---- the prefilled "Professionals and crisis lines" step -------------------------------------


def _professional_step(client, cast) -> str:
    from infusionist.measurements.tests.test_views import submit

    submit(cast, item9=2)
    alert = SafetyAlert.objects.get()
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    start = page.index(f'name="alert-{alert.pk}-professional_contacts"')
    return page[start : page.index("</textarea>", start)]


def test_the_crisis_lines_step_gives_the_clinics_main_phone(client, cast) -> None:
    cast.org.phone = "+15415550100"
    cast.org.save(update_fields=["phone"])
    step = _professional_step(client, cast)
    assert "this clinic: (541) 555-0100" in step and "988" in step


def test_the_crisis_lines_step_falls_back_to_the_locations_phone(client, cast) -> None:
    cast.org.phone = ""
    cast.org.save(update_fields=["phone"])
    cast.org.locations.update(phone="+15415550123")
    assert "this clinic: (541) 555-0123" in _professional_step(client, cast)


def test_no_dangling_clinic_label_without_a_phone(client, cast) -> None:
    cast.org.phone = ""
    cast.org.save(update_fields=["phone"])
    cast.org.locations.update(phone="")
    step = _professional_step(client, cast)
    assert "this clinic" not in step and "911 for immediate danger" in step
    assert not step.rstrip().endswith(":")
