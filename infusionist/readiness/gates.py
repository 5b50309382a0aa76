"""The one gate the infusion chart calls before an infusion starts.

The chart asks one question, ``infusion_readiness(patient=)``, and never imports the apps
that own the answers. Each check is answered by the app that owns its rule:

1. **Questionnaire safety** (``measurements.selectors.infusion_gate``): no suicidality answer
   waits for a documented risk assessment [63][57].
2. **Eligibility** (``consultations.selectors.eligibility_status``): a physician's signed
   approval on a submitted intake, and the intake's facts unchanged since that approval
   (a changed intake needs the physician's review again). The intake is checked here:
   a decision is only made on an intake, and the intake's digest ties the two.
3. **Consent** (``consent.selectors.consent_status``): every consent the clinic requires
   before treatment signed at its current version (the telehealth consent too when the
   patient's consultation was by telehealth).

Each answer says in plain words what blocks and links to where staff resolve it. The chart
may not start an infusion unless ``Readiness.ready``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from infusionist.consent.selectors import consent_status
from infusionist.consultations.selectors import eligibility_status, telehealth_used
from infusionist.measurements.selectors import infusion_gate
from infusionist.patients.models import Patient

__all__ = ["GateCheck", "Readiness", "infusion_readiness"]


@dataclass(frozen=True)
class GateCheck:
    """One check: ``code`` (``questionnaire_safety``, ``eligibility``, ``consent``), its
    ``title``, whether it ``passed``, the ``reasons`` it does not (plain sentences, empty when
    passed), a ``summary`` when it passed, and ``fix_url``, the page where staff resolve it."""

    code: str
    title: str
    passed: bool
    reasons: tuple[str, ...]
    summary: str
    fix_url: str


@dataclass(frozen=True)
class Readiness:
    """All checks, in the order staff resolve them; ``ready`` only when every one passed."""

    checks: tuple[GateCheck, ...]

    @property
    def ready(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def blocking(self) -> tuple[GateCheck, ...]:
        return tuple(check for check in self.checks if not check.passed)


def infusion_readiness(*, patient: Patient) -> Readiness:
    """Return whether ``patient`` may have an infusion now, and what blocks it.

    The caller has already checked the user may see ``patient``. Queries: the open safety
    alerts (1), the intake packet and the current decision (2), whether a telehealth
    consultation was used (1), the consent settings, current versions and signatures (3).
    """
    safety = infusion_gate(patient=patient)
    eligibility = eligibility_status(patient=patient)
    consent = consent_status(patient=patient, telehealth=telehealth_used(patient=patient))
    eligibility_reasons: tuple[str, ...] = ()
    if not eligibility.approved_and_current:
        eligibility_reasons = (eligibility.message,)
        if eligibility.code == "no_decision" and not eligibility.intake_submitted:
            eligibility_reasons += ("The intake has not been submitted yet.",)
    return Readiness(
        checks=(
            GateCheck(
                code="questionnaire_safety",
                title="Suicidality answers assessed",
                passed=not safety,
                reasons=tuple(block.message for block in safety),
                summary="No suicidality answer is waiting for a risk assessment.",
                fix_url=reverse("measurements:alerts"),
            ),
            GateCheck(
                code="eligibility",
                title="Physician's eligibility decision",
                passed=eligibility.approved_and_current,
                reasons=eligibility_reasons,
                summary=eligibility.message,
                fix_url=reverse("consultations:review", args=[patient.pk]),
            ),
            GateCheck(
                code="consent",
                title="Consent signed",
                passed=consent.all_current,
                reasons=tuple(consent.reasons()),
                summary="Every required consent is signed at its current version.",
                fix_url=reverse("consent:patient", args=[patient.pk]),
            ),
        )
    )
