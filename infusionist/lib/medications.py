"""Medication names and classes for the eligibility rules, framework-free.

- :func:`generic_names` maps what a patient or integrator typed ("Xanax XR 0.5 mg",
  "Percocet", "buprenorphine/naloxone") to generic names, case-insensitively, through
  :data:`BRAND_NAMES`, ignoring a trailing strength or release form; ``()`` when unknown.
- The classes the rules flag, each with its source: benzodiazepines with their diazepam
  equivalents (:data:`DIAZEPAM_10_MG_EQUIVALENT_MG`, Ashton [104]), opioid antagonists [34],
  MAOIs and stimulants [27][36], opioids and other CNS depressants [22], methylxanthines [22],
  lamotrigine [35], CYP3A4/CYP2B6 inducers and inhibitors [37][105]; and
  :data:`KNOWN_WITHOUT_FLAG`, common medicines no rule applies to.

Source keys resolve in :mod:`infusionist.lib.sources`. No Django imports.
"""

from __future__ import annotations

import re

__all__ = [
    "BRAND_NAMES",
    "CYP_INDUCERS",
    "CYP_INHIBITORS",
    "DIAZEPAM_10_MG_EQUIVALENT_MG",
    "KNOWN_WITHOUT_FLAG",
    "LAMOTRIGINE",
    "MAOIS",
    "METHYLXANTHINES",
    "OPIOIDS",
    "OPIOID_ANTAGONISTS",
    "OTHER_CNS_DEPRESSANTS",
    "STIMULANTS",
    "clean_name",
    "diazepam_equivalent_mg_per_day",
    "generic_names",
]


#: Oral dose in mg approximately equivalent to diazepam 10 mg, from the Ashton Manual's
#: benzodiazepine equivalence table [104]. Where the table gives a range (estazolam 1–2,
#: flurazepam 15–30, loprazolam 1–2, lormetazepam 1–2, ketazolam 15–30, prazepam 10–20,
#: bromazepam 5–6) the lower dose is used, so that the diazepam-equivalent load is never
#: understated. Equivalents are approximate and vary between patients [104].
DIAZEPAM_10_MG_EQUIVALENT_MG: dict[str, float] = {
    "diazepam": 10.0,
    "alprazolam": 0.5,
    "bromazepam": 5.0,
    "chlordiazepoxide": 25.0,
    "clobazam": 20.0,
    "clonazepam": 0.5,
    "clorazepate": 15.0,
    "estazolam": 1.0,
    "flunitrazepam": 1.0,
    "flurazepam": 15.0,
    "halazepam": 40.0,
    "ketazolam": 15.0,
    "loprazolam": 1.0,
    "lorazepam": 1.0,
    "lormetazepam": 1.0,
    "medazepam": 10.0,
    "nitrazepam": 10.0,
    "nordazepam": 10.0,
    "oxazepam": 20.0,
    "prazepam": 10.0,
    "quazepam": 20.0,
    "temazepam": 20.0,
    "triazolam": 0.5,
}

#: Naltrexone: 50 mg beforehand blocked ketamine's antidepressant effect [34].
OPIOID_ANTAGONISTS: frozenset[str] = frozenset({"naltrexone", "samidorphan"})

#: Monoamine oxidase inhibitors: watch blood pressure [27][36].
MAOIS: frozenset[str] = frozenset(
    {"phenelzine", "tranylcypromine", "isocarboxazid", "selegiline", "rasagiline",
     "moclobemide", "safinamide", "linezolid", "methylene blue"}
)  # fmt: skip

#: Psychostimulants and wake-promoting agents: watch blood pressure [27][36].
STIMULANTS: frozenset[str] = frozenset(
    {"amphetamine", "dextroamphetamine", "lisdexamfetamine", "methamphetamine",
     "methylphenidate", "dexmethylphenidate", "modafinil", "armodafinil", "solriamfetol",
     "atomoxetine", "phentermine"}
)  # fmt: skip

#: Opioids: with ketamine, profound sedation, respiratory depression, coma and death [22].
OPIOIDS: frozenset[str] = frozenset(
    {"morphine", "oxycodone", "oxymorphone", "hydrocodone", "hydromorphone", "codeine",
     "fentanyl", "methadone", "buprenorphine", "tramadol", "tapentadol", "meperidine",
     "levorphanol", "butorphanol", "nalbuphine", "dihydrocodeine", "pentazocine"}
)  # fmt: skip

#: Other CNS depressants (benzodiazepines have their own rule): sedative hypnotics,
#: barbiturates, gabapentinoids, centrally acting muscle relaxants, sodium oxybate [22].
OTHER_CNS_DEPRESSANTS: frozenset[str] = frozenset(
    {"zolpidem", "zopiclone", "eszopiclone", "zaleplon", "phenobarbital", "butalbital",
     "secobarbital", "pentobarbital", "gabapentin", "pregabalin", "carisoprodol",
     "baclofen", "cyclobenzaprine", "methocarbamol", "tizanidine", "metaxalone",
     "sodium oxybate", "chloral hydrate", "meprobamate", "suvorexant", "lemborexant",
     "daridorexant"}
)  # fmt: skip

#: Methylxanthines: with ketamine, a lower seizure threshold; do not combine [22].
METHYLXANTHINES: frozenset[str] = frozenset({"theophylline", "aminophylline"})

#: Lamotrigine 300 mg beforehand changed neither side effects nor response [35].
LAMOTRIGINE: frozenset[str] = frozenset({"lamotrigine"})

#: CYP3A4 and CYP2B6 inducers (lower ketamine exposure [37]), as listed by the FDA's table
#: of clinical inducers and the examples it gives to healthcare professionals [105].
CYP_INDUCERS: dict[str, str] = {
    "apalutamide": "CYP3A4",
    "carbamazepine": "CYP3A4, CYP2B6",
    "enzalutamide": "CYP3A4",
    "mitotane": "CYP3A4",
    "phenytoin": "CYP3A4, CYP2B6",
    "fosphenytoin": "CYP3A4",
    "phenobarbital": "CYP3A4, CYP2B6",
    "primidone": "CYP3A4",
    "rifampin": "CYP3A4, CYP2B6",
    "rifabutin": "CYP3A4",
    "rifapentine": "CYP3A4",
    "st john's wort": "CYP3A4",
    "lumacaftor": "CYP3A4",
    "bosentan": "CYP3A4",
    "efavirenz": "CYP3A4, CYP2B6",
    "etravirine": "CYP3A4",
    "modafinil": "CYP3A4",
    "nafcillin": "CYP3A4",
}

#: CYP3A4 and CYP2B6 inhibitors (raise ketamine exposure [37]), from the same FDA table [105].
CYP_INHIBITORS: dict[str, str] = {
    "clarithromycin": "CYP3A4",
    "erythromycin": "CYP3A4",
    "itraconazole": "CYP3A4",
    "ketoconazole": "CYP3A4",
    "posaconazole": "CYP3A4",
    "voriconazole": "CYP3A4",
    "fluconazole": "CYP3A4",
    "ritonavir": "CYP3A4",
    "cobicistat": "CYP3A4",
    "nefazodone": "CYP3A4",
    "diltiazem": "CYP3A4",
    "verapamil": "CYP3A4",
    "ciprofloxacin": "CYP3A4",
    "grapefruit juice": "CYP3A4",
    "aprepitant": "CYP3A4",
    "dronedarone": "CYP3A4",
    "idelalisib": "CYP3A4",
    "tucatinib": "CYP3A4",
    "clopidogrel": "CYP2B6",
    "ticlopidine": "CYP2B6",
}

#: Medications the kernel recognises without a rule to apply (common antidepressants,
#: augmenting agents and everyday drugs), so that they are not listed as unclassified.
KNOWN_WITHOUT_FLAG: frozenset[str] = frozenset(
    {
        # Antidepressants and augmentation.
        "sertraline", "fluoxetine", "escitalopram", "citalopram", "paroxetine",
        "fluvoxamine", "venlafaxine", "desvenlafaxine", "duloxetine", "levomilnacipran",
        "milnacipran", "bupropion", "mirtazapine", "trazodone", "vortioxetine", "vilazodone",
        "amitriptyline", "nortriptyline", "imipramine", "desipramine", "clomipramine",
        "doxepin", "protriptyline", "trimipramine", "lithium", "aripiprazole", "brexpiprazole",
        "cariprazine", "quetiapine", "olanzapine", "risperidone", "lurasidone", "ziprasidone",
        "lumateperone", "valproate", "divalproex", "topiramate", "oxcarbazepine",
        "levetiracetam", "buspirone", "hydroxyzine", "zuranolone", "dextromethorphan",
        "esketamine", "ketamine", "prazosin", "clonidine", "guanfacine", "propranolol",
        "naloxone",
        # Everyday medicines.
        "levothyroxine", "liothyronine", "methimazole", "propylthiouracil", "lisinopril",
        "enalapril", "losartan", "valsartan", "amlodipine", "nifedipine",
        "hydrochlorothiazide", "chlorthalidone", "furosemide", "spironolactone", "metoprolol",
        "atenolol", "carvedilol", "atorvastatin", "rosuvastatin", "simvastatin",
        "pravastatin", "metformin", "insulin", "empagliflozin", "semaglutide", "liraglutide",
        "tirzepatide", "omeprazole", "esomeprazole", "pantoprazole", "famotidine",
        "ondansetron", "acetaminophen", "ibuprofen", "naproxen", "aspirin", "celecoxib",
        "sumatriptan", "rizatriptan", "cetirizine", "loratadine", "fexofenadine",
        "montelukast", "albuterol", "fluticasone", "budesonide", "apixaban", "rivaroxaban",
        "warfarin", "ethinyl estradiol", "norethindrone", "levonorgestrel", "estradiol",
        "progesterone", "medroxyprogesterone", "drospirenone", "tamsulosin", "finasteride",
        "sildenafil", "allopurinol", "prednisone", "vitamin d", "cholecalciferol",
        "folic acid", "l-methylfolate", "fish oil", "omega-3 fatty acids", "multivitamin",
        "magnesium", "melatonin", "iron", "ferrous sulfate", "cyanocobalamin", "vitamin b12",
        "amoxicillin", "doxycycline", "azithromycin", "nitrofurantoin",
    }
)  # fmt: skip

#: Brand (and other) names mapped to the generic names above; a combination maps to each
#: of its ingredients. Keys are lower case; matching ignores case and a trailing strength
#: or release form ("Xanax XR 0.5 mg" reads as "xanax").
BRAND_NAMES: dict[str, tuple[str, ...]] = {
    # Benzodiazepines.
    "xanax": ("alprazolam",), "niravam": ("alprazolam",), "klonopin": ("clonazepam",),
    "rivotril": ("clonazepam",), "ativan": ("lorazepam",), "valium": ("diazepam",),
    "diastat": ("diazepam",), "valtoco": ("diazepam",), "librium": ("chlordiazepoxide",),
    "restoril": ("temazepam",), "halcion": ("triazolam",), "serax": ("oxazepam",),
    "tranxene": ("clorazepate",), "dalmane": ("flurazepam",), "prosom": ("estazolam",),
    "doral": ("quazepam",), "onfi": ("clobazam",), "sympazan": ("clobazam",),
    "frisium": ("clobazam",), "lexotan": ("bromazepam",), "mogadon": ("nitrazepam",),
    "rohypnol": ("flunitrazepam",),
    # Opioid antagonists.
    "revia": ("naltrexone",), "vivitrol": ("naltrexone",), "depade": ("naltrexone",),
    "contrave": ("naltrexone", "bupropion"), "lybalvi": ("olanzapine", "samidorphan"),
    # MAOIs.
    "nardil": ("phenelzine",), "parnate": ("tranylcypromine",), "marplan": ("isocarboxazid",),
    "emsam": ("selegiline",), "eldepryl": ("selegiline",), "zelapar": ("selegiline",),
    "azilect": ("rasagiline",), "xadago": ("safinamide",), "zyvox": ("linezolid",),
    # Stimulants.
    "adderall": ("amphetamine", "dextroamphetamine"), "mydayis": ("amphetamine",),
    "evekeo": ("amphetamine",), "dexedrine": ("dextroamphetamine",),
    "zenzedi": ("dextroamphetamine",), "vyvanse": ("lisdexamfetamine",),
    "desoxyn": ("methamphetamine",), "ritalin": ("methylphenidate",),
    "concerta": ("methylphenidate",), "methylin": ("methylphenidate",),
    "daytrana": ("methylphenidate",), "quillichew": ("methylphenidate",),
    "focalin": ("dexmethylphenidate",), "azstarys": ("dexmethylphenidate",),
    "provigil": ("modafinil",), "nuvigil": ("armodafinil",), "sunosi": ("solriamfetol",),
    "strattera": ("atomoxetine",), "adipex": ("phentermine",),
    # Opioids.
    "oxycontin": ("oxycodone",), "roxicodone": ("oxycodone",),
    "percocet": ("oxycodone", "acetaminophen"), "vicodin": ("hydrocodone", "acetaminophen"),
    "norco": ("hydrocodone", "acetaminophen"), "hysingla": ("hydrocodone",),
    "dilaudid": ("hydromorphone",), "ms contin": ("morphine",), "duragesic": ("fentanyl",),
    "dolophine": ("methadone",), "methadose": ("methadone",),
    "suboxone": ("buprenorphine", "naloxone"), "zubsolv": ("buprenorphine", "naloxone"),
    "subutex": ("buprenorphine",), "sublocade": ("buprenorphine",),
    "butrans": ("buprenorphine",), "belbuca": ("buprenorphine",), "ultram": ("tramadol",),
    "nucynta": ("tapentadol",), "demerol": ("meperidine",),
    # Other CNS depressants.
    "ambien": ("zolpidem",), "intermezzo": ("zolpidem",), "edluar": ("zolpidem",),
    "lunesta": ("eszopiclone",), "imovane": ("zopiclone",), "sonata": ("zaleplon",),
    "neurontin": ("gabapentin",), "gralise": ("gabapentin",), "horizant": ("gabapentin",),
    "lyrica": ("pregabalin",), "soma": ("carisoprodol",), "lioresal": ("baclofen",),
    "flexeril": ("cyclobenzaprine",), "robaxin": ("methocarbamol",),
    "zanaflex": ("tizanidine",), "skelaxin": ("metaxalone",), "xyrem": ("sodium oxybate",),
    "xywav": ("sodium oxybate",), "belsomra": ("suvorexant",), "dayvigo": ("lemborexant",),
    "quviviq": ("daridorexant",), "fioricet": ("butalbital", "acetaminophen"),
    # Methylxanthines.
    "theo-24": ("theophylline",), "theochron": ("theophylline",), "uniphyl": ("theophylline",),
    "elixophyllin": ("theophylline",),
    # Lamotrigine.
    "lamictal": ("lamotrigine",), "subvenite": ("lamotrigine",),
    # CYP inducers and inhibitors.
    "tegretol": ("carbamazepine",), "equetro": ("carbamazepine",), "carbatrol": ("carbamazepine",),
    "dilantin": ("phenytoin",), "cerebyx": ("fosphenytoin",), "mysoline": ("primidone",),
    "rifadin": ("rifampin",), "rifampicin": ("rifampin",), "mycobutin": ("rifabutin",),
    "priftin": ("rifapentine",), "hypericum": ("st john's wort",),
    "st. john's wort": ("st john's wort",), "st johns wort": ("st john's wort",),
    "st. johns wort": ("st john's wort",), "saint john's wort": ("st john's wort",),
    "erleada": ("apalutamide",), "xtandi": ("enzalutamide",), "lysodren": ("mitotane",),
    "tracleer": ("bosentan",), "sustiva": ("efavirenz",), "intelence": ("etravirine",),
    "biaxin": ("clarithromycin",), "sporanox": ("itraconazole",), "noxafil": ("posaconazole",),
    "vfend": ("voriconazole",), "diflucan": ("fluconazole",), "norvir": ("ritonavir",),
    "paxlovid": ("nirmatrelvir", "ritonavir"), "tybost": ("cobicistat",),
    "cardizem": ("diltiazem",), "calan": ("verapamil",), "verelan": ("verapamil",),
    "cipro": ("ciprofloxacin",), "emend": ("aprepitant",), "multaq": ("dronedarone",),
    "plavix": ("clopidogrel",),
    # Antidepressants, augmentation and everyday medicines.
    "zoloft": ("sertraline",), "prozac": ("fluoxetine",), "sarafem": ("fluoxetine",),
    "lexapro": ("escitalopram",), "celexa": ("citalopram",), "paxil": ("paroxetine",),
    "luvox": ("fluvoxamine",), "effexor": ("venlafaxine",), "pristiq": ("desvenlafaxine",),
    "cymbalta": ("duloxetine",), "fetzima": ("levomilnacipran",),
    "wellbutrin": ("bupropion",), "zyban": ("bupropion",), "aplenzin": ("bupropion",),
    "auvelity": ("dextromethorphan", "bupropion"), "remeron": ("mirtazapine",),
    "desyrel": ("trazodone",), "oleptro": ("trazodone",), "trintellix": ("vortioxetine",),
    "viibryd": ("vilazodone",), "elavil": ("amitriptyline",), "pamelor": ("nortriptyline",),
    "tofranil": ("imipramine",), "anafranil": ("clomipramine",), "silenor": ("doxepin",),
    "lithobid": ("lithium",), "abilify": ("aripiprazole",), "rexulti": ("brexpiprazole",),
    "vraylar": ("cariprazine",), "seroquel": ("quetiapine",), "zyprexa": ("olanzapine",),
    "symbyax": ("olanzapine", "fluoxetine"), "risperdal": ("risperidone",),
    "latuda": ("lurasidone",), "geodon": ("ziprasidone",), "caplyta": ("lumateperone",),
    "depakote": ("divalproex",), "depakene": ("valproate",), "topamax": ("topiramate",),
    "trileptal": ("oxcarbazepine",), "keppra": ("levetiracetam",), "buspar": ("buspirone",),
    "vistaril": ("hydroxyzine",), "atarax": ("hydroxyzine",), "zurzuvae": ("zuranolone",),
    "spravato": ("esketamine",), "ketalar": ("ketamine",), "minipress": ("prazosin",),
    "catapres": ("clonidine",), "kapvay": ("clonidine",), "intuniv": ("guanfacine",),
    "inderal": ("propranolol",), "synthroid": ("levothyroxine",), "levoxyl": ("levothyroxine",),
    "cytomel": ("liothyronine",), "tapazole": ("methimazole",), "zestril": ("lisinopril",),
    "prinivil": ("lisinopril",), "cozaar": ("losartan",), "norvasc": ("amlodipine",),
    "lasix": ("furosemide",), "toprol": ("metoprolol",), "lopressor": ("metoprolol",),
    "lipitor": ("atorvastatin",), "crestor": ("rosuvastatin",), "zocor": ("simvastatin",),
    "glucophage": ("metformin",), "jardiance": ("empagliflozin",), "ozempic": ("semaglutide",),
    "wegovy": ("semaglutide",), "mounjaro": ("tirzepatide",), "zepbound": ("tirzepatide",),
    "prilosec": ("omeprazole",), "nexium": ("esomeprazole",), "protonix": ("pantoprazole",),
    "pepcid": ("famotidine",), "zofran": ("ondansetron",), "tylenol": ("acetaminophen",),
    "paracetamol": ("acetaminophen",), "advil": ("ibuprofen",), "motrin": ("ibuprofen",),
    "aleve": ("naproxen",), "celebrex": ("celecoxib",), "imitrex": ("sumatriptan",),
    "zyrtec": ("cetirizine",), "claritin": ("loratadine",), "allegra": ("fexofenadine",),
    "singulair": ("montelukast",), "ventolin": ("albuterol",), "proair": ("albuterol",),
    "salbutamol": ("albuterol",), "eliquis": ("apixaban",), "xarelto": ("rivaroxaban",),
    "coumadin": ("warfarin",), "flomax": ("tamsulosin",), "viagra": ("sildenafil",),
    "deplin": ("l-methylfolate",),
}  # fmt: skip

#: Words after a drug's name that do not change which drug it is (release forms, salts).
_FORM_WORDS: frozenset[str] = frozenset(
    {"xr", "er", "sr", "cr", "xl", "la", "ir", "ds", "odt", "cd", "pm", "hcl", "hydrochloride",
     "sodium", "potassium", "maleate", "succinate", "tartrate", "besylate", "mesylate",
     "tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "oral",
     "solution", "patch", "injection", "extended", "immediate", "release", "sublingual"}
)  # fmt: skip
_SALTS_KEEP: frozenset[str] = frozenset({"sodium oxybate"})
_NUMBER_START = re.compile(r"^[\d.,]")
_SPLIT_COMBINATION = re.compile(r"\s*(?:/|\+|&|,|;|\band\b|\bwith\b)\s*")
_ALL_GENERICS: frozenset[str] = (
    frozenset(DIAZEPAM_10_MG_EQUIVALENT_MG)
    | OPIOID_ANTAGONISTS
    | MAOIS
    | STIMULANTS
    | OPIOIDS
    | OTHER_CNS_DEPRESSANTS
    | METHYLXANTHINES
    | LAMOTRIGINE
    | frozenset(CYP_INDUCERS)
    | frozenset(CYP_INHIBITORS)
    | KNOWN_WITHOUT_FLAG
    | frozenset({"nirmatrelvir"})
)


def clean_name(text: str) -> str:
    """Return ``text`` lower-cased, without brackets, strength or release form."""
    text = re.sub(r"[()\[\]]", " ", text.lower().replace("’", "'")).strip()
    words: list[str] = []
    for word in text.split():
        if _NUMBER_START.match(word):
            break
        words.append(word)
    while len(words) > 1 and words[-1] in _FORM_WORDS and " ".join(words) not in _SALTS_KEEP:
        words.pop()
    return " ".join(words).strip(" .-")


def generic_names(name: str) -> tuple[str, ...]:
    """Return the generic names ``name`` stands for, or ``()`` when the kernel does not know it.

    Case-insensitive; a trailing strength or release form is ignored ("Xanax XR 0.5 mg" →
    ``("alprazolam",)``); a brand of a combination returns every ingredient ("Percocet" →
    ``("oxycodone", "acetaminophen")``); "buprenorphine/naloxone" is read part by part.
    """
    cleaned = clean_name(name)
    if not cleaned:
        return ()
    if cleaned in _ALL_GENERICS:
        return (cleaned,)
    if cleaned in BRAND_NAMES:
        return BRAND_NAMES[cleaned]
    parts = [p for p in _SPLIT_COMBINATION.split(cleaned) if p]
    if len(parts) > 1:
        found: list[str] = []
        for part in parts:
            generics = generic_names(part)
            if not generics:
                return ()
            found.extend(g for g in generics if g not in found)
        return tuple(found)
    first = cleaned.split()[0]
    if first != cleaned and (first in _ALL_GENERICS or first in BRAND_NAMES):
        return (first,) if first in _ALL_GENERICS else BRAND_NAMES[first]
    return ()


def diazepam_equivalent_mg_per_day(generic: str, daily_dose_mg: float) -> float:
    """Return ``daily_dose_mg`` of benzodiazepine ``generic`` as diazepam mg/day.

    diazepam-eq (mg/day) = daily dose (mg/day) × 10 ÷ the dose equivalent to diazepam 10 mg
    (:data:`DIAZEPAM_10_MG_EQUIVALENT_MG`, Ashton [104]); rounded to 6 decimals so that a
    sum lands exactly on round limits. Lorazepam 2 mg/day → 20 mg/day.

    Raises KeyError for a drug not in the table.
    """
    return round(daily_dose_mg * 10.0 / DIAZEPAM_10_MG_EQUIVALENT_MG[generic], 6)
