"""Small builders shared by the instrument modules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .model import AnswerOption, Item, Values, lang_text

NO_YES_OPTIONS = (
    AnswerOption(0, lang_text(en="No", es="No")),
    AnswerOption(1, lang_text(en="Yes", es="Sí")),
)


def numeric_options(
    lowest: int,
    highest: int,
    anchors_en: Mapping[int, str] | None = None,
    *,
    anchors: Mapping[str, Mapping[int, str]] | None = None,
) -> tuple[AnswerOption, ...]:
    """Return options lowest..highest labelled by number, with optional anchor words.

    ``anchors_en`` gives English anchor words; ``anchors`` gives them by language
    (``{"es": {0: "Sin dolor"}}``). An option without an anchor is labelled by its number in
    every language that has anchors, since a number reads the same in each.
    """
    by_lang: dict[str, Mapping[int, str]] = {"en": anchors_en or {}}
    by_lang.update(anchors or {})
    return tuple(
        AnswerOption(
            value,
            lang_text(
                **{
                    lang: f"{value} – {words[value]}" if value in words else str(value)
                    for lang, words in by_lang.items()
                }
            ),
        )
        for value in range(lowest, highest + 1)
    )


def named_items(
    prefix: str, names: Iterable[str], options: tuple[AnswerOption, ...]
) -> tuple[Item, ...]:
    """Return score-entry items ``{prefix}1..`` carrying names only, never licensed wording."""
    return tuple(
        Item(link_id=f"{prefix}{number}", name=name, text={}, options=options)
        for number, name in enumerate(names, start=1)
    )


def link_ids(prefix: str, first: int, last: int) -> tuple[str, ...]:
    """Return ``prefix`` + first..last inclusive, e.g. ``q1``..``q5``."""
    return tuple(f"{prefix}{number}" for number in range(first, last + 1))


def sum_of(values: Values, ids: Iterable[str]) -> int:
    """Return the sum of the answers to these items."""
    return sum(values[link_id] for link_id in ids)


def max_of(values: Values, ids: Iterable[str]) -> int:
    """Return the highest answer among these items that were answered."""
    return max(values[link_id] for link_id in ids if link_id in values)
