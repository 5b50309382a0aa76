"""Look up instrument definitions by code."""

from __future__ import annotations

from .cssrs import CSSRS_SCREENER
from .gad7 import GAD7
from .model import Instrument, UnknownInstrument
from .pain import BPI_SHORT, PAIN_NRS
from .pcl5 import PCL5
from .phq import PHQ2, PHQ9
from .qids import QIDS_SR16
from .score_entry import CADSS, MADRS, YBOCS
from .sedation import ALDRETE, MOAAS

_INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (
        PHQ9,
        PHQ2,
        GAD7,
        QIDS_SR16,
        PCL5,
        CSSRS_SCREENER,
        MADRS,
        CADSS,
        YBOCS,
        BPI_SHORT,
        PAIN_NRS,
        MOAAS,
        ALDRETE,
    )
}


def get(code: str) -> Instrument:
    """Return the instrument with this code."""
    try:
        return _INSTRUMENTS[code]
    except KeyError:
        known = ", ".join(sorted(_INSTRUMENTS))
        raise UnknownInstrument(f"no instrument {code!r}; known codes: {known}") from None


def all_instruments() -> tuple[Instrument, ...]:
    """Return every instrument, in catalogue order."""
    return tuple(_INSTRUMENTS.values())
