"""The clinical facts Infusionist encodes, in the project's own words, each with its sources.

One home for the reference: the signed-in page ``/reference/`` shows these sections and
:func:`markdown` writes ``docs/clinical-reference.md`` from them (``make clinical-reference``;
a test fails when the file differs). Code cites a section as "docs/clinical-reference.md §4"
and a source as ``[22]`` (:mod:`infusionist.lib.sources`). No Django imports.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from infusionist.lib.sources import SOURCES, UNSOURCED_MEANING, Source

__all__ = ["SAFETY_CRITICAL", "SECTIONS", "UNSOURCED_FACTS", "Section", "markdown"]


@dataclass(frozen=True)
class Section:
    """A numbered section of the reference: ``anchor`` is its id on the page and in the file."""

    number: str
    title: str
    facts: tuple[str, ...]
    intro: str = ""

    @property
    def anchor(self) -> str:
        """Return "section-4" for a numbered section, else the section's own name."""
        return f"section-{self.number}" if self.number.isdigit() else self.number

    @property
    def heading(self) -> str:
        return f"§{self.number}. {self.title}" if self.number.isdigit() else self.title


SECTIONS: tuple[Section, ...] = (
    Section(
        "1",
        "Protocols, doses, routes and pump maths",
        (
            "The usual IV dose for depression is 0.5 mg/kg of racemic ketamine infused over "
            "40 minutes [1][2]. Published practice ranges from 0.1 to 0.75 mg/kg, in sessions "
            "of 2 to 100 minutes [3].",
            "A dose-finding trial of 99 patients compared 0.1, 0.2, 0.5 and 1.0 mg/kg with "
            "midazolam 0.045 mg/kg; only 0.5 and 1.0 mg/kg separated from the control [4]. "
            "1.0 mg/kg is the highest dose studied and the default ceiling.",
            "A consensus statement of the American Psychiatric Association's Council of "
            "Research found the most evidence for 0.5 mg/kg over 40 minutes and little for "
            "other doses or routes [5]; pain care uses larger doses for longer [21].",
            "Titration: three infusions at 0.5 mg/kg followed by three at 0.75 mg/kg raised "
            "the response among completers from about 7% to about 42% [6]. No source supports "
            "more than 1.0 mg/kg for depression [?].",
            "Weight basis: the trials dosed on actual body weight (35 mg for 70 kg at "
            "0.5 mg/kg) [7]. No consensus exists on ideal or adjusted weight, or on a weight "
            "cap, in obesity [?]; a post hoc analysis found that higher BMI went with a "
            "better response [8]. If a clinic uses them, Devine ideal weight is 50 kg (men) "
            "or 45.5 kg (women) plus 2.3 kg per inch over 60 inches, and adjusted weight is "
            "ideal weight + 0.4 × (actual − ideal) [9]. Infusionist stores the weight and "
            "formula that produced every dose.",
            "Induction is about six infusions over two to three weeks: six thrice-weekly "
            "infusions over 12 days [10] or two weeks [11], or six within 21 days [12]. A "
            "large real-world analysis counted 4–8 infusions over 7–28 days as induction "
            "[14].",
            "Maintenance: responders kept their gains with four once-weekly infusions [11]; "
            "after six infusions the median time to relapse was 18 days [10]; in community "
            "care about 80% of responders still responded at 4 weeks and about 60% at 8 weeks "
            "without maintenance [14]. Time each further dose to come before the expected "
            "loss of effect [3].",
            "Other routes: intramuscular 0.25 or 0.5 mg/kg did about as well as IV 0.5 mg/kg "
            "in a small trial (HAM-D down 57–60% at 2 hours, n=27) [15]. About 20–25% of an "
            "oral dose reaches the blood, so roughly 2.0–2.5 mg/kg by mouth matches IV "
            "0.5 mg/kg; reported oral doses span 0.25–7 mg/kg or 25–300 mg [16]. A sublingual "
            "wafer reached about 29% [17].",
            "Absolute ceilings, which no clinic setting or protocol can raise: racemic "
            "ketamine by vein at most 2 mg/kg/h, the top of the outpatient infusion range "
            "(7 mg/kg/h is for intensive care only), so at most 2 mg/kg for each hour "
            "infused, and for at most 4 days, the longest regimen here (CRPS) [21]; by "
            "intramuscular injection at most 13 mg/kg, the largest IM induction dose of "
            "general anaesthesia on the Ketalar label (6.5–13 mg/kg) [22]; esketamine at most "
            "84 mg in one session, three 28-mg devices [18]. Without a protocol a clinic may "
            "set its session maximum up to 4.5 mg/kg, the label's largest IV induction dose "
            "(1–4.5 mg/kg) [22]. Racemic ketamine is given IV or IM [15][22]; esketamine only "
            "through its nasal device [18]. A clinic's own limits (1.0 mg/kg and 2 mg/kg/h by "
            "default) sit at or below these.",
            "Esketamine (Spravato) [18][19]: each device gives 28 mg in two sprays, with "
            "5 minutes between devices; no food for 2 hours and no drink for 30 minutes "
            "before. Treatment-resistant depression under 65: 56 mg on day 1, then 56 or "
            "84 mg twice weekly in weeks 1–4, weekly in weeks 5–8, and every two weeks or "
            "weekly from week 9 (the lowest frequency that keeps the response). From 65, "
            "start at 28 mg. Depression with acute suicidal thoughts: 84 mg twice weekly for "
            "4 weeks (may drop to 56 mg). Doses change in 28 mg steps. Approved as "
            "monotherapy on 21 January 2025 [20].",
            "Age: esketamine is indicated for adults; its safety and effectiveness in "
            "patients under 18 have not been established [18][19]. A plan for a patient "
            "younger than the clinic's minimum age (18 years by default) needs a physician's "
            "recorded override.",
            "Chronic pain (ASRA/AAPM/ASA 2018) [21]: boluses up to 0.35 mg/kg; infusions of "
            "0.5–2 mg/kg/h for outpatients (up to 7 mg/kg/h in intensive care); a total of at "
            "least 80 mg over more than 2 hours showed a dose–response. CRPS has moderate "
            "evidence for up to 12 weeks' relief from 22 mg/h for 4 days, or from 0.35 mg/kg/h "
            "for 4 hours a day for 10 days.",
            "Ketalar vials [22][23]: 10 mg/mL (20 mL), 50 mg/mL (10 mL) and 100 mg/mL (5 mL), "
            "multi-dose, with up to 0.1 mg/mL benzethonium chloride. 100 mg/mL is never given "
            "IV undiluted: dilute it with an equal volume of sterile water, normal saline or "
            "5% dextrose and use it at once. For infusion, 500 mg in 500 or 250 mL gives 1 or "
            "2 mg/mL. Depression studies often infuse in 100 mL of normal saline over "
            "40 minutes [24].",
            "Pump maths: dose (mg) = mg/kg × dosing weight (kg); dose rate (mg/h) = dose ÷ "
            "hours, or mg/kg/h × kg; concentration (mg/mL) = mg ÷ final bag volume (mL); "
            "rate (mL/h) = mg/h ÷ mg/mL; volume to be infused = rate × hours.",
            "Worked example: 70 kg × 0.5 mg/kg = 35 mg over 40 minutes = 52.5 mg/h. In a "
            "100 mL bag that is 0.35 mg/mL at 150 mL/h (the drug adds 0.7 mL from the "
            "50 mg/mL vial or 3.5 mL from the 10 mg/mL vial). From a 1 mg/mL bag: 52.5 mL/h "
            "and 35 mL to infuse. Pain: 80 kg × 0.35 mg/kg/h for 4 hours = 28 mg/h (112 mg); "
            "at 2 mg/mL that is 14 mL/h and 56 mL.",
            "The draw volume is a tenfold-error site: 35 mg is 0.35 mL of the 100 mg/mL vial "
            "but 3.5 mL of the 10 mg/mL vial [22].",
        ),
    ),
    Section(
        "2",
        "Screening and contraindications",
        (
            "Treatment-resistant depression: no adequate response to at least two "
            "antidepressants of adequate dose and duration in the current episode [25]; "
            "research also uses an Antidepressant Treatment History Form score of 3 or "
            "more [26].",
            "Ketalar label: contraindicated where a marked rise in blood pressure would be a "
            "serious hazard, and in hypersensitivity; it warns of drug-induced liver injury "
            "and of genitourinary pain with chronic off-label use [22].",
            "Esketamine label: contraindicated with aneurysmal vascular disease (aortic, "
            "intracranial or peripheral), arteriovenous malformation, a history of "
            "intracerebral haemorrhage, and hypersensitivity [19][28]. Consider delaying the "
            "dose when blood pressure before it is above 140/90 (a general guide) [27]. Not "
            "for use in pregnancy or breastfeeding [29].",
            "Pain-guideline relative contraindications [21]: poorly controlled cardiovascular "
            "disease, pregnancy and active psychosis (grade B); avoid in severe liver disease "
            "and take care in moderate; raised intracranial or intraocular pressure and active "
            "substance misuse (grade C). No tests for healthy patients; an ECG when "
            "cardiovascular disease is suspected; liver tests before and after with liver "
            "risk or frequent high doses.",
            "Examples of clinic and trial criteria: one intake guide screens for psychotic "
            "and substance-use disorders, expects bipolar patients to take a mood stabiliser, "
            "plans calming for PTSD, lists every earlier antidepressant and augmentation trial "
            "and any recent SSRI or SNRI stop, and treats hypertension as the key comorbidity "
            "[13]. One clinic excludes psychosis (even within the episode), dementias and "
            "symptomatic brain injury [25]. A provincial college's draft asks for an ECG, "
            "kidney and liver tests and STOP-BANG before parenteral ketamine, in an "
            "accredited facility [30]. One trial excluded more than 3 mg/day of lorazepam "
            "equivalent, uncontrolled hypertension, significant arrhythmia, unstable "
            "cerebrovascular disease, pregnancy or lactation, and psychosis or mania [31].",
            "No consensus numbers were found for BMI, age or blood pressure limits in IV "
            "depression care, nor for hyperthyroidism [?].",
            "Benzodiazepines: more than 8 mg/day diazepam-equivalent separated "
            "non-responders (sensitivity 80%, specificity 85%, n=47) [32]; higher doses "
            "blunted the day-1 but not the day-3 response in a randomised trial [33].",
            "Naltrexone 50 mg beforehand blocked the antidepressant but not the dissociative "
            "effect (the trial stopped at 12 patients) [34]. Lamotrigine 300 mg beforehand "
            "changed neither side effects nor response (n=26) [35].",
            "Watch blood pressure with MAOIs and psychostimulants [27]; the Spravato "
            "monitoring form asks about benzodiazepines, other hypnotics, stimulants and "
            "MAOIs [36]. Opioids, benzodiazepines and other CNS depressants risk profound "
            "sedation, respiratory depression and death, and theophylline or aminophylline "
            "risks seizures: do not combine [22]. CYP3A4 and CYP2B6 inducers lower ketamine "
            "exposure and inhibitors raise it [37]. No source was found for memantine [?].",
            "Side effects can be recorded with the Ketamine Side Effect Tool, which has forms "
            "for screening, baseline, just after treatment and long-term follow-up [38]; a "
            "shorter validated revision appeared in 2024 [39].",
            "Diazepam equivalents, approximate oral doses matching diazepam 10 mg [104]: "
            "alprazolam 0.5 mg, clonazepam 0.5, triazolam 0.5, lorazepam 1, estazolam 1–2, "
            "clorazepate 15, flurazepam 15–30, oxazepam 20, temazepam 20, quazepam 20, "
            "chlordiazepoxide 25. A daily load is the sum of each daily dose × 10 ÷ its "
            "equivalent: lorazepam 1 mg twice a day is 20 mg/day, above the 8 mg/day line "
            "[32]. Where a range is given Infusionist uses its lower dose, so the load is "
            "never understated; equivalents vary between patients.",
            "CYP3A and CYP2B6 examples in the FDA's interaction tables [105]: inhibitors "
            "clarithromycin, itraconazole, ketoconazole, ritonavir, diltiazem, verapamil and "
            "grapefruit juice (CYP3A), clopidogrel and ticlopidine (CYP2B6); inducers "
            "carbamazepine, phenytoin, phenobarbital, rifampin, efavirenz, modafinil and "
            "St John's wort. With ketamine they are information for the physician [37].",
            "No published source sets a ketamine rule for seizure disorders or thyroid "
            "disease [?]: Infusionist shows them to the physician, and an uncontrolled "
            "overactive thyroid needs a recorded reason to go ahead.",
            "Blood pressure at intake: above the pre-dose guide of 140/90 [27] treatment needs "
            "a physician's recorded reason; at or above 180 systolic, which the hypertension "
            "guideline calls severe above 180/120 [43], it stops until the pressure is treated "
            "(the ketamine label contraindicates it where a rise is a serious hazard [22]). "
            "No source sets the diastolic stop; Infusionist's default 110 sits below the "
            "180/115 at which a trial withdrew a patient [10] [?]. Each clinic sets all four.",
            "Pregnancy left unanswered, or an allergy to ketamine or esketamine written among "
            "the allergies, counts: pregnancy not ruled out needs a physician's recorded "
            "check [29][21], and a listed ketamine allergy is the label's hypersensitivity "
            "contraindication [22].",
        ),
    ),
    Section(
        "3",
        "Monitoring, rescue and discharge",
        (
            "Ketalar label baseline [22][40]: continuous monitoring of vital signs, airway "
            "equipment at hand and a clinician skilled in airway care; outpatients leave only "
            "after full recovery and with a responsible adult.",
            "Blood pressure in practice: Emory measured it every 10 minutes during and every "
            "15 minutes after 684 infusions; the mean peak was small (about +3/+3 mmHg at "
            "30 minutes) and no infusion was stopped [7]. Yale measured every 10 minutes "
            "over 2,342 infusions in 138 patients: the mean peak came at 40 minutes "
            "(+16/+11 mmHg), severe hypertension affected 12.5% of patients and 0.98% of "
            "infusions (43% of events in the first three infusions), and older age predicted "
            "surges [41]. One trial withdrew a patient at 180/115 that did not respond to "
            "treatment [10].",
            "No consensus blood-pressure limits or actions were found [?]. A review advises "
            "following general hypertension practice: treat emergencies with signs of organ "
            "damage and avoid treating brief rises without symptoms aggressively [42].  General "
            "hypertension practice calls a reading above 180/120 mmHg with new or worsening "
            "organ damage an emergency and, without such damage, lowers blood pressure "
            "gradually rather than rapidly [43].",
            "Oral clonidine up to 0.6 mg/day was given through a 96-hour infusion trial "
            "without rebound [44]. No authoritative doses were found "
            "for ondansetron or midazolam [?].",
            "Spravato REMS, for comparison [18][36][46][47]: a certified site with the "
            "prescriber on site and a pulse oximeter; blood pressure before the dose, about "
            "40 minutes after and before leaving; observation for at least 2 hours and until "
            "stable; the patient enrolled before the first dose; a Patient Monitoring Form "
            "within 7 days of every outpatient session (sedating or blood-pressure drugs, "
            "dose and lot, minutes from the first device to the end of monitoring, when the "
            "patient could have left, vital signs with three blood pressures, sedation, "
            "dissociation, respiratory depression, adverse events). Inpatient sites are "
            "exempt from enrolment and forms. No driving until the next day after restful "
            "sleep.",
            "MOAA/S sedation scale [48]: 5 responds readily to the name in a normal tone; "
            "4 lethargic response; 3 responds only to a loud or repeated name; 2 only to mild "
            "prodding or shaking; 1 only to a painful squeeze of the trapezius; 0 no "
            "response. In the Spravato trials 48–61% were sedated, 0.3–0.4% lost "
            "consciousness (MOAA/S 0) and 61–84% dissociated on the CADSS [28].",
            "CADSS: 28 items, 23 subjective and 5 rated by the observer, each 0–4; the "
            "subjective items total 0–92 [49].",
            "Modified Aldrete score (1995) [50]: activity, respiration, circulation, "
            "consciousness and oxygen saturation, each 0–2 (SpO2 above 92% on room air = 2; "
            "needs oxygen to stay above 90% = 1; below 90% even with oxygen = 0; circulation "
            "2 when blood pressure is within ±20% of baseline, which some versions read as "
            "±20 mmHg). A total of 9 or more allows discharge.",
        ),
    ),
    Section(
        "4",
        "Questionnaires and rating scales",
        (
            "PHQ-9 [51]: nine items scored 0–3, total 0–27; bands 0–4 none, 5–9 mild, 10–14 "
            "moderate, 15–19 moderately severe, 20–27 severe. A total of 10 or more finds "
            "major depression with sensitivity 77–88% and specificity 88–94%. Free to "
            "reproduce, translate and display without permission.",
            "GAD-7 [51]: seven items 0–3, total 0–21, with cut-offs at 5, 10 and 15; 10 or "
            "more finds generalised anxiety with sensitivity 89% and specificity 82%. Free "
            "to use.",
            "QIDS-SR16 [52][53]: total 0–27 from domain maxima (the highest of items 1–4, "
            "item 5, the highest of items 6–9, items 10 to 14, and the highest of items "
            "15–16), not a sum of 16 items. Bands 0–5 none, 6–10 mild, 11–15 moderate, "
            "16–20 severe, 21–27 very severe; remission at 5 or less. © UT Southwestern; "
            "licence terms not verified [?].",
            "MADRS [51]: ten items 0–6, total 0–60; below 7 normal, 7–19 mild, 20–34 "
            "moderate, above 34 severe. Remission is usually 10 or less but 12 or less in the "
            "esketamine trials [54]: say which one is used. © Royal College of "
            "Psychiatrists.",
            "PCL-5 [55][51]: twenty items 0–4, total 0–80, in clusters B (items 1–5), "
            "C (6–7), D (8–14) and E (15–20). Probable PTSD at 31–33, or when items rated 2 "
            "or more include at least 1 in B, 1 in C, 2 in D and 2 in E. A change of 5–10 "
            "points is reliable and 10–20 clinically meaningful. A US Government work, free.",
            "C-SSRS screener [56][57]: six yes/no questions (the flow is below). The paper "
            "form is free, but electronic versions are licensed only through Clario, with "
            "fees and certification for each implementation [58]; Infusionist therefore ships "
            "no C-SSRS wording.",
            "Y-BOCS [51]: ten items 0–4 (items 1b and 6b unscored), obsessions 1–5 and "
            "compulsions 6–10, total 0–40; bands 0–7, 8–15, 16–23, 24–31 and 32–40. "
            "© Goodman; not to be distributed without authorisation.",
            "CADSS: scoring in §3 [49]; licence terms not verified [?].",
            "Brief Pain Inventory, short form [59][60]: severity from four items 0–10; "
            "interference is the mean of seven items; worst pain 1–4 mild, 5–6 moderate, "
            "7–10 severe. © Cleeland / MD Anderson; permission is needed and fees may apply.",
            "PHQ-9 LOINC codes [61]: panel 44249-1; items 1 to 9 are 44250-9, 44255-8, "
            "44259-0, 44254-1, 44251-7, 44258-2, 44252-5, 44253-3 and 44260-8 (item 9); the "
            "difficulty item 69722-7; the total 44261-6. Answers 0–3 are LA6568-5, "
            "LA6569-3, LA6570-1 and LA6571-9; difficulty answers LA6572-7, LA6573-5, "
            "LA6575-0 (very) and LA6574-3 (extremely). PHQ-2 total 55758-7. Public code has "
            "been seen sending 44260-8 (item 9) as the total: a bug to avoid.",
            "GAD-7 LOINC codes [62]: panel 69737-5; items 69725-0, 68509-9, 69733-4, "
            "69734-2, 69735-9, 69689-8 (item 6, irritable) and 69736-7 (item 7, afraid); "
            "total 70274-6. Wrong variants circulate (69689-6, items 6 and 7 swapped, "
            "69726-8 to 69731-8), and some copies label the 0 answer 'not at all sure' "
            "instead of 'not at all' [51].",
            "PHQ-9 syndromes [51]: major depressive syndrome when five or more items score 2 "
            "or more (item 9 counts from 1), including item 1 or 2; other depressive "
            "syndrome with two to four such items.",
            "PHQ-9 item 9 is a screen, not a risk assessment: against a structured "
            "interview it found 69% of patients with suicidal thoughts and cleared 84% of "
            "those without [63]. Any answer above 'not at all' therefore calls for a "
            "structured risk assessment, such as the C-SSRS, before the visit ends [57]. "
            "From 'not at all' to 'nearly every day' "
            "the one-year risk of a suicide attempt rose from 0.4% to 4% and of suicide death "
            "from 0.03% to 0.3% [64]. In VA data the hazard ratios were 1.75, 2.15 and 2.85, "
            "yet 71.6% of those who died by suicide had last answered 'not at all' [65]: a "
            "negative answer is not clearance.",
            "C-SSRS screener flow [56][57]: ask Q1 (wish to be dead) and Q2 (thoughts of "
            "killing oneself). If Q2 is yes, ask Q3 (method), Q4 (intent without a plan) and "
            "Q5 (intent with a plan), then Q6; if Q2 is no, go to Q6 (suicidal behaviour, "
            "and if yes, whether within 3 months). Yes to Q4 or Q5 in the past month, or "
            "behaviour in the past 3 months, is imminent risk: keep the patient safe until a "
            "mental-health professional has evaluated them. Other positive answers call for "
            "referral and crisis lines. Splitting the rest into low (Q1–2) and moderate (Q3 "
            "or older behaviour) risk is a training convention not found in Columbia's text "
            "[?].",
            "Bladder symptoms: no validated ketamine-specific screen exists. Among "
            "street-ketamine users with urinary symptoms, nobody scoring 16 or less on the "
            "PUF scale had urodynamic abnormality or hydronephrosis [66]; IPSS, ICSI/ICPI "
            "and OABSS were used in a survey in Taiwan [67]; pooled rates were frequency "
            "77.1%, urgency 69.9% and suprapubic pain 60.4% [68]. Licence terms of these "
            "questionnaires not verified [?].",
            "Definitions: response is a drop of at least 50% from baseline [11][14]. "
            "Remission is PHQ-9 below 5 [14], QIDS-SR16 of 5 or less [52], and MADRS of 10 "
            "or less (12 in esketamine trials) [54]. Relapse is defined differently by each "
            "study [?].",
        ),
    ),
    Section(
        "5",
        "Benchmarks of effect",
        (
            "Zarate 2006 [1], crossover trial, n=18: 71% responded and 29% remitted at "
            "day 1; 35% still responded a week later.",
            "Murrough 2013 [2], against midazolam (2:1, n=73): MADRS fell 16.5 against 8.8 "
            "points at 24 hours; response 64% against 28%.",
            "Murrough 2013 [10], six infusions over 12 days, n=24: 70.8% responded; median "
            "relapse after 18 days; a response at 4 hours predicted later response "
            "(sensitivity 94%, specificity 71%).",
            "Phillips 2019 [11], n=41 with six thrice-weekly infusions: 59% responded, after "
            "a median of three infusions.",
            "Wilkinson 2018 [69], individual-patient meta-analysis of 167 patients with "
            "suicidal ideation: ideation fell within a day and up to a week (effect sizes "
            "0.48–0.85; number needed to treat 3.1–4.0).",
            "Cochrane 2021 [26], against midazolam: response at 24 hours 46.5% against 25.9% "
            "(odds ratio 2.48).",
            "McInnes 2022 [14], 9,016 patients in 178 practices, 537 analysable: response "
            "53.6% and remission 28.9% at 14–31 days (effect size 1.5); suicidal ideation "
            "fell in 73%; 8.4% grew worse and 6.0% reported more suicidal ideation.",
            "Oliver 2022 [12], 424 community patients: 50% response and 20% remission "
            "within 6 weeks; 72% and 38% after 10 infusions.",
            "ELEKT-D 2023 [70], ketamine against ECT: response 55.4% against 41.2%.",
        ),
    ),
    Section(
        "6",
        "Controlled-substance records",
        (
            "Ketamine is a Schedule III substance, DEA code 7285 [71].",
            "Every registrant keeps records; a practitioner who only administers is exempt "
            "unless they regularly administer and charge for it [72]. Clinics charge, so this "
            "reference assumes full records (an interpretation, not a ruling).",
            "Continuing records: a current, complete record of every receipt, "
            "administration and other disposal, kept separately for each location, with the "
            "actual date of receipt or destruction; no perpetual inventory is required [73].",
            "Inventory: an initial inventory on the first day, then at least every two "
            "years, marked as taken at the opening or close of business; open Schedule III–V "
            "containers may be estimated unless they hold more than 1,000 units [74]. States "
            "can be stricter: Iowa asks for an annual exact count, liquids to the nearest "
            "quarter container [75].",
            "Keep records at least two years [76]; state law may ask for longer.",
            "Destruction and waste: stock goes to a reverse distributor or is destroyed "
            "beyond recovery and logged on DEA Form 41 with two authorised employees as "
            "witnesses [77]. Wastage, what is left after administration, is not inventory: "
            "record it and never put it in a collection receptacle [76][78]. No federal rule "
            "requiring a witness to wastage was found; it comes from states, accreditors or "
            "good practice.",
            "Theft or significant loss: written notice to the DEA Field Division within one "
            "business day of discovery, then DEA Form 106 online within 45 days (paper forms "
            "refused since 24 July 2023) [79][80]. Any theft is reportable.",
            "A running balance is not a federal requirement [73]; a ledger should still keep "
            "a balance per vial and turn every discrepancy into a documented error or a loss "
            "report.",
        ),
        intro="Infusionist keeps no controlled-substance records yet (see the README's roadmap); "
        "these facts are collected for that work.",
    ),
    Section(
        "7",
        "Pharmacokinetic models",
        (
            "The predicted curves come from a linear three-compartment model with an effect "
            "site: dA1/dt = R(t) − (k10 + k12 + k13)·A1 + k21·A2 + k31·A3; dA2/dt = "
            "k12·A1 − k21·A2; dA3/dt = k13·A1 − k31·A3; Cp = A1/V1; dCe/dt = ke0·(Cp − Ce). "
            "With volumes in L, rate constants per minute and amounts in mg, Cp is in mg/L "
            "(µg/mL). From clearances, k10 = CL/V1, k12 = Q2/V1 and k21 = Q2/V2 (likewise for "
            "the third compartment).",
            "Domino model: V1 = 0.063 L/kg × weight; k10 0.4381, k12 0.5921, k13 0.5900, "
            "k21 0.2470 and k31 0.0146 per minute; ke0 0.652 per minute. Independent "
            "open-source code carries the same constants [83].",
            "Clements & Nimmo (Br J Anaesth 1981;53:27, PMID 7459184): V1 1.7522 L/kg; k10 "
            "0.0109, k12 0.0186, k21 0.0137 per minute; ke0 5.2.",
            "Hijazi (Br J Anaesth 2003;90:155, PMID 12538370): V1 1.08 L/kg; k10 0.0333, k12 "
            "0.0088, k21 0.0030 per minute; ke0 4.773. The cohort was adult intensive-care "
            "patients, although the opentiva package codes an upper age of 18.",
            "Kamp 2020 [81]: volumes 25, 56 and 157 L × (weight/70); clearances CL 84, Q2 161 "
            "and Q3 79 L/h × (weight/70); ke0 2.791. The paper's meta-analysis gives a volume "
            "of distribution of 252 L per 70 kg and a clearance of 79 L/h; its raw-data model "
            "adds two venous delay compartments, which are left out here as in opentiva.",
            "The ke0 values assume a time to peak effect of one minute, as coded in the "
            "opentiva 1.1.2 package (MIT licence), which the tests use as an independent "
            "oracle. The paediatric models of Herd (ages 1–14, PMID 17564643) and Hornik "
            "(ages 1–18, PMID 29677389) are available through the API but are not offered "
            "as a clinic setting.",
            "Check value: the Domino model, 70 kg, 0.5 mg/kg over 40 minutes gives Cp "
            "240.3 ng/mL at the end of the infusion; three independent solvers agree to four "
            "significant figures. Weight-proportional models give the same Cp per mg/kg at "
            "any weight, and doubling the dose doubles every value.",
            "Observed: about 185 ng/mL after 0.5 mg/kg over 40 minutes, with dissociation at "
            "100–250 ng/mL [82]; 156 ng/mL in the 40-minute arm of a trial [44]. Predicted "
            "curves are decision support, not measurements.",
        ),
    ),
    Section(
        "8",
        "IV nutrient therapy",
        (
            "The Myers' cocktail gives magnesium, calcium, B vitamins and vitamin C by slow "
            "push; Gaby raised the magnesium about tenfold using 20% magnesium chloride [84].",
            "A randomised pilot trial's push: magnesium "
            "chloride hexahydrate 20% 5 mL, calcium gluconate 10% 3 mL, hydroxocobalamin "
            "1,000 µg/mL 1 mL, pyridoxine 100 mg/mL 1 mL, dexpanthenol 250 mg/mL 1 mL, "
            "B-complex 100 1 mL, vitamin C 500 mg/mL 5 mL and sterile water 20 mL: 37 mL over "
            "about 10 minutes [85].",
            "Warmth is expected; for dizziness, nausea or low blood pressure, slow the "
            "magnesium [84].",
            "High-dose vitamin C means at least 6 g/day or 75 mg/kg/day. In reported "
            "haemolysis cases 71.4% of patients were G6PD-deficient, doses ranged from 1 to "
            "200 g/day and 78.6% occurred within 3 days, with kidney injury or oxalosis: test "
            "G6PD before high-dose vitamin C [87]. Avoid it in kidney failure or oxalate "
            "stones. High doses are reported to falsely raise finger-stick glucose readings; "
            "no authoritative threshold was found [?].",
        ),
        intro="Infusionist has no IV wellness menu yet; these facts are collected for it.",
    ),
    Section(
        "9",
        "Crisis resources (United States)",
        (
            "988 Suicide & Crisis Lifeline: call, text or chat 988 (nationwide since "
            "16 July 2022); 1-800-273-8255 still works; veterans press 1 or text 838255 "
            "[89]. A Spanish option is offered in the greeting [90]. The LGBTQ+ youth "
            "option ('Press 3') ended on 17 July 2025 [91].",
            "Crisis Text Line: text HOME to 741741, free, around the clock [92].",
            "911 for immediate danger.",
            "When PHQ-9 item 9 is 1 or more, or a C-SSRS answer means imminent risk, show "
            "these resources at once, alert the responsible clinician and require a "
            "documented risk assessment before the alert closes [63][57]. Say plainly that "
            "answers are not watched in real time, as established products do [101].",
            "A safety plan is written with the patient step by step: warning signs, coping "
            "steps they can take alone, people and places for distraction, people to ask for "
            "help, professionals and crisis lines, and making the environment safe (means "
            "safety) [103].",
        ),
    ),
    Section(
        "10",
        "Privacy and security",
        (
            "45 CFR 164.312 [93]: access control with a unique user id (required), emergency "
            "access (required), automatic logoff (addressable) and encryption (addressable); "
            "audit controls; integrity, with authentication of electronic records "
            "(addressable); person or entity authentication; transmission security with "
            "integrity controls and encryption (addressable). Addressable does not mean "
            "optional [94].",
            "The January 2025 proposed rule (90 FR 898: encryption, MFA, asset inventory, "
            "scans every six months, yearly penetration tests) was still not final in "
            "2026 [95].",
            "Right of access (45 CFR 164.524): act within 30 days, with one 30-day extension "
            "given in writing with reasons; psychotherapy notes are excluded; provide the "
            "requested format when readily producible; fees must be cost-based [96].",
            "42 CFR Part 2 covers substance-use-disorder records of federally assisted "
            "programmes that present themselves as SUD treatment. The 2024 rule took effect "
            "on 16 April 2024 with compliance from 16 February 2026: one consent may cover "
            "all future treatment, payment and operations disclosures; HIPAA breach "
            "notification applies; the records still may not be used in proceedings against "
            "the patient; SUD counselling notes are kept apart [97][98]. A depression clinic "
            "is probably not a Part 2 programme unless it advertises SUD care (an "
            "interpretation), but records received from one keep their protection.",
        ),
    ),
)

#: The ten facts where a bug is dangerous (cited by decisions and code as "safety-critical").
SAFETY_CRITICAL = Section(
    "safety-critical",
    "Ten safety-critical facts",
    (
        "Dose = mg/kg × an explicit, stored dosing weight (actual, ideal or adjusted, with "
        "its formula) (§1).",
        "Vials are 10, 50 and 100 mg/mL; 100 mg/mL is diluted before IV use; the draw volume "
        "is a tenfold-error site (§1).",
        "Rate (mL/h) = (mg/kg × kg ÷ hours) ÷ final mg/mL; show mg/h, mg/kg/h, mL/h and the "
        "volume to infuse together (§1).",
        "PHQ-9 item 9 is LOINC 44260-8 and the total 44261-6; item 9 of 1 or more starts the "
        "risk workflow; C-SSRS Q4 or Q5 in the past month, or behaviour in the past 3 "
        "months, is imminent risk (§4).",
        "QIDS-SR16 is scored from domain maxima (0–27), not a sum of 16 items; say which "
        "MADRS remission line is used, 10 or 12 (§4).",
        "A blood-pressure check before each dose (the Spravato guide is 140/90) with limits "
        "a clinic can set; for Spravato, blood pressure at about 40 minutes and at least "
        "2 hours' observation (§3).",
        "Discharge needs recovery criteria (such as Aldrete 9 or more), a responsible adult "
        "and no driving until the next day; a session cannot close with required vital "
        "signs missing (§3).",
        "Screen for aneurysm, arteriovenous malformation or intracerebral haemorrhage, "
        "psychosis, pregnancy, uncontrolled hypertension or cardiovascular disease and "
        "severe liver disease; flag benzodiazepines above 8 mg diazepam-equivalent, "
        "naltrexone, MAOIs or stimulants, CNS depressants and theophylline (§2).",
        "Ledger: a balance per vial, witnessed waste, an inventory every two years, two "
        "years' retention; theft or loss reported to the DEA within one business day and on "
        "Form 106 within 45 days; Spravato forms within 7 days (§3, §6).",
        "Crisis resources at once: 988 (or 1-800-273-8255), text HOME to 741741, 911; never "
        "imply that answers are watched live (§9).",
    ),
)

#: What no published source settles: the defaults marked [?] and why.
UNSOURCED_FACTS = Section(
    "unsourced",
    "What has no published source",
    (
        "Blood-pressure limits, monitoring frequency and obesity dosing from the consensus "
        "statements (their full texts were not available); any BMI or weight cap.",
        "Rescue doses (ondansetron, midazolam, clonidine, labetalol); hyperthyroidism; memantine.",
        "A ketamine rule for seizure disorders or thyroid disease; whether earlier ketamine "
        "treatment changes eligibility.",
        "Licence terms of the QIDS, CADSS and bladder questionnaires; the C-SSRS split into "
        "low and moderate risk; a definition of relapse.",
        "A federal rule requiring a witness to wastage (none was found); a LOINC code for "
        "the GAD-7 difficulty item.",
        "A minimum interval between IV sessions, an observation time after IV ketamine, the "
        "plausible weight and height ranges that catch unit mistakes (and the widest "
        "20–300 kg range a clinic may set), the usual adult weight range (40–120 kg) outside "
        "which a weight no height or earlier weight corroborates must be confirmed, the "
        "length of the predicted curve, and the questionnaire cadence. Each of these is a "
        "clinic setting with a conservative default.",
    ),
    intro=UNSOURCED_MEANING + " Where the product shows [?] it reads “no published "
    "source”; these are the gaps behind it.",
)


def _source_line(source: Source) -> str:
    parts = [f'<a id="source-{source.key}"></a>**[{source.key}]**', source.reference_text]
    if source.url:
        parts.append(f"<{source.url}>")
    parts.append(f"— {source.note}")
    if source.aliases:
        parts.append(f"(Cited as {', '.join(f'[{a}]' for a in source.aliases)} in older text.)")
    return " ".join(parts)


def _section_md(section: Section) -> list[str]:
    lines = [f'<a id="{section.anchor}"></a>', "", f"## {section.heading}", ""]
    if section.intro:
        lines += [section.intro, ""]
    lines += [f"- {fact}" for fact in section.facts]
    return [*lines, ""]


def markdown() -> str:
    """Return the text of docs/clinical-reference.md."""
    lines = [
        "# Clinical reference",
        "",
        "<!-- Generated from infusionist/lib/clinical_reference.py and infusionist/lib/"
        "sources.py by `make clinical-reference`. Edit those files, not this one: a test "
        "fails when they differ. -->",
        "",
        "The clinical and regulatory facts Infusionist encodes, summarised in the project's "
        "own words. Every clinical threshold in the product is a per-clinic setting; the "
        "values here are its documented defaults. Code, protocols and pages cite a source as "
        "`[22]`; each key is listed under [Sources](#sources) with its title, year and "
        "identifier. Signed-in staff see the same reference, linked from every key, at "
        "`/reference/`.",
        "",
        f"`[?]` means: {UNSOURCED_MEANING.lower()} The product shows it as “no published "
        "source”; [what has no published source](#unsourced) lists the gaps.",
        "",
        "Titles in quotation marks are the publication's own; the others describe the "
        "source. *n.d.*: no date was checked on the page. Nothing here is medical advice; "
        "each clinic's medical director sets its own protocols.",
        "",
    ]
    for section in (*SECTIONS, SAFETY_CRITICAL, UNSOURCED_FACTS):
        lines += _section_md(section)
    lines += ['<a id="sources"></a>', "", "## Sources", ""]
    for source in SOURCES.values():
        lines.append(f"- {_source_line(source)}")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - `make clinical-reference`
    sys.stdout.write(markdown())
