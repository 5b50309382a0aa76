"""The one error the chart's services raise for a step that may not be taken."""

from __future__ import annotations


class ChartError(Exception):
    """A charting step refused, with the ``field`` it concerns ("" for the whole form) and a
    plain ``message`` for the nurse. Views show it beside the field; the API answers 409
    (a step out of order) or 422 (a bad value) with it."""

    def __init__(self, field: str, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status
