"""The source registry and the clinical reference: every cited key resolves, the doc is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infusionist.lib import clinical_reference, sources
from infusionist.lib.clinical_reference import SAFETY_CRITICAL, SECTIONS, UNSOURCED_FACTS

DOC = Path(__file__).resolve().parents[3] / "docs" / "clinical-reference.md"
ALL_SECTIONS = (*SECTIONS, SAFETY_CRITICAL, UNSOURCED_FACTS)


def test_keys_are_the_numbers_1_to_102_each_with_a_title_year_and_identifier() -> None:
    assert list(sources.SOURCES) == [str(n) for n in range(1, 103)]
    for source in sources.SOURCES.values():
        assert source.title and source.year and source.note, source.key
        assert source.identifier or source.url, source.key
        assert not source.url or source.url.startswith(("https://", "http://")), source.key


def test_every_key_cited_by_a_fact_resolves_and_every_section_sign_names_a_section() -> None:
    numbers = {section.number for section in SECTIONS}
    for section in ALL_SECTIONS:
        for fact in (section.intro, *section.facts):
            for key in sources.keys_in(fact):
                if key != sources.UNSOURCED:
                    sources.get(key)
            assert set(re.findall(r"§(\d+)", fact)) <= numbers, fact


def test_older_market_survey_keys_resolve_to_their_entries() -> None:
    assert sources.get("S4").key == "99"
    assert sources.get("S9").key == "101"
    with pytest.raises(KeyError, match=r"\[S7\]"):
        sources.get("S7")


def test_keys_in_reads_numbers_and_the_unsourced_mark() -> None:
    assert sources.keys_in("0.5 mg/kg [1][2]; [?] interval") == ["1", "2", "?"]


def test_docs_clinical_reference_is_generated_from_this_module() -> None:
    assert DOC.read_text(encoding="utf-8") == clinical_reference.markdown(), (
        "docs/clinical-reference.md is out of date: run `make clinical-reference`."
    )


def test_the_doc_has_an_anchor_for_every_source_and_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in sources.SOURCES:
        assert f'<a id="source-{key}"></a>' in text
    for section in ALL_SECTIONS:
        assert f'<a id="{section.anchor}"></a>' in text
