"""Clinical questionnaires defined as data, and exact scoring. No Django imports.

Usage::

    from infusionist.lib import instruments

    result = instruments.score("phq9", {"q1": 2, ..., "q9": 1})
    result.total, result.severity, result.flags

Sources in docstrings (``[51]`` etc.) are keys of ``docs/clinical-reference.md``
(``lib/sources.py``).
"""

from .model import (
    SUICIDALITY_FLAG,
    AnswerGroup,
    AnswerOption,
    EnableWhen,
    FlagRule,
    Instrument,
    InvalidAnswers,
    InvalidParameters,
    Item,
    Parameter,
    ScoreResult,
    ScoringRule,
    SeverityBand,
    UnknownInstrument,
)
from .registry import all_instruments, get
from .scoring import resolve_params, safety_flags, score, validate_answers
from .serialize import definition_as_dict, result_as_dict

__all__ = [
    "SUICIDALITY_FLAG",
    "AnswerGroup",
    "AnswerOption",
    "EnableWhen",
    "FlagRule",
    "Instrument",
    "InvalidAnswers",
    "InvalidParameters",
    "Item",
    "Parameter",
    "ScoreResult",
    "ScoringRule",
    "SeverityBand",
    "UnknownInstrument",
    "all_instruments",
    "definition_as_dict",
    "get",
    "resolve_params",
    "result_as_dict",
    "safety_flags",
    "score",
    "validate_answers",
]
