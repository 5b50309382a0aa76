"""Instrument definitions and exact scoring over the JSON API.

Scoring stores nothing: it is the instrument library behind a typed, bounded interface, with the
caller's clinic thresholds applied (for example the PHQ-9 item 9 alert level).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import Field

from infusionist.accounts.api_auth import BearerToken, api_user
from infusionist.lib import instruments
from infusionist.measurements import selectors

router = Router(tags=["instruments"])

MAX_LINK_ID_CHARS = 40


class OptionOut(Schema):
    value: int
    label: str
    loinc_answer_code: str | None


class EnableWhenOut(Schema):
    link_id: str
    value: int


class ItemOut(Schema):
    link_id: str
    name: str = Field(description="Neutral item name; always present")
    text: str = Field(description="Item wording in the requested language; empty when licensed")
    loinc: str | None
    required: bool
    scored: bool
    enable_when: EnableWhenOut | None
    options: list[OptionOut] = Field(description="Allowed answers, in display order")


class BandOut(Schema):
    min_score: int
    max_score: int
    code: str
    label: str


class FlagOut(Schema):
    code: str
    description: str
    sources: list[str]


class ParameterOut(Schema):
    name: str
    default: int
    minimum: int
    maximum: int
    description: str
    sources: list[str]


class ScoringOut(Schema):
    method: str
    description: str


class AnswerGroupOut(Schema):
    link_ids: list[str]
    min_answered: int
    max_answered: int
    instruction: str


class InstrumentSummary(Schema):
    code: str
    version: str
    title: str
    languages: list[str]
    administration: str
    total_range: list[int] | None


class InstrumentOut(InstrumentSummary):
    lang: str
    instructions: str
    licence_note: str
    sources: list[str]
    loinc_panel: str | None
    loinc_total: str | None
    scoring: ScoringOut
    band_on: str
    severity_bands: list[BandOut]
    flags: list[FlagOut]
    parameters: list[ParameterOut]
    answer_groups: list[AnswerGroupOut]
    items: list[ItemOut]


class LangParams(Schema):
    lang: str = Field(
        "en", max_length=8, description="Language code; `es` for Spanish where available"
    )


#: The score operation's URL name; the API's validation-error handler adds ``flags`` for it.
SCORE_URL_NAME = "instrument_score"

FLAGS_DESCRIPTION = (
    "Safety flags. `suicidality` means start the crisis workflow now: show crisis resources "
    "(988, text HOME to 741741, 911), alert the responsible clinician and document a risk "
    "assessment. C-SSRS also gives `positive` or `imminent`."
)


class ScoreIn(Schema):
    answers: dict[str, Any] = Field(
        description=(
            "Link id -> chosen option value (a whole number); null or absent = unanswered. At "
            "most MEASUREMENT_API_MAX_ANSWERS entries (default 100); more are refused with 422, "
            "still with the safety flags of the valid answers."
        ),
    )


class ScoreOut(Schema):
    instrument: str
    version: str
    total: int | None = Field(description="None for instruments without a total (C-SSRS)")
    severity: BandOut | None
    subscores: dict[str, float]
    flags: list[str] = Field(description=FLAGS_DESCRIPTION)


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class ScoreErrorOut(ErrorOut):
    flags: list[str] = Field(
        description=(
            "Safety flags computed from the answers that are valid for their item, although the "
            "set cannot be scored: a refusal never hides a risk answer. Unknown items, values "
            "that are not whole numbers and values outside the item's options are ignored; an "
            "answer to an item the flow skips still counts. Empty when no answers could be "
            "read. " + FLAGS_DESCRIPTION
        )
    )


def _instrument(code: str) -> instruments.Instrument:
    if len(code) > 40 or "\x00" in code:
        raise HttpError(404, "No such instrument.")
    try:
        return instruments.get(code)
    except instruments.UnknownInstrument:
        raise HttpError(404, f"No instrument {code!r}. List them at /api/v1/instruments.") from None


@router.get(
    "",
    response=list[InstrumentSummary],
    summary="List instrument definitions",
    auth=BearerToken("api.use"),
)
def instrument_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": i.code,
            "version": i.version,
            "title": i.title,
            "languages": list(i.languages),
            "administration": i.administration,
            "total_range": list(i.total_range) if i.total_range else None,
        }
        for i in instruments.all_instruments()
    ]


@router.get(
    "/{code}",
    response={200: InstrumentOut, 404: ErrorOut},
    summary="One instrument definition: items in order with their allowed values",
    auth=BearerToken("api.use"),
)
def instrument_detail(request: HttpRequest, code: str, params: Query[LangParams]) -> Any:
    lang = params.lang if "\x00" not in params.lang else "en"
    return instruments.definition_as_dict(_instrument(code), lang)


@router.post(
    "/{code}/score",
    response={200: ScoreOut, 404: ErrorOut, 422: ScoreErrorOut},
    summary="Score answers exactly",
    url_name=SCORE_URL_NAME,
    description=(
        "Returns total, severity band, subscores and flags. Every bad item gets its own message "
        "in `errors` (422): unknown link ids, values that are not whole numbers, values outside "
        "the item's options, missing required answers and answers to skipped items. The "
        "caller's clinic thresholds apply (e.g. PHQ-9 item 9 alert level).\n\n"
        "**Safety flags on every answer.** A 422 refusal carries `flags` too, computed from the "
        'answers that are valid for their item: `{"q1": 3, "q2": 3, "q9": 2}` for the '
        'PHQ-9 is refused as incomplete and still returns `"flags": ["suicidality"]`. Act on '
        "`suicidality` whatever the status code."
    ),
    auth=BearerToken("api.use"),
)
def instrument_score(request: HttpRequest, code: str, payload: ScoreIn) -> Any:
    user = api_user(request)
    instrument = _instrument(code)
    measurement_settings = selectors.measurement_settings_for(organization=user.organization)
    params = measurement_settings.instrument_params(instrument.code)
    # Only the instrument's own items are read, so this is bounded however many answers came.
    flags = list(instruments.safety_flags(instrument, payload.answers, params=params))
    if len(payload.answers) > settings.MEASUREMENT_API_MAX_ANSWERS:
        return Status(422, {"detail": "Too many answers.", "errors": [], "flags": flags})
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    for key, value in payload.answers.items():
        if len(key) > MAX_LINK_ID_CHARS or "\x00" in key:
            errors[key[:MAX_LINK_ID_CHARS].replace("\x00", "")] = (
                "not an item of this instrument (bad characters or too long)"
            )
            continue
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            # Do not echo arbitrary client values (they may be huge) into the message.
            try:
                item = instrument.item(key)
            except LookupError:
                clean[key] = value  # the library reports the unknown item
                continue
            allowed = ", ".join(str(v) for v in item.allowed_values)
            errors[key] = f"expected a whole number; choose one of {allowed}"
            continue
        clean[key] = value
    try:
        result = instruments.score(instrument, clean, params=params)
    except instruments.InvalidAnswers as exc:
        errors = {**exc.errors, **errors}
    if errors:
        return Status(
            422,
            {
                "detail": f"The answers cannot be scored as a complete {instrument.title}.",
                "errors": [
                    {"field": f"answers.{link_id}", "message": message}
                    for link_id, message in errors.items()
                ],
                "flags": flags,
            },
        )
    body = instruments.result_as_dict(result)
    return Status(200, {key: body[key] for key in ScoreOut.model_fields})
