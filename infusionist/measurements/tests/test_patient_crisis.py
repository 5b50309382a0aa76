"""Every crisis item of every instrument brings crisis resources at once, in both languages
(issue 8, item 2), wherever a patient answers: here the link pages; the portal in its tests.

The page carries, beside each crisis item, a hidden panel that the page script shows, scrolls
into view and announces (tests/e2e checks that in a phone-sized browser); the thresholds are
the clinic's (``Instrument.crisis_items``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.lib import instruments
from infusionist.measurements import services
from infusionist.measurements.models import Assignment, MeasurementSettings

DOB = {"month": "4", "day": "12", "year": "1985"}
CRISIS_INSTRUMENTS = [i.code for i in instruments.all_instruments() if i.crisis_items]
HEADINGS = {
    "en": "You told us you have had thoughts of death or hurting yourself",
    "es": "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño",
}


def test_the_crisis_instruments_are_the_known_ones() -> None:
    assert set(CRISIS_INSTRUMENTS) == {"phq9", "qids_sr16", "madrs", "cssrs_screener"}


def open_assignment(patient, code: str) -> Assignment:
    """An open questionnaire of any instrument (clinician-rated ones are made directly)."""
    now = timezone.now()
    return Assignment.objects.create(
        organization=patient.organization,
        patient=patient,
        instrument_code=code,
        reason="manual",
        available_at=now,
        due_at=now + dt.timedelta(days=1),
    )


def crisis_panels(html: str) -> dict[str, str]:
    """Return link_id -> the data-crisis-at-least of each crisis item's fieldset."""
    found = {}
    for chunk in html.split('<fieldset class="mbc-item')[1:]:
        head = chunk.split(">", 1)[0]
        if "data-crisis-at-least" in head:
            link_id = head.split('data-link-id="')[1].split('"')[0]
            found[link_id] = head.split('data-crisis-at-least="')[1].split('"')[0]
            panel = chunk.split(f'id="crisis{link_id}"')[1].split("</section>")[0]
            assert "hidden data-crisis-panel" in panel.split(">", 1)[0]
            assert 'href="tel:988"' in panel and 'href="tel:911"' in panel
    return found


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("code", CRISIS_INSTRUMENTS)
def test_each_crisis_item_has_its_panel_on_the_link_page(client, cast, code, lang) -> None:
    cast.patient.preferred_language = lang
    cast.patient.save(update_fields=["preferred_language"])
    instrument = instruments.get(code)
    services.measurement_settings_ensure(organization=cast.org)
    MeasurementSettings.objects.filter(organization=cast.org).update(phq9_item9_alert_at_least=2)
    _, token = services.link_issue(assignment=open_assignment(cast.patient, code), channel="sms")
    client.post(reverse("questionnaire:start", args=[token]), DOB)
    html = client.get(reverse("questionnaire:answer")).content.decode()
    params = instruments.resolve_params(
        instrument,
        MeasurementSettings.objects.get(organization=cast.org).instrument_params(code),
    )
    expected = {
        link_id: str(value) for link_id, value in instrument.crisis_thresholds(params).items()
    }
    assert crisis_panels(html) == expected
    assert html.count(HEADINGS[lang]) == len(expected)
    assert 'id="mbc-crisis-live" class="visually-hidden" role="alert" aria-live="assertive"' in html
    assert "measurements/questionnaire.js" in html
    if code == "phq9":
        assert expected == {"q9": "2"}  # the clinic's setting, not the default


@pytest.mark.parametrize(
    ("code", "answer"),
    [
        ("phq9", {"q9": "1"}),
        ("madrs", {"q10": "4"}),
        ("qids_sr16", {"q12": "1"}),
    ],
)
def test_a_saved_crisis_answer_puts_the_urgent_box_first(client, cast, code, answer) -> None:
    assignment = open_assignment(cast.patient, code)
    _, token = services.link_issue(assignment=assignment, channel="sms")
    client.post(reverse("questionnaire:start", args=[token]), DOB)
    saved = client.post(reverse("questionnaire:answer_save"), answer, HTTP_X_AUTOSAVE="1")
    assert saved.json() == {"saved": True, "crisis": True}
    html = client.get(reverse("questionnaire:answer")).content.decode()
    top = html.index('id="crisis-top"')
    assert top < html.index('id="mbc-questionnaire"')
    assert 'role="alert"' in html[top - 200 : top]
