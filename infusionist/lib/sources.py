"""The publications behind every clinical number: the project's registry of source keys.

Code, protocol defaults, help texts and templates cite a source as ``[22]``; each key
resolves here and in ``docs/clinical-reference.md`` (generated from this module and
:mod:`infusionist.lib.clinical_reference`), and the signed-in page ``/reference/`` lists
them with an anchor per key (``#source-22``). ``[?]`` marks a value that no published
source supports: a conservative default that each clinic can change.

Titles in quotation marks are the publication's own; the others describe the source.
``n.d.`` means the page carries no date that was checked. No Django imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "KEY_PATTERN",
    "SOURCES",
    "UNSOURCED",
    "UNSOURCED_LABEL",
    "UNSOURCED_MEANING",
    "WEAK_HOSTS",
    "AUTHORITATIVE_HOSTS",
    "Source",
    "get",
    "keys_in",
    "resolve_alias",
    "url_problem",
]

#: The key that marks a value without a published source.
UNSOURCED = "?"
#: What ``[?]`` reads as on screen.
UNSOURCED_LABEL = "no published source"
#: What ``[?]`` means, in plain words.
UNSOURCED_MEANING = "No published source; a conservative default this clinic can change."

#: A citation in text: ``[22]``, ``[?]`` or an older market-survey key such as ``[S4]``.
KEY_PATTERN = re.compile(r"\[(\d{1,3}|\?|S\d{1,3})\]")


@dataclass(frozen=True)
class Source:
    """One publication, label, regulation or web page that a fact or default rests on."""

    key: str
    authors: str
    title: str
    year: str
    identifier: str
    url: str
    note: str
    #: True when ``title`` describes the source rather than quoting its title.
    descriptive: bool = False
    #: Keys this source was cited under in older text (market-survey keys such as "S4").
    aliases: tuple[str, ...] = ()
    #: True when the page is cited only for what its own organization does or offers (a
    #: vendor's help centre on its product, a clinic's own criteria, a program's code), so
    #: it is the primary source for that and nothing else; see :func:`url_problem`.
    self_report: bool = False
    #: True when the source was withdrawn as not authoritative: the key stays so that old
    #: citations resolve to this explanation, but nothing may cite it any more.
    withdrawn: bool = False

    @property
    def reference_text(self) -> str:
        """Return "Authors. “Title”. Year. Identifier." for the list of sources."""
        title = self.title if self.descriptive else f"“{self.title}”"
        parts = (self.authors, title, self.year, self.identifier)
        return " ".join(_sentence(part) for part in parts if part)

    @property
    def citation(self) -> str:
        """Return "Authors, “Title” (year)" for a tooltip or a list."""
        title = self.title if self.descriptive else f"“{self.title}”"
        by = f"{self.authors}, " if self.authors else ""
        year = f" ({self.year})" if self.year else ""
        return f"{by}{title}{year}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _s(
    key: int,
    authors: str,
    title: str,
    year: str,
    identifier: str,
    url: str,
    note: str,
    *,
    descriptive: bool = False,
    aliases: tuple[str, ...] = (),
    self_report: bool = False,
    withdrawn: bool = False,
) -> Source:
    return Source(
        str(key),
        authors,
        title,
        year,
        identifier,
        url,
        note,
        descriptive,
        aliases,
        self_report,
        withdrawn,
    )


#: Hosts whose pages are authoritative for what they publish, each with its reason. A
#: subdomain counts as its parent ("pubmed.ncbi.nlm.nih.gov" under "nih.gov").
AUTHORITATIVE_HOSTS: dict[str, str] = {
    "doi.org": "the DOI resolver: the publisher's own record of the article",
    "nih.gov": "US National Institutes of Health: PubMed, PubMed Central, DailyMed",
    "fda.gov": "US Food and Drug Administration: labels, REMS",
    "samhsa.gov": "US Substance Abuse and Mental Health Services Administration",
    "va.gov": "US Department of Veterans Affairs (National Center for PTSD)",
    "ecfr.gov": "the official Electronic Code of Federal Regulations",
    "federalregister.gov": "the official daily journal of the US government",
    "reginfo.gov": "the US Office of Management and Budget's information collections",
    "law.cornell.edu": "Cornell Law School's Legal Information Institute (state rules)",
    "cpsbc.ca": "College of Physicians and Surgeons of British Columbia, a regulator",
    "cssrs.columbia.edu": "Columbia Lighthouse Project, owner of the C-SSRS",
    "clario.com": "Clario, licensor of the electronic C-SSRS",
    "ids-qids.org": "the IDS/QIDS project, owner of the QIDS",
    "mdanderson.org": "MD Anderson Cancer Center, home of the Brief Pain Inventory",
    "sralab.org": "Shirley Ryan AbilityLab's Rehabilitation Measures Database",
    "loinc.org": "Regenstrief Institute, owner of LOINC",
    "988lifeline.org": "the 988 Suicide & Crisis Lifeline itself",
    "crisistextline.org": "Crisis Text Line itself",
    "janssenlabels.com": "the manufacturer's prescribing information for Spravato",
    "spravatohcp.com": "the manufacturer's prescriber site for Spravato",
    "spravatorems.com": "the FDA-approved Spravato REMS program",
    "nature.com": "publisher (Springer Nature)",
    "springeropen.com": "publisher (SpringerOpen)",
    "biomedcentral.com": "publisher (BioMed Central)",
    "frontiersin.org": "publisher (Frontiers)",
    "psychiatrist.com": "publisher of the Journal of Clinical Psychiatry",
    "asahq.org": "publisher of Anesthesiology (American Society of Anesthesiologists)",
    "hkmj.org": "publisher of the Hong Kong Medical Journal",
    "ijccm.org": "publisher of the Indian Journal of Critical Care Medicine",
    "pure.elsevier.com": "a university's own research portal record of the article",
    "intersearch.com.au": "NSW Health Central Coast's research record of the article",
}

#: Hosts that copy, summarise or discuss others' work: never a source, whatever the page.
WEAK_HOSTS: tuple[str, ...] = (
    "scribd.com",
    "vdocuments.pub",
    "vdocuments.net",
    "fdocuments.in",
    "fdocuments.net",
    "docest.com",
    "docslib.org",
    "cupdf.com",
    "studylib.net",
    "manualspro.net",
    "joomag.com",
    "120ty.net",
    "fda.report",
    "omb.report",
    "studentdoctor.net",
    "cassiopaea.org",
    "reddit.com",
    "quora.com",
    "wikipedia.org",
    "droracle.ai",
    "iatrox.com",
    "read.qxmd.com",
    "smartfinhub.pro",
    "gloucestercitynews.net",
    "webmd.com",
    "beckershospitalreview.com",
    "oncologynurseadvisor.com",
    "prescriberpoint.com",
    "legalclarity.org",
    "justia.com",
    "researchgate.net",
    "academia.edu",
    "coursehero.com",
    "slideshare.net",
    "medium.com",
    "blogspot.com",
)


def _host_in(host: str, domains: object) -> str | None:
    for domain in domains:  # type: ignore[attr-defined]
        if host == domain or host.endswith(f".{domain}"):
            return str(domain)
    return None


def url_problem(url: str, *, self_report: bool = False) -> str | None:
    """Return why ``url`` is no fit address for a source, or None when it is.

    An address must use https and name a host of :data:`AUTHORITATIVE_HOSTS` (the
    publisher, a DOI or PubMed record, a government, the instrument's owner). A page
    cited only for what its own organization does (``self_report``) may be on that
    organization's own host. A host of :data:`WEAK_HOSTS` (file-sharing copies, forums,
    summaries, news) is refused in every case. An empty address is a print-only source.
    """
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split(":", 1)[0].lower()
    if scheme != "https":
        return f"{url} does not use https"
    if not host or "." not in host:
        return f"{url} names no host"
    weak = _host_in(host, WEAK_HOSTS)
    if weak:
        return f"{url} is on {weak}, which copies or discusses others' work: cite the original"
    if _host_in(host, AUTHORITATIVE_HOSTS) or self_report:
        return None
    return (
        f"{url} is not on an authoritative host: cite the DOI, PubMed, the publisher or the owner"
    )


_PUBMED = "https://pubmed.ncbi.nlm.nih.gov/{}/"
_DAILYMED = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={}"

_ALL: tuple[Source, ...] = (
    # --- 1. Protocols, doses, routes --------------------------------------------------
    _s(1, "Zarate CA Jr et al.",
       "A randomized trial of an N-methyl-D-aspartate antagonist in treatment-resistant "
       "major depression", "2006", "PMID 16894061; Arch Gen Psychiatry 63:856",
       _PUBMED.format(16894061),
       "Crossover trial (n=18) of 0.5 mg/kg IV over 40 min: the origin of the usual dose."),
    _s(2, "Murrough JW et al.",
       "Antidepressant efficacy of ketamine in treatment-resistant major depression: a "
       "two-site randomized controlled trial", "2013",
       "doi:10.1176/appi.ajp.2013.13030392; Am J Psychiatry 170:1134",
       "https://doi.org/10.1176/appi.ajp.2013.13030392",
       "0.5 mg/kg over 40 min against midazolam (n=73)."),
    _s(3, "Andrade C",
       "Ketamine for depression, 4: in what dose, at what rate, by what route, for how "
       "long, and at what frequency?", "2017",
       "doi:10.4088/JCP.17f11738; J Clin Psychiatry 78(7):e852",
       "https://doi.org/10.4088/JCP.17f11738",
       "Review: 0.1–0.75 mg/kg, sessions of 2–100 min; time maintenance before relapse."),
    _s(4, "Fava M et al.",
       "Double-blind, placebo-controlled, dose-ranging trial of intravenous ketamine as "
       "adjunctive therapy in treatment-resistant depression (TRD)", "2018",
       "doi:10.1038/s41380-018-0256-5; NCT01920555",
       "https://www.nature.com/articles/s41380-018-0256-5",
       "0.1, 0.2, 0.5 and 1.0 mg/kg against midazolam (n=99); 1.0 mg/kg is the top arm."),
    _s(5, "Sanacora G et al. (APA Council of Research Task Force on Novel Biomarkers and "
       "Treatments)",
       "A consensus statement on the use of ketamine in the treatment of mood disorders",
       "2017", "doi:10.1001/jamapsychiatry.2017.0080; JAMA Psychiatry 74:399",
       "https://doi.org/10.1001/jamapsychiatry.2017.0080",
       "0.5 mg/kg over 40 min is the dose with the most evidence; evidence for other doses "
       "and routes is limited."),
    _s(6, "Cusin C et al.",
       "Ketamine augmentation for outpatients with treatment-resistant depression: "
       "preliminary evidence for two-step intravenous dose escalation", "2017",
       "Aust N Z J Psychiatry 51:55",
       "https://einstein.pure.elsevier.com/en/publications/ketamine-augmentation-for-"
       "outpatients-with-treatment-resistant-de",
       "Open label (n=14): three infusions at 0.5 then three at 0.75 mg/kg over 45 min."),
    _s(7, "Riva-Posse P et al.",
       "Blood pressure safety of subanesthetic ketamine for depression: a report on 684 "
       "infusions", "2018", "PMID 29525051; doi:10.1016/j.jad.2018.02.025",
       _PUBMED.format(29525051),
       "Emory: BP every 10 min during, 15 min after; small rises, no infusion stopped."),
    _s(8, "Freeman MP et al.",
       "Body mass index as a moderator of treatment response to ketamine for major "
       "depressive disorder", "2020", "PMID 32332464; doi:10.1097/JCP.0000000000001209",
       _PUBMED.format(32332464),
       "Post hoc (n=99): higher BMI went with a larger acute response."),
    _s(9, "Devine BJ", "Gentamicin therapy", "1974", "Drug Intell Clin Pharm 8:650", "",
       "Origin of the ideal-weight formula; the 0.4 adjusted-weight factor is the pharmacy "
       "convention cited with it."),
    _s(10, "Murrough JW et al.",
       "Rapid and longer-term antidepressant effects of repeated ketamine infusions in "
       "treatment-resistant major depression", "2013",
       "doi:10.1016/j.biopsych.2012.06.022; Biol Psychiatry 74:250",
       "https://doi.org/10.1016/j.biopsych.2012.06.022",
       "Six thrice-weekly infusions over 12 days (n=24); median relapse after 18 days."),
    _s(11, "Phillips JL et al.",
       "Single, repeated, and maintenance ketamine infusions for treatment-resistant "
       "depression: a randomized controlled trial", "2019", "PMID 30922101",
       _PUBMED.format(30922101),
       "Six thrice-weekly infusions, then four weekly for responders (n=41)."),
    _s(12, "Oliver PA et al.",
       "Repeated IV ketamine for depression in a community practice (424 patients)",
       "2022", "doi:10.4088/JCP.21m14336; J Clin Psychiatry 83:21m14336",
       "https://doi.org/10.4088/JCP.21m14336",
       "Six infusions within 21 days; outcomes after 6 and 10 infusions.",
       descriptive=True),
    _s(13, "Osmind", "IV ketamine intake documentation guide", "n.d.", "web page",
       "https://osmind.org/blog/iv-ketamine-intake-documentation-guide",
       "A vendor's practice guide: what it screens for at intake.",
       descriptive=True, self_report=True),
    _s(14, "McInnes LA et al.",
       "A retrospective analysis of ketamine intravenous therapy for depression in "
       "real-world care settings", "2022", "PMID 35027209; doi:10.1016/j.jad.2021.12.097",
       _PUBMED.format(35027209),
       "178 practices, 537 analysable patients; defines response and remission on PHQ-9."),
    _s(15, "Chilukuri H et al.",
       "Acute antidepressant effects of intramuscular versus intravenous ketamine", "2014",
       "PMID 24701015; doi:10.4103/0253-7176.127258", _PUBMED.format(24701015),
       "IM 0.25 and 0.5 mg/kg against IV 0.5 mg/kg (n=27)."),
    _s(16, "Andrade C", "Oral ketamine for depression, 2: practical considerations", "2019",
       "J Clin Psychiatry",
       "https://www.psychiatrist.com/jcp/depression/oral-ketamine-for-depression-practical-"
       "considerations/",
       "Oral bioavailability 20–25%; reported oral doses."),
    _s(17, "PubMed Central article",
       "Bioavailability of a sublingual ketamine wafer", "n.d.", "PMC4093926",
       "https://pmc.ncbi.nlm.nih.gov/articles/PMC4093926",
       "Sublingual wafer bioavailability about 29%.", descriptive=True),
    _s(18, "Janssen", "SPRAVATO dosing and administration (for healthcare professionals)",
       "n.d.", "manufacturer's web page", "https://www.spravatohcp.com/dosing-and-administration",
       "28 mg devices, induction and maintenance schedule, REMS monitoring.",
       descriptive=True),
    _s(19, "Janssen Pharmaceuticals",
       "SPRAVATO (esketamine) nasal spray: prescribing information and medication guide",
       "n.d.", "US prescribing information",
       "https://www.janssenlabels.com/package-insert/product-monograph/prescribing-"
       "information/SPRAVATO-pi.pdf",
       "Dosing, contraindications and warnings of the label.", descriptive=True),
    _s(20, "Janssen Pharmaceuticals",
       "SPRAVATO prescribing information: monotherapy indication and its trial (section 14)",
       "2025", "US prescribing information",
       "https://www.janssenlabels.com/package-insert/product-monograph/prescribing-"
       "information/SPRAVATO-pi.pdf",
       "Monotherapy approved 21 January 2025.",
       descriptive=True),
    _s(21, "Cohen SP et al. (ASRA, AAPM, ASA)",
       "Consensus guidelines on the use of intravenous ketamine infusions for chronic pain "
       "from the American Society of Regional Anesthesia and Pain Medicine, the American "
       "Academy of Pain Medicine, and the American Society of Anesthesiologists", "2018",
       "doi:10.1097/AAP.0000000000000808; Reg Anesth Pain Med 43:521",
       "https://doi.org/10.1097/AAP.0000000000000808",
       "Pain doses and rates, CRPS courses, relative contraindications, tests."),
    _s(22, "Manufacturer's label on DailyMed",
       "Ketalar (ketamine hydrochloride) injection: prescribing information, October 2024",
       "2024", "DailyMed set 46dab560-8ecd-4d92-8c92-6baa2310b09b",
       _DAILYMED.format("46dab560-8ecd-4d92-8c92-6baa2310b09b"),
       "Vial strengths, dilution of 100 mg/mL before IV use, monitoring, interactions.",
       descriptive=True),
    _s(23, "American Society of Health-System Pharmacists",
       "Handbook on Injectable Drugs: ketamine monograph (vial strengths and dilution)",
       "n.d.", "Handbook on Injectable Drugs (ASHP), print and licensed electronic editions",
       "", "Confirms the vial sizes and the dilution of the concentrated vial.",
       descriptive=True),
    _s(24, "Middle East Current Psychiatry",
       "A prospective open-label study to evaluate the effectiveness of intravenous "
       "ketamine as an adjunct in treating severe depression", "2024",
       "doi:10.1186/s43045-024-00420-x",
       "https://mecp.springeropen.com/articles/10.1186/s43045-024-00420-x",
       "0.5 mg/kg in 100 mL normal saline over 40 min."),
    # --- 2. Screening and contraindications ------------------------------------------
    _s(25, "Toronto Ketamine Clinic", "Inclusion and exclusion criteria", "n.d.", "web page",
       "https://torontoketamineclinic.com/inclusion-and-exclusion-criteria/",
       "A clinic's definition of treatment-resistant depression and its exclusions.",
       descriptive=True, self_report=True),
    _s(26, "Dean RL et al. (Cochrane)",
       "Ketamine and other glutamate receptor modulators for depression in adults with "
       "unipolar major depressive disorder", "2021", "Cochrane CD011612.pub3; PMC8434915",
       "https://pmc.ncbi.nlm.nih.gov/articles/PMC8434915/",
       "Response at 24 h against midazolam; ATHF score as a research definition of TRD."),
    _s(27, "Janssen Pharmaceuticals",
       "SPRAVATO prescribing information, section 5.6: increases in blood pressure",
       "n.d.", "US prescribing information",
       "https://www.janssenlabels.com/package-insert/product-monograph/prescribing-"
       "information/SPRAVATO-pi.pdf",
       "Pre-dose BP above 140/90 as a general guide to consider delay; MAOIs, stimulants.",
       descriptive=True),
    _s(28, "Janssen Pharmaceuticals",
       "SPRAVATO prescribing information: sedation, dissociation and adverse reactions "
       "(sections 5 and 6)", "n.d.", "US prescribing information",
       "https://www.janssenlabels.com/package-insert/product-monograph/prescribing-"
       "information/SPRAVATO-pi.pdf",
       "Sedation, loss of consciousness and dissociation rates in the trials.",
       descriptive=True),
    _s(29, "Janssen Pharmaceuticals",
       "SPRAVATO prescribing information and medication guide: pregnancy and lactation "
       "(section 8)", "n.d.", "US prescribing information",
       "https://www.janssenlabels.com/package-insert/product-monograph/prescribing-"
       "information/SPRAVATO-pi.pdf",
       "Not recommended in pregnancy or while breastfeeding.", descriptive=True),
    _s(30, "College of Physicians and Surgeons of British Columbia",
       "College Connector item on a draft standard for ketamine in mental health", "2021",
       "web page", "https://www.cpsbc.ca/for-physicians/college-connector/2021-V09-01/12",
       "ECG, kidney and liver tests and STOP-BANG before parenteral ketamine.",
       descriptive=True),
    _s(31, "PubMed Central article (ER-Ketamine trial design)",
       "Eligibility criteria of a randomised intramuscular ketamine trial (Table 1)", "n.d.",
       "PMC10812090", "https://pmc.ncbi.nlm.nih.gov/articles/PMC10812090/table/T1",
       "Example exclusion criteria: benzodiazepine dose, hypertension, arrhythmia.",
       descriptive=True),
    _s(32, "Andrashko V et al.",
       "The antidepressant effect of ketamine is dampened by concomitant benzodiazepine "
       "medication", "2020", "doi:10.3389/fpsyt.2020.00844; PMID 33005153",
       "https://www.frontiersin.org/articles/10.3389/fpsyt.2020.00844/full",
       "More than 8 mg/day diazepam-equivalent separated non-responders (n=47)."),
    _s(33, "Feeney A et al.",
       "Effect of concomitant benzodiazepines on the antidepressant effects of ketamine: "
       "findings from the RAPID intravenous ketamine study", "2023",
       "doi:10.4088/JCP.22m14491; J Clin Psychiatry 84:22m14491",
       "https://doi.org/10.4088/JCP.22m14491",
       "Higher benzodiazepine doses blunted the day-1, not the day-3, response."),
    _s(34, "Williams NR et al.",
       "Attenuation of antidepressant effects of ketamine by opioid receptor antagonism",
       "2018", "doi:10.1176/appi.ajp.2018.18020138",
       "https://doi.org/10.1176/appi.ajp.2018.18020138",
       "Naltrexone before ketamine blocked the antidepressant effect (n=12)."),
    _s(35, "Mathew SJ et al.",
       "IV ketamine in treatment-resistant depression with lamotrigine pretreatment (n=26)",
       "2010", "Int J Neuropsychopharmacol 13:71", "",
       "Lamotrigine 300 mg beforehand changed neither side effects nor response.",
       descriptive=True),
    _s(36, "Spravato REMS (Janssen, approved by the FDA)",
       "Spravato REMS Patient Monitoring Form and its instructions", "n.d.",
       "REMS materials", "https://www.spravatorems.com/",
       "What the form records after every outpatient session, within 7 days.",
       descriptive=True),
    _s(37, "Andrade C",
       "Ketamine for depression, 5: potential pharmacokinetic and pharmacodynamic drug "
       "interactions", "2017", "J Clin Psychiatry 78(7):e858", "",
       "Enzyme inducers lower and inhibitors raise ketamine exposure (CYP3A4, CYP2B6)."),
    _s(38, "Short B et al.",
       "Ketamine Side Effect Tool (KSET): forms for screening, baseline, after treatment "
       "and follow-up", "2020",
       "J Affect Disord (2020); record of NSW Health Central Coast Local Health District",
       "https://centralcoast.intersearch.com.au/cclhdjspui/handle/1/1754",
       "A structured side-effect record for ketamine treatment.", descriptive=True),
    _s(39, "PubMed record", "KSET-R: a shorter validated revision of the Ketamine Side "
       "Effect Tool", "2024", "PMID 39721099", _PUBMED.format(39721099),
       "Shorter validated version of the side-effect tool.", descriptive=True),
    # --- 3. Monitoring, rescue, discharge ----------------------------------------------
    _s(40, "Manufacturer's label on DailyMed",
       "Ketamine hydrochloride injection: prescribing information (another labeller)",
       "n.d.", "DailyMed set 505dc937-694d-4a3a-befa-aae20071b4c7",
       _DAILYMED.format("505dc937-694d-4a3a-befa-aae20071b4c7"),
       "Continuous monitoring, airway equipment and skills, discharge to a responsible "
       "adult.", descriptive=True),
    _s(41, "Yale Depression Research Program",
       "Blood pressure changes during ketamine infusion for the treatment of depression",
       "2024", "PMID 38991311; doi:10.1016/j.genhosppsych.2024.07.001",
       _PUBMED.format(38991311),
       "2,342 infusions, BP every 10 min; peak at 40 min; severe hypertension rates."),
    _s(42, "Yip R et al.",
       "Intravenous ketamine for depression: a clinical discussion reconsidering best "
       "practices in acute hypertension management", "2022",
       "doi:10.3389/fpsyt.2022.1017504; PMID 36245888",
       "https://pmc.ncbi.nlm.nih.gov/articles/PMC9556663",
       "Treat hypertensive emergencies; avoid treating brief asymptomatic rises."),
    _s(43, "Whelton PK et al. (ACC/AHA)",
       "2017 ACC/AHA/AAPA/ABC/ACPM/AGS/APhA/ASH/ASPC/NMA/PCNA guideline for the "
       "prevention, detection, evaluation, and management of high blood pressure in adults",
       "2018", "doi:10.1161/HYP.0000000000000065; Hypertension 71:e13",
       "https://doi.org/10.1161/HYP.0000000000000065",
       "Above 180/120 mmHg with new or worsening organ damage is an emergency; without it, "
       "lower blood pressure gradually, not rapidly."),
    _s(44, "Lenze EJ et al.",
       "Ninety-six hour ketamine infusion with co-administered clonidine for "
       "treatment-resistant depression: a pilot randomised controlled trial", "2016",
       "PMID 26919405; World J Biol Psychiatry 17:230", _PUBMED.format(26919405),
       "Oral clonidine up to 0.6 mg/day, no rebound; 156 ng/mL in the 40-min arm."),
    _s(45, "", "Withdrawn source: an AI-generated answer page", "", "", "",
       "Withdrawn: not an authoritative source. The fact it was cited for is marked as "
       "having no published source.", descriptive=True, withdrawn=True),
    _s(46, "US Food and Drug Administration", "REMS@FDA: Spravato (esketamine) REMS",
       "n.d.", "FDA REMS 386",
       "https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails."
       "page&REMS=386",
       "The approved REMS: certified sites, monitoring, enrolment, forms.",
       descriptive=True),
    _s(47, "Spravato REMS", "Requirements for outpatient healthcare settings", "n.d.",
       "web page", "https://www.spravatorems.com/outpatient-hcs.html",
       "What an outpatient site must do under the REMS.", descriptive=True),
    _s(48, "BMC Anesthesiology",
       "MOAA/S sedation scale as tabulated in a 2022 trial (Table 2)", "2022",
       "doi:10.1186/s12871-022-01788-1",
       "https://bmcanesthesiol.biomedcentral.com/articles/10.1186/s12871-022-01788-1/tables/2",
       "The six MOAA/S levels, 5 (responds readily) to 0 (no response).",
       descriptive=True),
    _s(49, "Bremner JD et al.",
       "Measurement of dissociative states with the Clinician-Administered Dissociative "
       "States Scale (CADSS)", "1998", "doi:10.1023/A:1024465317902; J Trauma Stress 11:125",
       "https://doi.org/10.1023/A:1024465317902",
       "28 items (23 subjective, 5 observer), each 0–4; licence terms unverified."),
    _s(50, "Aldrete JA", "The post-anesthesia recovery score revisited", "1995",
       "PMID 7772368; doi:10.1016/0952-8180(94)00001-K; J Clin Anesth 7:89",
       "https://doi.org/10.1016/0952-8180(94)00001-K",
       "Five criteria scored 0–2; 9 or more to discharge."),
    # --- 4. Instruments ------------------------------------------------------------------
    _s(51, "CamCOPS (University of Cambridge Department of Psychiatry)",
       "Task documentation: PHQ-9, GAD-7, PCL-5, Y-BOCS, MADRS", "n.d.",
       "CamCOPS documentation",
       "https://github.com/ucam-department-of-psychiatry/camcops",
       "Scoring, severity bands and licence notes of the common instruments.",
       descriptive=True, self_report=True),
    _s(52, "IDS/QIDS project", "Interpretation of the IDS and QIDS", "n.d.", "web page",
       "https://ids-qids.org/interpretation.html",
       "QIDS-SR16 scoring by domain maxima, severity bands, remission at 5 or less.",
       descriptive=True),
    _s(53, "Rush AJ et al.",
       "The 16-item Quick Inventory of Depressive Symptomatology (QIDS), clinician rating "
       "(QIDS-C), and self-report (QIDS-SR): a psychometric evaluation in patients with "
       "chronic major depression", "2003",
       "doi:10.1016/S0006-3223(02)01866-8; Biol Psychiatry 54:573",
       "https://doi.org/10.1016/S0006-3223(02)01866-8",
       "The QIDS-SR16 and its scoring; the scale's copyright is UT Southwestern's."),
    _s(54, "PubMed Central article",
       "Table of MADRS remission thresholds used in esketamine trials", "n.d.", "PMC7894501",
       "https://pmc.ncbi.nlm.nih.gov/articles/PMC7894501/",
       "MADRS remission at 10 or less is common; 12 or less in esketamine trials.",
       descriptive=True),
    _s(55, "US Department of Veterans Affairs, National Center for PTSD",
       "PTSD Checklist for DSM-5 (PCL-5)", "n.d.", "instrument owner's page",
       "https://www.ptsd.va.gov/professional/assessment/adult-sr/ptsd-checklist.asp",
       "The PCL-5, its scoring, provisional cut-off, cluster rule and meaningful change.",
       descriptive=True),
    _s(56, "Columbia Lighthouse Project",
       "Columbia Protocol (C-SSRS): the scale and its screener versions", "n.d.",
       "instrument owner's page",
       "https://cssrs.columbia.edu/the-columbia-scale-c-ssrs/about-the-scale/",
       "The six screener questions and what each asks.", descriptive=True),
    _s(57, "Columbia Lighthouse Project",
       "Triage and risk identification with the Columbia Protocol (C-SSRS)", "n.d.",
       "instrument owner's page",
       "https://cssrs.columbia.edu/the-columbia-scale-c-ssrs/triage-c-ssrs/",
       "Which answers mean imminent risk and what must follow.", descriptive=True),
    _s(58, "Clario", "C-SSRS licensing application", "n.d.", "web page",
       "https://clario.com/about/legal-and-privacy/c-ssrs-licensing-application",
       "Electronic C-SSRS versions are licensed exclusively, with fees and certification.",
       descriptive=True),
    _s(59, "MD Anderson Cancer Center (Cleeland CS)", "The Brief Pain Inventory",
       "n.d.", "instrument owner's page",
       "https://www.mdanderson.org/research/departments-labs-institutes/departments-"
       "divisions/symptom-research/symptom-assessment-tools/brief-pain-inventory.html",
       "BPI copyright (Cleeland) and permission terms.", descriptive=True),
    _s(60, "Shirley Ryan AbilityLab", "Rehabilitation Measures: Brief Pain Inventory", "n.d.",
       "web page", "https://www.sralab.org/rehabilitation-measures/brief-pain-inventory",
       "BPI severity and interference scoring, severity bands.", descriptive=True),
    _s(61, "LOINC (Regenstrief Institute)", "LOINC 44249-1: PHQ-9 quick depression "
       "assessment panel", "n.d.", "LOINC 44249-1", "https://loinc.org/44249-1/",
       "Item, total and answer codes of the PHQ-9 (item 9 = 44260-8, total = 44261-6).",
       descriptive=True),
    _s(62, "LOINC (Regenstrief Institute)",
       "LOINC 69737-5: GAD-7 panel", "n.d.", "LOINC 69737-5", "https://loinc.org/69737-5/",
       "Item and total codes of the GAD-7 (total = 70274-6).", descriptive=True),
    _s(63, "Uebelacker LA et al.",
       "Patient Health Questionnaire depression scale as a suicide screening instrument "
       "in depressed primary care patients: a cross-sectional study", "2011",
       "PMID 21731830; PMC3121214; doi:10.4088/PCC.10m01027",
       "https://pmc.ncbi.nlm.nih.gov/articles/PMC3121214/",
       "Item 9 against a structured interview: sensitivity 0.69, specificity 0.84; a "
       "screen that needs a clinician's assessment, not a risk assessment itself."),
    _s(64, "Simon GE et al.",
       "Does response on the PHQ-9 Depression Questionnaire predict subsequent suicide "
       "attempt or suicide death?", "2013", "doi:10.1176/appi.ps.201200587",
       "https://doi.org/10.1176/appi.ps.201200587",
       "One-year attempt and death risk rise across item-9 answers."),
    _s(65, "Louzon SA et al.",
       "Does suicidal ideation as measured by the PHQ-9 predict suicide among VA patients?",
       "2016", "doi:10.1176/appi.ps.201500149", "https://doi.org/10.1176/appi.ps.201500149",
       "Most who died by suicide last answered 'not at all': a negative is not clearance."),
    _s(66, "PubMed record",
       "PUF scale in street-ketamine users with lower urinary tract symptoms", "n.d.",
       "PMID 22477735", _PUBMED.format(22477735),
       "Nobody scoring 16 or less had urodynamic abnormality or hydronephrosis.",
       descriptive=True),
    _s(67, "PubMed record",
       "Survey of urinary symptoms in ketamine users in Taiwan (IPSS, ICSI/ICPI, OABSS)",
       "n.d.", "PMID 31076629", _PUBMED.format(31076629),
       "Questionnaires used for ketamine-related bladder symptoms.", descriptive=True),
    _s(68, "Hong Kong Medical Journal",
       "Pooled frequency of urinary symptoms in ketamine users", "2022",
       "Hong Kong Med J 28(6):466", "https://www.hkmj.org/abstracts/v28n6/466.htm",
       "Frequency 77.1%, urgency 69.9%, suprapubic pain 60.4%.", descriptive=True),
    # --- 5. Benchmarks -------------------------------------------------------------------
    _s(69, "Wilkinson ST et al.",
       "The effect of a single dose of intravenous ketamine on suicidal ideation: a "
       "systematic review and individual participant data meta-analysis", "2018",
       "doi:10.1176/appi.ajp.2017.17040472", "https://doi.org/10.1176/appi.ajp.2017.17040472",
       "Suicidal ideation fell within a day (n=167 with ideation)."),
    _s(70, "Anand A et al. (ELEKT-D)",
       "Ketamine versus ECT for nonpsychotic treatment-resistant major depression", "2023",
       "doi:10.1056/NEJMoa2302399; N Engl J Med 388:2315",
       "https://doi.org/10.1056/NEJMoa2302399",
       "Response 55.4% with ketamine against 41.2% with ECT."),
    # --- 6. Controlled-substance records ------------------------------------------------
    _s(71, "US Code of Federal Regulations", "21 CFR 1308.13: Schedule III", "current",
       "21 CFR 1308.13(c)(7)", "https://www.ecfr.gov/current/title-21/section-1308.13",
       "Ketamine is a Schedule III substance (DEA code 7285)."),
    _s(72, "US Code of Federal Regulations",
       "21 CFR 1304.03: persons required to keep records and file reports", "current",
       "21 CFR 1304.03", "https://www.ecfr.gov/current/title-21/section-1304.03",
       "Who must keep controlled-substance records; the administering exemption."),
    _s(73, "US Code of Federal Regulations",
       "21 CFR 1304.21: general requirements for continuing records", "current",
       "21 CFR 1304.21", "https://www.ecfr.gov/current/title-21/section-1304.21",
       "Complete records of every receipt and disposal, per location."),
    _s(74, "US Code of Federal Regulations", "21 CFR 1304.11: inventory requirements",
       "current", "21 CFR 1304.11", "https://www.ecfr.gov/current/title-21/section-1304.11",
       "Initial and two-yearly inventories; estimates for open containers."),
    _s(75, "Iowa Administrative Code", "Iowa Admin. Code r. 481-553.5", "current",
       "Iowa Admin. Code r. 481-553.5",
       "https://www.law.cornell.edu/regulations/iowa/Iowa-Admin-Code-r-481-553-5",
       "Example of a stricter state rule: annual exact counts."),
    _s(76, "US Code of Federal Regulations",
       "21 CFR 1304.04: maintenance of records and inventories", "current",
       "21 CFR 1304.04; 21 CFR part 1317 (disposal)",
       "https://www.ecfr.gov/current/title-21/section-1304.04",
       "Keep records two years; wastage is recorded, not put in collection receptacles."),
    _s(77, "Drug Enforcement Administration", "DEA Form 41 (registrant record of "
       "controlled substances destroyed), OMB information collection", "2024",
       "OMB ICR 202401-1117-001",
       "https://www.reginfo.gov/public/do/PRAViewICR?ref_nbr=202401-1117-001",
       "Destruction is logged with two authorised employees as witnesses.",
       descriptive=True),
    _s(78, "US Code of Federal Regulations",
       "21 CFR part 1317: disposal of controlled substances", "current", "21 CFR part 1317",
       "https://www.ecfr.gov/current/title-21/part-1317",
       "Collection receptacles take patients' medicines, not a registrant's wastage; "
       "destruction is recorded.", descriptive=True),
    _s(79, "Drug Enforcement Administration",
       "Reporting theft or significant loss of controlled substances (final rule)", "2023",
       "88 FR 40707",
       "https://www.federalregister.gov/documents/2023/06/22/2023-13085/",
       "Form 106 online within 45 days; paper no longer accepted.", descriptive=True),
    _s(80, "US Code of Federal Regulations", "21 CFR 1301.76: other security controls "
       "for practitioners (theft or significant loss)", "current", "21 CFR 1301.76(b)",
       "https://www.ecfr.gov/current/title-21/section-1301.76",
       "Notify the DEA Field Division Office within one business day of discovering a "
       "theft or significant loss, then file Form 106."),
    # --- 7. Pharmacokinetics -----------------------------------------------------------
    _s(81, "Kamp J et al.",
       "Ketamine pharmacokinetics: a systematic review of the literature, meta-analysis, "
       "and population analysis", "2020", "Anesthesiology 133:1192; PMID 32997732",
       "https://pubs.asahq.org/anesthesiology/article/133/6/1192/110742/",
       "The Kamp model's volumes and clearances."),
    _s(82, "Zanos P et al.",
       "Ketamine and ketamine metabolite pharmacology: insights into therapeutic "
       "mechanisms", "2018", "Pharmacol Rev; PMC6020109",
       "https://pmc.ncbi.nlm.nih.gov/articles/PMC6020109/table/T1",
       "Observed concentrations after 0.5 mg/kg over 40 min; dissociation range."),
    _s(83, "bensondaled/fus_anes (GitHub)",
       "STANPUMP-derived open-source ketamine target-controlled infusion code "
       "(TCI_Ketamine)", "n.d.", "open-source code on GitHub (TCI_Ketamine)",
       "https://github.com/bensondaled/fus_anes",
       "Independent code carrying the same Domino constants.",
       descriptive=True, self_report=True),
    # --- 8. IV nutrient therapy ------------------------------------------------------------
    _s(84, "Gaby AR", "Intravenous nutrient therapy: the “Myers' cocktail”", "2002",
       "PMID 12410623; Altern Med Rev 7:389", _PUBMED.format(12410623),
       "Magnesium, calcium, B vitamins and vitamin C by slow push."),
    _s(85, "Ali A et al.",
       "Intravenous micronutrient therapy (Myers' Cocktail) for fibromyalgia: a "
       "placebo-controlled pilot study", "2009",
       "PMID 19250005; doi:10.1089/acm.2008.0410; J Altern Complement Med 15:247",
       _PUBMED.format(19250005),
       "The trial's push and its ingredient volumes."),
    _s(86, "", "Withdrawn source: a clinic's web page on IV nutrient pushes", "", "", "",
       "Withdrawn: not an authoritative source. The facts it was cited for rest on [84] "
       "or are marked as having no published source.", descriptive=True, withdrawn=True),
    _s(87, "Juneja D et al. (2022); Yanase F et al. (2020)",
       "High-dose vitamin C and haemolysis in G6PD deficiency (review; Crit Care Med "
       "48:e620)", "2022", "Indian J Crit Care Med (2022); Crit Care Med 48:e620",
       "https://www.ijccm.org/abstractArticleContentBrowse/IJCCM/26638/JPJ/fullText",
       "Haemolysis cases, mostly G6PD-deficient: test G6PD before high-dose vitamin C.",
       descriptive=True),
    _s(88, "", "Withdrawn source: a commercial page on vitamin C infusions", "", "", "",
       "Withdrawn: not an authoritative source. The fact it was cited for is marked as "
       "having no published source.", descriptive=True, withdrawn=True),
    # --- 9. Crisis resources -------------------------------------------------------------
    _s(89, "Substance Abuse and Mental Health Services Administration (SAMHSA)",
       "988 Suicide & Crisis Lifeline", "n.d.", "US government page",
       "https://www.samhsa.gov/find-help/988",
       "988 by call, text or chat from 16 July 2022; veterans press 1 or text 838255.",
       descriptive=True),
    _s(90, "988 Suicide & Crisis Lifeline", "988 Lifeline en español", "n.d.",
       "the Lifeline's own page", "https://988lifeline.org/help-yourself/en-espanol/",
       "Help in Spanish: call 988 and press 2.", descriptive=True),
    _s(91, "Substance Abuse and Mental Health Services Administration (SAMHSA)",
       "988 Suicide & Crisis Lifeline: the options offered", "2025", "US government page",
       "https://www.samhsa.gov/find-help/988",
       "The options the Lifeline offers now (veterans, Spanish); the LGBTQ+ youth "
       "('Press 3') option ended on 17 July 2025.", descriptive=True),
    _s(92, "Crisis Text Line", "Crisis Text Line: text HOME to 741741", "n.d.",
       "the service's own page", "https://www.crisistextline.org/",
       "Free, around the clock.", descriptive=True),
    # --- 10. Privacy and security ----------------------------------------------------------
    _s(93, "US Code of Federal Regulations", "45 CFR 164.312: technical safeguards",
       "current", "45 CFR 164.312", "https://www.ecfr.gov/current/title-45/section-164.312",
       "Access control, audit controls, integrity, authentication, transmission."),
    _s(94, "US Code of Federal Regulations",
       "45 CFR 164.306: security standards, general rules", "current", "45 CFR 164.306(d)",
       "https://www.ecfr.gov/current/title-45/section-164.306",
       "'Addressable' does not mean optional: implement it, or document why not and what "
       "equivalent measure was taken."),
    _s(95, "US Department of Health and Human Services",
       "HIPAA Security Rule to strengthen the cybersecurity of electronic protected health "
       "information (proposed rule)", "2025", "90 FR 898; FR Doc. 2024-30983",
       "https://www.federalregister.gov/documents/2025/01/06/2024-30983/",
       "A proposal of 6 January 2025; a proposed rule binds no one until a final rule.",
       descriptive=True),
    _s(96, "US Code of Federal Regulations",
       "45 CFR 164.524: access of individuals to protected health information", "current",
       "45 CFR 164.524", "https://www.ecfr.gov/current/title-45/section-164.524",
       "Right of access: 30 days, one extension, format, fees."),
    _s(97, "US Department of Health and Human Services",
       "Confidentiality of Substance Use Disorder (SUD) Patient Records (final rule)",
       "2024", "89 FR 12472; FR Doc. 2024-02544",
       "https://www.federalregister.gov/documents/2024/02/16/2024-02544/",
       "The 2024 42 CFR Part 2 rule: consent, breach notification, counselling notes."),
    _s(98, "US Department of Health and Human Services",
       "Confidentiality of SUD Patient Records (final rule): effective and compliance dates",
       "2024", "89 FR 12472 (DATES)",
       "https://www.federalregister.gov/documents/2024/02/16/2024-02544/",
       "Compliance with the 2024 Part 2 rule is required from 16 February 2026.",
       descriptive=True),
    # --- Practice software (cited as S4, S8, S9, S51 in older text) -----------------------
    _s(99, "Osmind", "Patient notifications (help centre article)", "n.d.", "web page",
       "https://support.osmind.org/en/articles/6681819-patient-notifications",
       "A clinic platform texts recurring questionnaires with up to three daily reminders.",
       descriptive=True, aliases=("S4",), self_report=True),
    _s(100, "Osmind", "Why mental health EHRs should care about care teams", "n.d.",
       "web page",
       "https://www.osmind.org/blog/why-mental-health-ehrs-should-care-about-care-teams",
       "A suicidality answer between visits notifies the patient's primary clinician.",
       descriptive=True, aliases=("S8",), self_report=True),
    _s(101, "Osmind", "Trust and safety policies", "n.d.", "web page",
       "https://www.osmind.org/knowledge-article/osmind-trust-and-safety-policies",
       "The patient app shows crisis resources and says entries may not be watched live.",
       descriptive=True, aliases=("S9",), self_report=True),
    _s(102, "MoodMonitor", "Setting a schedule for when PHQ-9s are sent out", "n.d.",
       "help article",
       "https://moodmonitor.helpscoutdocs.com/article/22-setting-a-schedule-for-when-phq-"
       "9s-are-sent-out",
       "Questionnaire schedules that restart at each treatment: weekly, then fortnightly.",
       descriptive=True, aliases=("S51",), self_report=True),
    _s(103, "Stanley B, Brown GK",
       "Safety Planning Intervention: a brief intervention to mitigate suicide risk", "2012",
       "Cognitive and Behavioral Practice 19(2):256–264. doi:10.1016/j.cbpra.2011.01.001",
       "https://doi.org/10.1016/j.cbpra.2011.01.001",
       "The steps of a written safety plan: warning signs, internal coping, people and places "
       "for distraction, people to ask for help, professionals and crisis lines, and making "
       "the environment safe."),
    # --- Eligibility: medication tables --------------------------------------------------
    _s(104, "Ashton CH",
       "The diagnosis and management of benzodiazepine dependence", "2005",
       "doi:10.1097/01.yco.0000165594.60434.84; Curr Opin Psychiatry 18:249; the same "
       "equivalents as the Ashton Manual's benzodiazepine equivalence table (revised 2007)",
       "https://doi.org/10.1097/01.yco.0000165594.60434.84",
       "Approximate oral doses equivalent to diazepam 10 mg: alprazolam 0.5, clonazepam 0.5, "
       "lorazepam 1, chlordiazepoxide 25, oxazepam 20, temazepam 20, triazolam 0.5, "
       "clorazepate 15 mg; equivalents vary between patients."),
    _s(105, "US Food and Drug Administration",
       "Drug Development and Drug Interactions: Table of Substrates, Inhibitors and Inducers",
       "n.d.", "FDA web page (tables of clinical inhibitors and inducers of CYP enzymes)",
       "https://www.fda.gov/drugs/drug-interactions-labeling/drug-development-and-drug-"
       "interactions-table-substrates-inhibitors-and-inducers",
       "Named CYP3A and CYP2B6 inhibitors and inducers, such as clarithromycin, "
       "ketoconazole, ritonavir, clopidogrel, carbamazepine, rifampin and efavirenz."),
)  # fmt: skip

#: Every source by key, in key order.
SOURCES: dict[str, Source] = {source.key: source for source in _ALL}
_ALIASES: dict[str, str] = {alias: s.key for s in _ALL for alias in s.aliases}


def resolve_alias(key: str) -> str:
    """Return the registry key for ``key``, following an older alias such as "S4" → "99"."""
    return _ALIASES.get(key, key)


def get(key: str) -> Source:
    """Return the source cited as ``key`` ("22" or an alias such as "S4").

    Raises KeyError naming the key when no source has it (``[?]`` is not a source).
    """
    try:
        return SOURCES[resolve_alias(key)]
    except KeyError:
        raise KeyError(f"no source [{key}] in infusionist/lib/sources.py") from None


def keys_in(text: str) -> list[str]:
    """Return the keys cited in ``text``, in order, ``"?"`` included: "[1] [?]" → ["1", "?"]."""
    return KEY_PATTERN.findall(text)
