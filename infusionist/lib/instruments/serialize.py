"""Serialise instrument definitions and score results to JSON-ready dictionaries for the API."""

from __future__ import annotations

from typing import Any

from .model import Instrument, Item, ScoreResult, SeverityBand, Text

FALLBACK_LANG = "en"


def _in_lang(text: Text, lang: str) -> str:
    return text.get(lang) or text.get(FALLBACK_LANG) or ""


def _band_as_dict(band: SeverityBand) -> dict[str, Any]:
    return {
        "min_score": band.min_score,
        "max_score": band.max_score,
        "code": band.code,
        "label": band.label,
    }


def _item_as_dict(item: Item, lang: str) -> dict[str, Any]:
    return {
        "link_id": item.link_id,
        "name": item.name,
        "text": _in_lang(item.text, lang),
        "loinc": item.loinc_code,
        "required": item.required,
        "scored": item.scored,
        "enable_when": (
            None
            if item.enable_when is None
            else {"link_id": item.enable_when.link_id, "value": item.enable_when.value}
        ),
        "options": [
            {
                "value": option.value,
                "label": _in_lang(option.label, lang),
                "loinc_answer_code": option.loinc_answer_code,
            }
            for option in item.options
        ],
    }


def definition_as_dict(instrument: Instrument, lang: str = FALLBACK_LANG) -> dict[str, Any]:
    """Return the definition with items in order and text in ``lang`` (English if missing)."""
    return {
        "code": instrument.code,
        "version": instrument.version,
        "title": instrument.title,
        "lang": lang if lang in instrument.languages else FALLBACK_LANG,
        "languages": list(instrument.languages),
        "administration": instrument.administration,
        "instructions": _in_lang(instrument.instructions, lang),
        "licence_note": instrument.licence_note,
        "sources": list(instrument.sources),
        "loinc_panel": instrument.loinc_panel,
        "loinc_total": instrument.loinc_total,
        "scoring": {
            "method": instrument.scoring.method,
            "description": instrument.scoring.description,
        },
        "total_range": None if instrument.total_range is None else list(instrument.total_range),
        "band_on": instrument.band_on or "total",
        "severity_bands": [_band_as_dict(band) for band in instrument.severity_bands],
        "flags": [
            {"code": flag.code, "description": flag.description, "sources": list(flag.sources)}
            for flag in instrument.flags
        ],
        "parameters": [
            {
                "name": parameter.name,
                "default": parameter.default,
                "minimum": parameter.minimum,
                "maximum": parameter.maximum,
                "description": parameter.description,
                "sources": list(parameter.sources),
            }
            for parameter in instrument.parameters
        ],
        "answer_groups": [
            {
                "link_ids": list(group.link_ids),
                "min_answered": group.min_answered,
                "max_answered": group.max_answered,
                "instruction": group.instruction,
            }
            for group in instrument.answer_groups
        ],
        "items": [_item_as_dict(item, lang) for item in instrument.items],
    }


def result_as_dict(result: ScoreResult) -> dict[str, Any]:
    """Return a score result as a JSON-ready dictionary."""
    return {
        "instrument": result.instrument,
        "version": result.version,
        "total": result.total,
        "severity": None if result.severity is None else _band_as_dict(result.severity),
        "subscores": dict(result.subscores),
        "flags": list(result.flags),
        "complete": result.complete,
        "params": dict(result.params),
    }
