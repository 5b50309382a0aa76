"""The licensed C-SSRS wording is a clinical setting: every item, on its topic, with a reason,
and it takes effect only when a physician signs; the physician sees item by item what changes.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from infusionist.administration.tests.test_measurement_settings import (
    PAGE,
    settings_post,
    stored,
)
from infusionist.measurements.models import validate_cssrs_wording
from infusionist.measurements.tests.cssrs_wording import LICENSED_WORDING
from infusionist.test import PASSWORD
from infusionist.treatment.models import ClinicalChangeProposal

REASON = "Licence renewed with Clario; wording of version 2 of the screener."
ICE_CREAM = "\n".join(
    f"{key}: Do you like ice cream?" for key in ("q1", "q2", "q3", "q4", "q5", "q6", "q6b")
)


@pytest.mark.parametrize(
    ("wording", "says"),
    [
        ("q1: Do you like ice cream?\nq2: Do you like cake?\nq3: Do you like pie?", "missing"),
        (LICENSED_WORDING.replace("q6b:", "q7:"), "is not “q1: wording”"),
        (LICENSED_WORDING + "\nq1: Wished you were dead again?", "twice"),
        (LICENSED_WORDING.replace("q3: Test wording three: thought about how", "q3: x"), "q3"),
        (ICE_CREAM, "does not read as the C-SSRS item"),
        (
            LICENSED_WORDING.replace("within the past 3 months", "something you liked"),
            "Behaviour within past 3 months",
        ),
        ("just some text", "is not “q1: wording”"),
    ],
)
def test_wording_that_is_not_a_whole_on_topic_screener_is_refused(wording, says) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_cssrs_wording(wording)
    assert says in " ".join(exc.value.messages)


@pytest.mark.parametrize("wording", ["", "\n\n", LICENSED_WORDING, LICENSED_WORDING.upper()])
def test_no_wording_or_a_whole_screener_is_accepted(wording) -> None:
    validate_cssrs_wording(wording)


def test_the_reviewers_ice_cream_wording_is_refused_beside_the_field(client, cast) -> None:
    client.force_login(cast.admin)
    wording = "q1: Do you like ice cream?\nq2: Yes\nq3: No"
    response = client.post(
        reverse(PAGE), settings_post(cssrs_licensed_wording=wording, change_reason=REASON)
    )
    assert response.status_code in (200, 422)
    html = response.content.decode()
    assert 'id="id_cssrs_licensed_wording_error"' in html or "missing" in html
    assert "Do you like ice cream?" in html  # kept as typed
    assert stored(cast).cssrs_licensed_wording == ""
    assert not ClinicalChangeProposal.objects.exists()


def test_an_admins_wording_change_needs_a_reason(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(reverse(PAGE), settings_post(cssrs_licensed_wording=LICENSED_WORDING))
    html = response.content.decode()
    assert "Say why the C-SSRS wording changes" in html
    assert not ClinicalChangeProposal.objects.exists()
    assert stored(cast).cssrs_licensed_wording == ""


def test_an_admins_wording_takes_effect_only_when_a_physician_signs(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse(PAGE),
        settings_post(cssrs_licensed_wording=LICENSED_WORDING, change_reason=REASON),
    )
    assert response.status_code == 302
    assert stored(cast).cssrs_licensed_wording == ""  # not yet: nurses still see the old text
    proposal = ClinicalChangeProposal.objects.get()
    assert proposal.reason == REASON
    client.force_login(cast.physician)
    page = client.get(reverse("treatment:change_proposal", args=[proposal.pk])).content.decode()
    assert "<del>—</del> → <ins><strong>Test wording one: wished you were dead" in page
    assert REASON in page
    signed = client.post(
        reverse("treatment:change_proposal_approve", args=[proposal.pk]), {"password": PASSWORD}
    )
    assert signed.status_code == 302
    assert stored(cast).cssrs_licensed_wording == LICENSED_WORDING


def test_the_physician_sees_which_items_change(client, cast) -> None:
    from infusionist.measurements.models import MeasurementSettings

    MeasurementSettings.objects.update_or_create(
        organization=cast.org, defaults={"cssrs_licensed_wording": LICENSED_WORDING}
    )
    changed = LICENSED_WORDING.replace("some intention of acting", "any intention of acting")
    client.force_login(cast.admin)
    client.post(reverse(PAGE), settings_post(cssrs_licensed_wording=changed, change_reason=REASON))
    proposal = ClinicalChangeProposal.objects.get()
    client.force_login(cast.physician)
    page = client.get(reverse("treatment:change_proposal", args=[proposal.pk])).content.decode()
    assert "<del>Test wording four: some intention" in page
    assert "<ins><strong>Test wording four: any intention" in page
    assert page.count("(unchanged)") == 6
