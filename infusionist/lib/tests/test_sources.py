"""The source registry and the clinical reference: every cited key resolves, the doc is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infusionist.lib import clinical_reference, sources
from infusionist.lib.clinical_reference import SAFETY_CRITICAL, SECTIONS, UNSOURCED_FACTS

DOC = Path(__file__).resolve().parents[3] / "docs" / "clinical-reference.md"
ALL_SECTIONS = (*SECTIONS, SAFETY_CRITICAL, UNSOURCED_FACTS)


def test_keys_are_the_numbers_1_to_105_each_with_a_title_year_and_identifier() -> None:
    assert list(sources.SOURCES) == [str(n) for n in range(1, 106)]
    for source in sources.SOURCES.values():
        assert source.title and source.note, source.key
        if source.withdrawn:
            assert not source.url and source.note.startswith("Withdrawn"), source.key
            continue
        assert source.authors and source.year, source.key
        assert source.identifier or source.url, source.key


# --- Every source points to the original or to its owner --------------------------------


@pytest.mark.parametrize(
    "url",
    [
        # The reviewer's: file-sharing copies, forums, a finance news site.
        "https://fdocuments.in/document/microsoft-word-c-ssrs-triage-web-view-clinical-triage",
        "https://vdocuments.pub/ni-hms-572203.html",
        "https://fr.scribd.com/document/333420920/bibliografie-disociere",
        "https://www.scribd.com/document/349950829/389-pdf",
        "https://forums.studentdoctor.net/threads/esketamine-clinic-prn-meds.1504698/latest",
        "https://cassiopaea.org/forum/threads/high-dose-intravenous-vitamin-c.46562/page-9",
        "https://news.smartfinhub.pro/news/trump-administration-988-national-lgbtq",
        # Others of the kind: copies, mirrors, summaries, encyclopaedias, social sites.
        "https://docest.com/doc/610945/suicide-ideation-definitions-and-prompts",
        "https://docslib.org/doc/12034772",
        "https://manualspro.net/445029-spravato-patient-monitoring-form-instructions",
        "https://fda.report/DailyMed/46dab560-8ecd-4d92-8c92-6baa2310b09b",
        "https://en.wikipedia.org/wiki/Aldrete%27s_scoring_system",
        "https://droracle.ai/articles/685344",
        "https://www.reddit.com/r/TheKetamineClinic/",
        "https://www.researchgate.net/publication/1234_Ketamine",
        "https://regulations.justia.com/regulations/fedreg/2024/02/16/2024-02544.html",
        "https://www.webmd.com/mental-health/features/988-suicide-prevention-overview",
        # Not https, or on no authoritative host.
        "http://www3.mdanderson.org/depts/prg/bpi.htm",
        "http://pubmed.ncbi.nlm.nih.gov/16894061/",
        "https://some-ketamine-clinic.example/blog/dosing",
        "https://gloucestercitynews.net.evil.example/988",
        "https://nih.gov.evil.example/pubmed/1",
        "ftp://ftp.ncbi.nlm.nih.gov/pub/",
        "https://",
    ],
)
def test_a_copy_a_forum_or_an_insecure_address_is_no_source(url: str) -> None:
    assert sources.url_problem(url) is not None
    assert sources.url_problem(url, self_report=True) is not None or url.startswith(
        ("https://some-", "https://gloucestercitynews.net.evil", "https://nih.gov.evil")
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://doi.org/10.1176/appi.ajp.2013.13030392",
        "https://pubmed.ncbi.nlm.nih.gov/16894061/",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8434915/",
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=46dab560-8ecd-4d92-8c92-6baa2310b09b",
        "https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm",
        "https://www.ecfr.gov/current/title-21/section-1304.21",
        "https://www.samhsa.gov/find-help/988",
        "https://cssrs.columbia.edu/the-columbia-scale-c-ssrs/triage-c-ssrs/",
        "",  # print only: the identifier names it
    ],
)
def test_the_original_or_its_owner_is_a_source(url: str) -> None:
    assert sources.url_problem(url) is None


def test_every_source_points_to_the_original_or_its_owner() -> None:
    problems = {
        key: problem
        for key, source in sources.SOURCES.items()
        if (problem := sources.url_problem(source.url, self_report=source.self_report))
    }
    assert problems == {}


def test_an_organizations_own_page_is_cited_only_for_what_it_does() -> None:
    # A vendor's help centre, a clinic's criteria or a program's code is primary only for
    # itself; such a source says so in its title or note, and is never a clinical authority.
    own = [s for s in sources.SOURCES.values() if s.self_report]
    assert {s.key for s in own} == {"13", "25", "51", "83", "99", "100", "101", "102"}
    for source in own:
        assert source.descriptive, source.key


@pytest.mark.parametrize(
    "words", [r"forum", r"copy", r"low authority", r"summary page", r"via an?", r"relayed"]
)
def test_no_source_describes_itself_as_a_copy_or_a_forum(words: str) -> None:
    pattern = re.compile(rf"\b{words}\b", re.I)
    for source in sources.SOURCES.values():
        text = f"{source.authors} {source.title} {source.identifier} {source.note}"
        assert not pattern.search(text), (source.key, words)


def test_a_doi_or_pubmed_address_matches_the_identifier() -> None:
    for source in sources.SOURCES.values():
        if source.url.startswith("https://doi.org/"):
            doi = source.url.removeprefix("https://doi.org/")
            assert f"doi:{doi}" in source.identifier, source.key
        if source.url.startswith("https://pubmed.ncbi.nlm.nih.gov/"):
            pmid = source.url.rstrip("/").rsplit("/", 1)[1]
            assert f"PMID {pmid}" in source.identifier, source.key


def test_a_withdrawn_source_is_cited_by_no_fact() -> None:
    withdrawn = {k for k, s in sources.SOURCES.items() if s.withdrawn}
    assert withdrawn == {"45", "86", "88"}
    for section in ALL_SECTIONS:
        for fact in (section.intro, *section.facts):
            assert not withdrawn & set(sources.keys_in(fact)), fact


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
