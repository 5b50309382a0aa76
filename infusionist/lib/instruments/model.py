"""Data types for instrument definitions and score results.

Definitions are frozen dataclasses; text fields are read-only mappings of language code to text.
Nothing here imports Django, so the same definitions serve the web app, the API and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Text keyed by language code ("en", "es"). Empty when a licence forbids shipping the wording.
Text = Mapping[str, str]

#: Validated answers: link_id -> chosen option value.
Values = Mapping[str, int]

#: Resolved clinical parameters: name -> value.
Params = Mapping[str, int]

#: A subscore is an integer sum or maximum, or a mean (float) such as BPI interference.
Subscore = int | float

#: Flag raised by every instrument whose answers should start the crisis workflow
#: (show 988 / 741741 / 911, alert the responsible clinician, require a risk assessment) [63][57].
SUICIDALITY_FLAG = "suicidality"


def lang_text(**by_lang: str) -> Text:
    """Return a read-only language -> text mapping, dropping empty entries."""
    return MappingProxyType({lang: value for lang, value in by_lang.items() if value})


def _frozen(mapping: Mapping[str, object]) -> MappingProxyType[str, object]:
    return MappingProxyType(dict(mapping))


#: A link id that carries the question number staff read ("q6b").
_NUMBERED_LINK_ID = re.compile(r"q(\d+[a-z]?)")


@dataclass(frozen=True)
class AnswerOption:
    """One allowed answer to an item: the stored integer value and its labels."""

    value: int
    label: Text = field(hash=False)
    loinc_answer_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _frozen(self.label))


@dataclass(frozen=True)
class EnableWhen:
    """Ask an item only when an earlier item has the given value (FHIR ``enableWhen``)."""

    link_id: str
    value: int


@dataclass(frozen=True)
class Item:
    """One question of an instrument.

    ``name`` is a short neutral name that may always be shown. ``text`` is the full wording and is
    empty when the licence does not allow Infusionist to ship it.
    """

    link_id: str
    name: str
    text: Text = field(hash=False)
    options: tuple[AnswerOption, ...]
    loinc_code: str | None = None
    required: bool = True
    scored: bool = True
    enable_when: EnableWhen | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _frozen(self.text))
        values = [option.value for option in self.options]
        if not values:
            raise ValueError(f"item {self.link_id} has no answer options")
        if len(set(values)) != len(values):
            raise ValueError(f"item {self.link_id} repeats an option value: {values}")

    @property
    def allowed_values(self) -> tuple[int, ...]:
        """Return the allowed option values in display order."""
        return tuple(option.value for option in self.options)

    def patient_wording_in(self, lang: str) -> bool:
        """Return whether a patient can answer this item from its wording in ``lang`` alone.

        The question needs wording in ``lang``, and each answer option words beyond its
        number, except on a numeric rating scale whose lowest and highest options are worded
        ("0 – No pain" … "10 – Worst pain imaginable"): its middle numbers need no words.
        Bare numbers alone ("0 1 2 3") are not something a patient can answer.
        """
        if not self.text.get(lang):
            return False
        labels = [option.label.get(lang, "") for option in self.options]
        if not all(labels):
            return False
        worded = [
            label.strip() != str(option.value)
            for label, option in zip(labels, self.options, strict=True)
        ]
        return all(worded) or (len(worded) > 2 and worded[0] and worded[-1])

    def option(self, value: int) -> AnswerOption:
        """Return the option with this value."""
        for option in self.options:
            if option.value == value:
                return option
        raise LookupError(f"item {self.link_id} has no option {value}")


@dataclass(frozen=True)
class AnswerGroup:
    """Require between ``min_answered`` and ``max_answered`` of several optional items."""

    link_ids: tuple[str, ...]
    min_answered: int
    max_answered: int
    instruction: str


@dataclass(frozen=True)
class SeverityBand:
    """A closed score interval [min_score, max_score] with a severity code and label."""

    min_score: int
    max_score: int
    code: str
    label: str

    def contains(self, score: Subscore) -> bool:
        """Return whether the score lies inside this band."""
        return self.min_score <= score <= self.max_score


@dataclass(frozen=True)
class Parameter:
    """A clinical threshold that a clinic may change; ``default`` is the documented value.

    ``name`` is the code settings and the API use; ``label`` is what people read (the
    reference page, settings); descriptions speak in labels, never in codes.
    """

    name: str
    default: int
    minimum: int
    maximum: int
    description: str
    sources: tuple[str, ...]
    label: str = ""

    @property
    def shown_label(self) -> str:
        """Return the label, or the name in words when no label was given."""
        return self.label or words_of_code(self.name)

    def __post_init__(self) -> None:
        if not self.minimum <= self.default <= self.maximum:
            raise ValueError(f"parameter {self.name} default is outside its range")


@dataclass(frozen=True)
class FlagRule:
    """Describe a flag that scoring may raise: ``code`` for storage, ``label`` for people."""

    code: str
    description: str
    sources: tuple[str, ...]
    label: str = ""

    @property
    def shown_label(self) -> str:
        """Return the label, or the code in words ("probable_ptsd" -> "Probable PTSD")."""
        return self.label or words_of_code(self.code)


#: Abbreviations kept in capitals when a code is written in words.
_ABBREVIATIONS = {"ptsd": "PTSD", "phq": "PHQ", "gad": "GAD", "bp": "BP", "nrs": "NRS"}


def words_of_code(code: str) -> str:
    """Return a snake_case code as words people read: "major_depressive_syndrome" ->
    "Major depressive syndrome"."""
    words = [_ABBREVIATIONS.get(word, word) for word in code.split("_") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class CrisisItem:
    """An answer that must bring crisis resources onto the screen at once [63][57].

    The item counts when its value is at least the clinic's value of ``parameter`` (an
    instrument parameter, such as PHQ-9 ``item9_alert_at_least``), or at least ``at_least``
    when ``parameter`` is None (C-SSRS "yes" = 1).
    """

    link_id: str
    parameter: str | None = None
    at_least: int = 1

    def threshold(self, params: Params) -> int:
        """Return the lowest answer that counts, with the clinic's parameters applied."""
        return params[self.parameter] if self.parameter is not None else self.at_least


@dataclass(frozen=True)
class Scored:
    """What a scoring rule computes from a complete, validated answer set."""

    total: int | None
    subscores: Mapping[str, Subscore] = field(default_factory=dict, hash=False)
    flags: tuple[str, ...] = ()


ComputeFn = Callable[[Values, Params], Scored]
SafetyFlagFn = Callable[[Values, Params], tuple[str, ...]]


@dataclass(frozen=True)
class ScoringRule:
    """How an instrument is scored.

    ``compute`` runs only on complete answer sets. ``safety_flags`` runs on every validated answer
    set, partial ones included, so that a risk answer is never hidden by a missing item.
    """

    method: str
    description: str
    compute: ComputeFn
    safety_flags: SafetyFlagFn | None = None


@dataclass(frozen=True)
class Instrument:
    """A questionnaire or rating scale defined as data."""

    code: str
    version: str
    title: str
    items: tuple[Item, ...]
    scoring: ScoringRule
    licence_note: str
    sources: tuple[str, ...]
    administration: str = "self_report"
    languages: tuple[str, ...] = ("en",)
    instructions: Text = field(default_factory=dict, hash=False)
    severity_bands: tuple[SeverityBand, ...] = ()
    #: Score the bands apply to: None for the total, else a subscore key.
    band_on: str | None = None
    flags: tuple[FlagRule, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    answer_groups: tuple[AnswerGroup, ...] = ()
    #: Possible totals as (minimum, maximum); None when the instrument has no total.
    total_range: tuple[int, int] | None = None
    loinc_panel: str | None = None
    loinc_total: str | None = None
    #: Answers that show crisis resources at once and start the safety workflow.
    crisis_items: tuple[CrisisItem, ...] = ()
    #: The title in other languages, as patients see it (``title`` is the English one). A title
    #: names the instrument; it is not licensed wording, so it may be translated.
    titles: Text = field(default_factory=dict, hash=False)
    #: The short name staff read in lists and alerts ("PHQ-9", "QIDS-SR16"); the code when empty.
    short_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "instructions", _frozen(self.instructions))
        object.__setattr__(self, "titles", _frozen(self.titles))
        self._check_items()
        self._check_bands()
        self._check_crisis_items()

    def _check_items(self) -> None:
        seen: set[str] = set()
        for item in self.items:
            if item.link_id in seen:
                raise ValueError(f"{self.code}: duplicate link_id {item.link_id}")
            if item.enable_when is not None and item.enable_when.link_id not in seen:
                raise ValueError(f"{self.code}: {item.link_id} depends on a later or unknown item")
            seen.add(item.link_id)
        for group in self.answer_groups:
            unknown = set(group.link_ids) - seen
            if unknown:
                raise ValueError(f"{self.code}: answer group names unknown items {unknown}")

    def _check_bands(self) -> None:
        previous: SeverityBand | None = None
        for band in self.severity_bands:
            if band.min_score > band.max_score:
                raise ValueError(f"{self.code}: band {band.code} is empty")
            if previous is not None and band.min_score != previous.max_score + 1:
                raise ValueError(f"{self.code}: band {band.code} does not follow {previous.code}")
            previous = band

    def _check_crisis_items(self) -> None:
        names = {parameter.name for parameter in self.parameters}
        for crisis in self.crisis_items:
            self.item(crisis.link_id)
            if crisis.parameter is not None and crisis.parameter not in names:
                raise ValueError(f"{self.code}: crisis item names unknown {crisis.parameter}")

    def crisis_thresholds(self, params: Params) -> dict[str, int]:
        """Return link_id -> lowest answer that shows crisis resources, for resolved params."""
        return {crisis.link_id: crisis.threshold(params) for crisis in self.crisis_items}

    def has_crisis_answer(self, values: Values, params: Params) -> bool:
        """Return whether any crisis item is answered at or above its threshold."""
        return any(
            values.get(link_id) is not None and values[link_id] >= threshold
            for link_id, threshold in self.crisis_thresholds(params).items()
        )

    @property
    def display_name(self) -> str:
        """Return the short name staff see ("PHQ-9"), never the internal code."""
        return self.short_name or self.title

    def patient_languages(self) -> tuple[str, ...]:
        """Return the languages a patient can answer this in: every item fully worded.

        Of the declared ``languages``, those in which every item passes
        ``Item.patient_wording_in``. Empty for an instrument that ships item names only (a
        licence forbids its wording, e.g. QIDS-SR16, MADRS) or that staff administer.
        """
        if self.administration != "self_report":
            return ()
        return tuple(
            lang
            for lang in self.languages
            if all(item.patient_wording_in(lang) for item in self.items)
        )

    def title_in(self, lang: str) -> str:
        """Return the title in ``lang``, or the English title when there is no translation."""
        return self.titles.get(lang) or self.title

    def item(self, link_id: str) -> Item:
        """Return the item with this link_id."""
        for item in self.items:
            if item.link_id == link_id:
                return item
        raise LookupError(f"{self.code} has no item {link_id!r}")

    def item_number(self, link_id: str) -> str:
        """Return the question number staff see beside an item: its own number when its
        link id is numbered ("q6b" -> "6b", "q9" -> "9"), else its position ("difficulty" of
        the PHQ-9 -> "10"). Raises LookupError for an unknown link id."""
        for position, item in enumerate(self.items, start=1):
            if item.link_id == link_id:
                numbered = _NUMBERED_LINK_ID.fullmatch(link_id)
                return numbered.group(1) if numbered else str(position)
        raise LookupError(f"{self.code} has no item {link_id!r}")

    def parameter(self, name: str) -> Parameter:
        """Return the parameter with this name."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise LookupError(f"{self.code} has no parameter {name!r}")

    def band_for(self, score: Subscore) -> SeverityBand | None:
        """Return the severity band containing the score, or None."""
        for band in self.severity_bands:
            if band.contains(score):
                return band
        return None


@dataclass(frozen=True)
class ScoreResult:
    """The outcome of scoring one administration.

    ``total`` and ``severity`` are None when the answers are partial (``complete`` is False) or the
    instrument has no total. ``params`` records the thresholds applied, for the audit trail.
    """

    instrument: str
    version: str
    total: int | None
    severity: SeverityBand | None
    subscores: Mapping[str, Subscore] = field(hash=False)
    flags: tuple[str, ...]
    complete: bool
    params: Mapping[str, int] = field(hash=False)


class InvalidAnswers(ValueError):
    """Raised when answers cannot be scored; ``errors`` maps each bad link_id to a message."""

    def __init__(self, errors: Mapping[str, str], *, instrument: str = "") -> None:
        self.errors: dict[str, str] = dict(errors)
        self.instrument = instrument
        detail = "; ".join(f"{link_id}: {message}" for link_id, message in self.errors.items())
        super().__init__(f"invalid answers for {instrument or 'instrument'}: {detail}")


class InvalidParameters(ValueError):
    """Raised for an unknown or out-of-range parameter; ``errors`` maps name -> message."""

    def __init__(self, errors: Mapping[str, str], *, instrument: str = "") -> None:
        self.errors: dict[str, str] = dict(errors)
        self.instrument = instrument
        detail = "; ".join(f"{name}: {message}" for name, message in self.errors.items())
        super().__init__(f"invalid parameters for {instrument or 'instrument'}: {detail}")


class UnknownInstrument(LookupError):
    """Raised when no instrument has the requested code."""
