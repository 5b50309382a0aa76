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
