"""The REMS forms a new clinic is given, as plain data (a data migration reads it too).

The Spravato REMS asks outpatient settings to send a Patient Monitoring Form after every
esketamine session, within 7 days [36][46][47]. A clinic can change, retire or add rules on
its chart settings page, so a change to the programme is followed without code.
"""

from __future__ import annotations

from typing import Any

SPRAVATO_MONITORING_FORM = "Spravato REMS Patient Monitoring Form"

#: Each default rule's fields (``RemsFormRule``); ``name`` and ``drug`` identify it.
DEFAULT_REMS_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": SPRAVATO_MONITORING_FORM,
        "drug": "esketamine",
        "when": "every_session",
        "due_days": 7,
        "source_keys": "[36][46][47]",
    },
)
