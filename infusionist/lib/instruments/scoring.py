"""Validate answers and score an instrument administration."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .model import (
    Instrument,
    InvalidAnswers,
    InvalidParameters,
    Item,
    ScoreResult,
    Subscore,
)
from .registry import get


def _instrument(code_or_instrument: str | Instrument) -> Instrument:
    if isinstance(code_or_instrument, Instrument):
        return code_or_instrument
    return get(code_or_instrument)


def _choices(item: Item) -> str:
    return ", ".join(str(value) for value in item.allowed_values)


def resolve_params(
    code_or_instrument: str | Instrument, params: Mapping[str, object] | None = None
) -> Mapping[str, int]:
    """Return every parameter of the instrument, with the clinic's overrides applied."""
    instrument = _instrument(code_or_instrument)
    resolved = {parameter.name: parameter.default for parameter in instrument.parameters}
    errors: dict[str, str] = {}
    for name, raw in (params or {}).items():
        if name not in resolved:
            known = ", ".join(resolved) or "none"
            errors[str(name)] = f"unknown parameter; {instrument.code} takes: {known}"
            continue
        parameter = instrument.parameter(name)
        # bool is an int subclass; True must not silently mean 1.
        if isinstance(raw, bool) or not isinstance(raw, int):
            errors[name] = f"expected a whole number, got {type(raw).__name__} {raw!r}"
        elif not parameter.minimum <= raw <= parameter.maximum:
            errors[name] = (
                f"{raw} is out of range; use {parameter.minimum} to {parameter.maximum} "
                f"(default {parameter.default})"
            )
        else:
            resolved[name] = int(raw)
    if errors:
        raise InvalidParameters(errors, instrument=instrument.code)
    return MappingProxyType(resolved)


def validate_answers(
    code_or_instrument: str | Instrument,
    answers: Mapping[str, object],
    *,
    allow_partial: bool = False,
) -> tuple[dict[str, int], bool]:
    """Return the validated answers and whether they are complete.

    A None value means "not answered". Raise InvalidAnswers naming every bad item: an unknown
    link_id, a value that is not a whole number (bool and numeric strings are refused), a value
    outside the item's options, an answer to an item the flow skips, and, unless
    ``allow_partial``, a missing required answer.
    """
    instrument = _instrument(code_or_instrument)
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a mapping of link_id to value, not {type(answers)}")
    errors: dict[str, str] = {}
    known_ids = [item.link_id for item in instrument.items]
    for key in answers:
        if key not in known_ids:
            errors[str(key)] = f"unknown item; {instrument.code} has items {', '.join(known_ids)}"

    values: dict[str, int] = {}
    for item in instrument.items:
        raw = answers.get(item.link_id)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int):
            errors[item.link_id] = (
                f"expected a whole number, got {type(raw).__name__} {raw!r}; "
                f"choose one of {_choices(item)}"
            )
        elif raw not in item.allowed_values:
            errors[item.link_id] = f"{raw} is out of range; choose one of {_choices(item)}"
        else:
            values[item.link_id] = int(raw)

    complete = True
    for item in instrument.items:
        condition = item.enable_when
        if condition is not None and condition.link_id not in values:
            # The controlling answer is missing (its own requirement decides completeness) or
            # invalid (already reported): neither require nor refuse this item.
            continue
        if condition is not None and values[condition.link_id] != condition.value:
            if item.link_id in values:
                errors[item.link_id] = (
                    f"asked only when {condition.link_id} is {condition.value}; "
                    f"leave it blank or correct {condition.link_id}"
                )
        elif item.required and item.link_id not in values:
            complete = False
            if not allow_partial and item.link_id not in errors:
                errors[item.link_id] = f"required; choose one of {_choices(item)}"

    for group in instrument.answer_groups:
        answered = sum(1 for link_id in group.link_ids if link_id in values)
        if answered < group.min_answered:
            complete = False
        if answered > group.max_answered or (answered < group.min_answered and not allow_partial):
            for link_id in group.link_ids:
                errors.setdefault(link_id, group.instruction)

    if errors:
        raise InvalidAnswers(errors, instrument=instrument.code)
    return values, complete


def safety_flags(
    code_or_instrument: str | Instrument,
    answers: Mapping[str, object],
    *,
    params: Mapping[str, object] | None = None,
) -> tuple[str, ...]:
    """Return the safety flags raised by the valid answers among ``answers``; never raise for them.

    For a caller whose answers cannot be scored (missing, unknown or out-of-range items): the
    answers that are valid for their item still raise their flags, so a risk answer (PHQ-9 item
    9, QIDS-SR16 item 12, a C-SSRS "yes") is never hidden by a bad one elsewhere [63][57]. Every
    other entry is ignored: unknown link ids, values that are not whole numbers (bool included)
    and values outside the item's options. An answer to an item the flow would skip still
    counts, since an inconsistent answer is not a reason to hide risk. ``answers`` that is not a
    mapping gives no flags. Invalid ``params`` still raise InvalidParameters.
    """
    instrument = _instrument(code_or_instrument)
    resolved = resolve_params(instrument, params)
    rule = instrument.scoring
    if rule.safety_flags is None or not isinstance(answers, Mapping):
        return ()
    values: dict[str, int] = {}
    for item in instrument.items:
        raw = answers.get(item.link_id)
        if isinstance(raw, int) and not isinstance(raw, bool) and raw in item.allowed_values:
            values[item.link_id] = int(raw)
    return rule.safety_flags(values, resolved)


def _merge_flags(*flag_sets: tuple[str, ...]) -> tuple[str, ...]:
    merged: list[str] = []
    for flags in flag_sets:
        merged.extend(flag for flag in flags if flag not in merged)
    return tuple(merged)


def score(
    code_or_instrument: str | Instrument,
    answers: Mapping[str, object],
    *,
    params: Mapping[str, object] | None = None,
    allow_partial: bool = False,
) -> ScoreResult:
    """Score one administration of an instrument.

    Raise InvalidAnswers for any bad or, unless ``allow_partial``, missing answer. With
    ``allow_partial`` an incomplete set returns ``complete=False`` with no total, no severity and
    no subscores, but safety flags (for example PHQ-9 item 9) are still raised from the answers
    given. ``params`` overrides clinical thresholds; see each instrument's ``parameters``.
    """
    instrument = _instrument(code_or_instrument)
    resolved = resolve_params(instrument, params)
    values, complete = validate_answers(instrument, answers, allow_partial=allow_partial)
    rule = instrument.scoring
    safety = rule.safety_flags(values, resolved) if rule.safety_flags else ()
    if not complete:
        return ScoreResult(
            instrument=instrument.code,
            version=instrument.version,
            total=None,
            severity=None,
            subscores=MappingProxyType({}),
            flags=safety,
            complete=False,
            params=resolved,
        )
    scored = rule.compute(values, resolved)
    banded: Subscore | None = (
        scored.total if instrument.band_on is None else scored.subscores[instrument.band_on]
    )
    return ScoreResult(
        instrument=instrument.code,
        version=instrument.version,
        total=scored.total,
        severity=None if banded is None else instrument.band_for(banded),
        subscores=MappingProxyType(dict(scored.subscores)),
        flags=_merge_flags(safety, scored.flags),
        complete=True,
        params=resolved,
    )
