"""The ``cite`` filter: every source key shown on a page links to the clinical reference."""

from __future__ import annotations

from django.template import Context, Template
from django.urls import reverse
from django.utils.safestring import mark_safe

from infusionist.citations import cite_html
from infusionist.treatment import services as treatment_services


def test_a_key_links_to_its_entry_with_the_title_as_tooltip(db) -> None:
    html = cite_html("Dilute 100 mg/mL before IV use [22].")
    assert html.startswith(
        'Dilute 100 mg/mL before IV use <a class="cite" href="/reference/#source-22"'
    )
    assert 'title="Manufacturer&#x27;s label on DailyMed, Ketalar' in html
    assert html.endswith(">[22]</a>.")


def test_an_unsourced_value_reads_in_plain_words() -> None:
    html = cite_html("[21] [22]; [?] interval, observation")
    assert (
        '<a class="cite cite-unsourced" href="/reference/#unsourced" title="No published source; '
        'a conservative default this clinic can change.">[no published source]</a> interval'
    ) in html
    assert "[?]" not in html


def test_reference_names_and_sections_link_to_the_page() -> None:
    assert cite_html("sources in clinical-reference.md §4.") == (
        'sources in <a class="cite" href="/reference/#section-4">clinical reference §4</a>.'
    )
    assert cite_html("clinical reference §1; [22]").startswith(
        '<a class="cite" href="/reference/#section-1">clinical reference §1</a>; <a class="cite"'
    )
    assert (
        cite_html("PK model §7") == 'PK model <a class="cite" href="/reference/#section-7">§7</a>'
    )
    # A regulation's section sign is not a section of the reference.
    assert cite_html("45 CFR §164.312(b)") == "45 CFR §164.312(b)"


def test_an_older_market_survey_key_shows_its_entry() -> None:
    html = cite_html("Default 3, as clinics' current tools send (market-reference.md [S4]).")
    assert "market-reference.md" not in html and ">[99]</a>" in html


def test_text_is_escaped_and_unknown_keys_are_left_alone() -> None:
    assert cite_html("<b>[999]</b>") == "&lt;b&gt;[999]&lt;/b&gt;"
    assert cite_html(mark_safe("<b>[1]</b>")).startswith('<b><a class="cite"')


def test_linking_twice_changes_nothing() -> None:
    once = cite_html("See clinical-reference.md §4 [11][14] and [?].")
    assert cite_html(once) == once


def test_the_filter_is_built_in_and_links_translated_blocks() -> None:
    template = Template(
        "{% load i18n %}{{ keys|cite }} "
        "{% filter cite %}{% translate 'Remission [14]' %}{% endfilter %}"
        "{{ instrument_sources|cite_keys }}"
    )
    html = template.render(Context({"keys": "[1] <script>", "instrument_sources": ("51", "?")}))
    assert 'href="/reference/#source-1"' in html and "&lt;script&gt;" in html
    assert 'href="/reference/#source-14"' in html and 'href="/reference/#source-51"' in html
    assert "[no published source]" in html


def test_protocols_plans_and_measurements_link_their_keys(client, cast) -> None:
    treatment_services.protocols_create_defaults(organization=cast.org, actor=cast.admin)
    client.force_login(cast.physician)
    protocols = client.get(reverse("treatment:protocol_list")).content.decode()
    assert 'href="/reference/#source-10"' in protocols  # a protocol's source keys
    assert '<a class="cite" href="/reference/#source-83"' in protocols  # a dosing setting
    assert "clinical-reference.md" not in protocols and "[?]" not in protocols
    page = client.get(reverse("measurements:patient", args=[cast.patient.pk])).content.decode()
    assert 'href="/reference/#source-11"' in page
    assert 'href="/reference/#section-4">clinical reference §4</a>' in page
