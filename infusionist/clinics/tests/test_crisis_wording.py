"""Review round 2, finding 7: the clinic's crisis wording may not name a national line.

The kind: a clinic's own words on the crisis panel that repeat, contradict or discourage the
national lines the panel always shows ("Do not call 988, call us instead"), in any language
or spelling. A local number that merely contains the digits is not refused.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from infusionist.clinics.profile import (
    discourages_crisis_help,
    mentions_national_crisis_line,
    validate_crisis_text,
)


@pytest.mark.parametrize(
    "wording",
    [
        "Do not call 988, call us instead at (541) 555-0100.",
        "No llame al 988, llámenos al (541) 555-0100.",
        "no llame al 988",
        "Skip 9-8-8 and call us.",
        "Call 9 8 8 only if we do not answer.",
        "Don't text 741741.",
        "Text HOME to 741 741",
        "Do not call 911; we handle emergencies.",
        "Old hotline: 1-800-273-8255",
        "Call 1-800-273-TALK",
        "The Lifeline is slow; call us.",
        "Use the Crisis Text Line only after hours.",
        "La Línea de Prevención del Suicidio y Crisis tarda; llámenos.",
        "Escriba a 442-AYÚDAME solo si no contestamos.",
        "Veterans: text 838255",
        "Do not dial nine one one.",
        "No marque nueve ocho ocho.",
    ],
)
def test_wording_that_names_a_national_line_is_refused(wording: str) -> None:
    assert mentions_national_crisis_line(wording)
    with pytest.raises(ValidationError) as refused:
        validate_crisis_text(wording)
    assert "Leave out 988, 741741, 911" in refused.value.messages[0]


@pytest.mark.parametrize(
    "wording",
    [
        "Lane County crisis line, 24 hours: (541) 555-0150.",
        "Línea de crisis del condado, 24 horas: (541) 555-0150.",
        "Our after-hours nurse: (541) 988-1234.",
        "Call the clinic at 541-555-9111 during office hours.",
        "Mobile crisis team: 541-682-3608",
        "Don't hesitate to call the county crisis line: (541) 555-0150.",
        "No dude en llamar a la línea de crisis del condado: (541) 555-0150.",
        "Questions about your treatment? Call the clinic, weekdays 9 to 5.",
        "",
    ],
)
def test_local_wording_is_accepted(wording: str) -> None:
    assert not mentions_national_crisis_line(wording)
    validate_crisis_text(wording)


@pytest.mark.parametrize(
    "wording",
    [
        # Review round 3: wording that steers patients away from crisis help without naming
        # a national line.
        "Do not call the national hotline, call us instead.",
        "Please don't call any crisis line first; call the clinic instead.",
        "No llame a la línea de crisis; llame primero a la clínica.",
        "Never call emergency services for side effects.",
        "Call us first, before calling anyone else.",
        "Llámenos en vez de ir a urgencias.",
        "No hace falta llamar a emergencias: llámenos.",
        "Skip the helpline and phone our nurse.",
        "Don\u2019t use crisis lines; we answer 24/7.",
    ],
)
def test_wording_that_steers_away_from_crisis_help_is_refused(wording: str) -> None:
    assert discourages_crisis_help(wording)
    with pytest.raises(ValidationError) as refused:
        validate_crisis_text(wording)
    assert refused.value.error_list[0].code in ("crisis_discouraging", "crisis_national_line")
