"""Documented default protocols; `services.protocols_create_defaults` copies them per clinic.

Every value comes from docs/clinical-reference.md §1 and §3; each protocol's `source_keys`
names the `[n]` keys that back it. Values tagged [?] have no authoritative source and
are conservative defaults a clinic sets for itself (the protocol page says so).
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from infusionist.lib.products import ESKETAMINE

# Vital signs q10 min during infusions: Emory (684 infusions) and Yale (2,342) [7][41].
IV_MONITORING_MIN = 10
# No source gives an observation time after IV ketamine [?]; the Spravato REMS minimum of
# 2 h [18] is used as the conservative default.
IV_OBSERVATION_MIN = 120
# No source gives a minimum interval between IV sessions [?]: not the same day.
IV_MIN_INTERVAL_H = 24

# Esketamine (Spravato) label facts [18][19], from the one home of product facts.
ESKETAMINE_USUAL_DOSE_MG = D(f"{ESKETAMINE.usual_doses_mg[0]:g}")
ESKETAMINE_DEVICE_LIMITS: dict[str, Any] = {
    "max_dose_mg": D(f"{ESKETAMINE.max_dose_mg:g}"),
    "device_mg": D(f"{ESKETAMINE.device_mg:g}"),
    "older_adult_age_years": int(ESKETAMINE.older_adult_age_years),
    "older_adult_start_dose_mg": D(f"{ESKETAMINE.older_adult_start_dose_mg:g}"),
}

DEPRESSION_INDUCTION: dict[str, Any] = {
    "phase": "induction",
    "route": "iv",
    "drug": "ketamine",
    # 0.5 mg/kg over 40 min (Zarate 2006 [1]; Murrough 2013 [2]); 100 mL NS [24].
    "dose_mg_per_kg": D("0.5"),
    "duration_min": 40,
    # ~6 infusions over 2–3 weeks: thrice weekly over 12 days [10] or 2 weeks [11];
    # 6 within 21 days [12].
    "session_count": 6,
    "sessions_per_week": D("3"),
    "course_max_days": 21,
    "min_interval_h": IV_MIN_INTERVAL_H,
    "max_sessions_per_7_days": 3,
    "monitoring_interval_min": IV_MONITORING_MIN,
    "observation_min": IV_OBSERVATION_MIN,
    # Cusin 2017 via [6]: 3 × 0.5 then 3 × 0.75 mg/kg raised response 7.1% → 41.7%.
    "titration_steps_mg_per_kg": "0.5, 0.75, 1.0",
    "titration_rule": (
        "Raise one step (0.5 → 0.75 → 1.0 mg/kg) when the response is partial and the last "
        "dose was tolerated (Cusin 2017 [6]). The ceiling is this protocol's maximum dose; "
        "no source supports more than 1.0 mg/kg for depression [?]."
    ),
    # Highest arm of the dose-finding RCT [4]; hard stop and titration ceiling.
    "max_dose_mg_per_kg": D("1.0"),
    # Top of the outpatient infusion range, ASRA/AAPM/ASA 2018 [21].
    "max_dose_rate_mg_per_kg_per_h": D("2.0"),
    "monitoring_requirements": (
        "Continuous monitoring, airway equipment and an airway-skilled clinician present "
        "(Ketalar label [22][40]). BP every 10 min during, every 15 min after [7][41]. "
        "Discharge after full recovery to a responsible adult; no driving until the next day."
    ),
    "schedule_description": "6 infusions, thrice weekly, within 21 days [10][11][12].",
    "source_keys": (
        "[1] [2] [4] [6] [7] [10] [11] [12] [21] [22] [24] [41]; [?] interval, observation"
    ),
}

DEPRESSION_MAINTENANCE: dict[str, Any] = {
    **DEPRESSION_INDUCTION,
    "phase": "maintenance",
    # Responders given 4 once-weekly infusions held their gains [11].
    "session_count": 4,
    "sessions_per_week": D("1"),
    "course_max_days": None,
    "max_sessions_per_7_days": 1,
    "schedule_description": (
        "4 once-weekly infusions after a response to induction [11]; median relapse 18 days "
        "after 6 infusions [10]."
    ),
    "source_keys": "[1] [4] [6] [7] [10] [11] [21] [22] [41]; [?] interval, observation",
}

DEPRESSION_BOOSTER: dict[str, Any] = {
    **DEPRESSION_MAINTENANCE,
    # Individualise so the next dose precedes loss of effect [3]; ~80%/60% still
    # responding at 4/8 weeks without maintenance [14].
    "session_count": 1,
    "schedule_description": (
        "Single booster when symptoms start to return; time it so the next dose precedes loss "
        "of effect [3] (about 80% still respond at 4 weeks, 60% at 8 weeks [14])."
    ),
    "source_keys": "[1] [3] [4] [14] [21] [22]; [?] interval, observation",
}

PAIN_BASE: dict[str, Any] = {
    "phase": "induction",
    "route": "iv",
    "drug": "ketamine",
    "duration_min": 240,
    "session_count": 1,
    "sessions_per_week": D("1"),
    "course_max_days": None,
    "min_interval_h": IV_MIN_INTERVAL_H,
    "max_sessions_per_7_days": 1,
    "monitoring_interval_min": IV_MONITORING_MIN,
    "observation_min": IV_OBSERVATION_MIN,
    "titration_steps_mg_per_kg": "",
    "titration_rule": "Adjust the rate within 0.5–2 mg/kg/h [21].",
    # Rate-based protocols cap the rate, not the session total (0.35 mg/kg/h × 4 h is
    # 1.4 mg/kg). ASRA/AAPM/ASA: 0.5–2 mg/kg/h outpatient, to 7 in ICU [21].
    "max_dose_mg_per_kg": None,
    "max_dose_rate_mg_per_kg_per_h": D("2.0"),
    "monitoring_requirements": (
        "Continuous monitoring, airway equipment and an airway-skilled clinician present "
        "(Ketalar label [22][40]). ASRA relative contraindications apply [21]."
    ),
    "source_keys": "[21] [22]; [?] interval, observation",
}


def default_protocols() -> list[dict[str, Any]]:
    """Return the documented default protocols, each with its key, name and indication."""
    induction_copy_note = (
        " Depression defaults: no indication-specific dosing source was found [?]; change "
        "them if the clinic's protocol differs."
    )
    return [
        {
            **DEPRESSION_INDUCTION,
            "key": "depression-iv-induction",
            "name": "Depression — IV induction 0.5 mg/kg × 6",
            "indication": "depression",
        },
        {
            **DEPRESSION_MAINTENANCE,
            "key": "depression-iv-maintenance",
            "name": "Depression — IV maintenance, weekly × 4",
            "indication": "depression",
        },
        {
            **DEPRESSION_BOOSTER,
            "key": "depression-iv-booster",
            "name": "Depression — IV booster",
            "indication": "depression",
        },
        *[
            {
                **DEPRESSION_INDUCTION,
                "key": f"{indication}-iv-induction",
                "name": f"{label} — IV induction 0.5 mg/kg × 6",
                "indication": indication,
                "schedule_description": DEPRESSION_INDUCTION["schedule_description"]
                + induction_copy_note,
            }
            for indication, label in (("anxiety", "Anxiety"), ("ptsd", "PTSD"), ("ocd", "OCD"))
        ],
        {
            **DEPRESSION_INDUCTION,
            "key": "depression-im",
            "name": "Depression — IM 0.5 mg/kg",
            "indication": "depression",
            "route": "im",
            # IM 0.25 and 0.5 mg/kg ≈ IV 0.5 mg/kg (HAM-D −57 to −60% at 2 h, n=27) [15].
            "dose_mg_per_kg": D("0.5"),
            "duration_min": None,
            "titration_steps_mg_per_kg": "0.25, 0.5",
            "titration_rule": (
                "Start at 0.25 or 0.5 mg/kg [15]; no IM dose above 0.5 mg/kg was studied there [?]."
            ),
            "max_dose_mg_per_kg": D("0.5"),
            "max_dose_rate_mg_per_kg_per_h": None,
            "schedule_description": (
                "IM doses on the IV induction schedule; no IM course schedule was sourced [?]."
            ),
            "source_keys": "[15] [22]; [?] schedule, interval, observation",
        },
        {
            **PAIN_BASE,
            "key": "pain-iv-low-dose",
            "name": "Chronic pain — IV low dose 0.35 mg/kg/h × 4 h",
            "indication": "chronic_pain",
            "dose_mg_per_kg_per_h": D("0.35"),
            "schedule_description": "Single 4-hour infusion at 0.35 mg/kg/h [21].",
        },
        {
            **PAIN_BASE,
            "key": "pain-iv-high-dose",
            "name": "Chronic pain — IV high dose 1 mg/kg/h × 4 h",
            "indication": "chronic_pain",
            "dose_mg_per_kg_per_h": D("1.0"),
            "schedule_description": (
                "Single 4-hour infusion within 0.5–2 mg/kg/h; dose-response: a total of at "
                "least 80 mg over more than 2 h [21]."
            ),
        },
        {
            **PAIN_BASE,
            "key": "crps-iv-10-day",
            "name": "CRPS — 0.35 mg/kg/h × 4 h daily × 10 days",
            "indication": "crps",
            "dose_mg_per_kg_per_h": D("0.35"),
            "session_count": 10,
            "sessions_per_week": D("7"),
            "course_max_days": 14,
            "min_interval_h": 20,
            "max_sessions_per_7_days": 7,
            "schedule_description": (
                "0.35 mg/kg/h for 4 h daily for 10 days (moderate evidence, up to 12 weeks' "
                "relief) [21]."
            ),
        },
        {
            **PAIN_BASE,
            "key": "crps-iv-4-day",
            "name": "CRPS — 22 mg/h continuous × 4 days",
            "indication": "crps",
            "dose_mg_per_h": D("22"),
            "duration_min": 4 * 24 * 60,
            "schedule_description": "Continuous 22 mg/h for 4 days (inpatient) [21].",
        },
        {
            "key": "esketamine-induction",
            "name": "Esketamine (Spravato) — induction, weeks 1–4",
            "indication": "depression",
            "phase": "induction",
            "route": "intranasal",
            "drug": "esketamine",
            # TRD <65 y: day 1 56 mg, then 56 or 84 mg twice weekly in weeks 1–4 [18][19].
            "dose_mg": ESKETAMINE_USUAL_DOSE_MG,
            "duration_min": None,
            "session_count": 8,
            "sessions_per_week": D("2"),
            "course_max_days": 28,
            # No minimum interval is given in the label [?]: 48 h keeps twice weekly apart.
            "min_interval_h": 48,
            "max_sessions_per_7_days": 2,
            # REMS BP before, ~40 min after and before leaving [18][36].
            "monitoring_interval_min": 40,
            "observation_min": 120,
            "titration_steps_mg_per_kg": "",
            "titration_rule": "Change in 28-mg steps between 56 and 84 mg (MDD with acute "
            "suicidality: 84 mg twice weekly, may drop to 56) [18][19].",
            "max_dose_mg_per_kg": None,
            "max_dose_rate_mg_per_kg_per_h": None,
            **ESKETAMINE_DEVICE_LIMITS,
            "rems_required": True,
            "monitoring_requirements": (
                "Spravato REMS [18][36][46][47]: certified site with the prescriber on site and a "
                "pulse oximeter; patient enrolled before the first dose; BP before the dose, "
                "about 40 min after and before leaving; observe at least 2 h and until stable; "
                "Patient Monitoring Form within 7 days of every outpatient session. No food 2 h "
                "or liquids 30 min before; 5 min between devices; no driving until the next day "
                "after restful sleep."
            ),
            "schedule_description": "Twice weekly in weeks 1–4 [18].",
            "source_keys": "[18] [19] [27] [36] [46] [47]; [?] interval",
        },
        {
            "key": "esketamine-maintenance-weekly",
            "name": "Esketamine (Spravato) — maintenance, weeks 5–8 weekly",
            "indication": "depression",
            "phase": "maintenance",
            "route": "intranasal",
            "drug": "esketamine",
            "dose_mg": ESKETAMINE_USUAL_DOSE_MG,
            "duration_min": None,
            "session_count": 4,
            "sessions_per_week": D("1"),
            "course_max_days": None,
            "min_interval_h": 48,
            "max_sessions_per_7_days": 1,
            "monitoring_interval_min": 40,
            "observation_min": 120,
            "titration_steps_mg_per_kg": "",
            "titration_rule": "Change in 28-mg steps between 56 and 84 mg [18].",
            "max_dose_mg_per_kg": None,
            "max_dose_rate_mg_per_kg_per_h": None,
            **ESKETAMINE_DEVICE_LIMITS,
            "rems_required": True,
            "monitoring_requirements": "Spravato REMS as for induction [18][36][46][47].",
            "schedule_description": "Weekly in weeks 5–8 [18].",
            "source_keys": "[18] [19] [36] [46] [47]; [?] interval",
        },
        {
            "key": "esketamine-maintenance-biweekly",
            "name": "Esketamine (Spravato) — maintenance, week 9+ every 2 weeks",
            "indication": "depression",
            "phase": "maintenance",
            "route": "intranasal",
            "drug": "esketamine",
            "dose_mg": ESKETAMINE_USUAL_DOSE_MG,
            "duration_min": None,
            "session_count": 6,
            "sessions_per_week": D("0.5"),
            "course_max_days": None,
            "min_interval_h": 48,
            "max_sessions_per_7_days": 1,
            "monitoring_interval_min": 40,
            "observation_min": 120,
            "titration_steps_mg_per_kg": "",
            "titration_rule": (
                "Every 2 weeks or weekly: the lowest frequency that keeps the response [18]."
            ),
            "max_dose_mg_per_kg": None,
            "max_dose_rate_mg_per_kg_per_h": None,
            **ESKETAMINE_DEVICE_LIMITS,
            "rems_required": True,
            "monitoring_requirements": "Spravato REMS as for induction [18][36][46][47].",
            "schedule_description": "Every 2 weeks (or weekly) from week 9 [18].",
            "source_keys": "[18] [19] [36] [46] [47]; [?] interval",
        },
    ]
