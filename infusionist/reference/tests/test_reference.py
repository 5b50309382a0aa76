"""The clinical reference page: every source and section has its anchor; shown keys link there."""

from __future__ import annotations

from django.urls import reverse

from infusionist.lib import sources
from infusionist.lib.clinical_reference import SAFETY_CRITICAL, SECTIONS, UNSOURCED_FACTS
from infusionist.treatment.models import DosingSettings


def test_every_source_and_section_has_an_anchor(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("reference:index")).content.decode()
    for key, source in sources.SOURCES.items():
        assert f'id="source-{key}"' in html
        assert source.year in html
    for section in (*SECTIONS, SAFETY_CRITICAL, UNSOURCED_FACTS):
        assert f'id="{section.anchor}"' in html
    assert 'id="unsourced"' in html


def test_the_clinics_thresholds_show_their_sources_as_links(client, cast) -> None:
    DosingSettings.objects.create(organization=cast.org, min_weight_kg=35)
    client.force_login(cast.nurse)
    html = client.get(reverse("reference:index")).content.decode()
    # Dose calculator: this clinic's value, the source key linked to its entry.
    assert "Lowest plausible weight (kg)</dt><dd>35.0" in html
    assert 'href="/reference/#source-22"' in html
    # An unsourced default reads in plain words and links to what that means.
    assert '<a class="cite cite-unsourced" href="/reference/#unsourced"' in html
    assert "[no published source]</a>" in html
    # Measurement settings: the help text's keys are links, the market-survey key too.
    assert "Response: reduction from baseline (%)" in html
    assert 'href="/reference/#source-99"' in html
    assert "market-reference.md" not in html
    # Instrument parameters and their sources, named in words.
    assert "Suicidality alert from item 9 answer" in html
    assert 'href="/reference/#source-63"' in html


def test_the_page_names_thresholds_and_flags_in_words_not_codes(client, cast) -> None:
    import re

    from infusionist.lib import instruments

    client.force_login(cast.physician)
    html = client.get(reverse("reference:index")).content.decode()
    text = re.sub(r"<[^>]+>", " ", html.split('id="instruments"')[1].split("</section>")[0])
    for instrument in instruments.all_instruments():
        for parameter in instrument.parameters:
            assert parameter.name not in text and parameter.shown_label in text
        for flag in instrument.flags:
            assert ("_" not in flag.code or flag.code not in text) and flag.shown_label in text
    assert "cssrs_screener" not in text and "Probable PTSD" in text


def test_the_page_costs_the_same_queries_for_every_clinic(
    client, cast, django_assert_num_queries
) -> None:
    client.force_login(cast.admin)
    # 1 session, 2 user (+organization), 3 authenticator check, 4 dosing settings,
    # 5 measurement settings, 6 savepoint, 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        assert client.get(reverse("reference:index")).status_code == 200


def test_patients_do_not_see_it(client, cast) -> None:
    client.force_login(cast.patient_user)
    assert client.get(reverse("reference:index")).status_code == 403
