"""Turn source keys in shown text into links to the clinical reference.

``{{ text|cite }}`` (a built-in filter, registered in settings ``TEMPLATES``) and
:func:`cite_html` link every ``[22]`` to its entry on the reference page
(``/reference/#source-22``, the title in a tooltip), show ``[?]`` in plain words ("no
published source", linked to what that means), link "§4" and the words
"clinical-reference.md" to the page, and follow older keys such as "market-reference.md
[S4]" to their entry. Text that is not marked safe is escaped first; linking twice changes
nothing. The keys themselves live in :mod:`infusionist.lib.sources`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

from infusionist.lib import sources
from infusionist.lib.clinical_reference import SECTIONS

register = template.Library()

_SECTION_NUMBERS = {section.number for section in SECTIONS}
_CITATION = re.compile(
    # "clinical-reference.md §4", "docs/clinical-reference.md", "clinical reference §4"
    r"(?P<name>(?:docs/)?clinical[- ]reference(?:\.md)?)(?:,? §(?P<name_section>\d{1,2})(?!\.?\d))?"
    # "§4" alone (not "§164.312")
    r"|§(?P<section>\d{1,2})(?!\.?\d)"
    # "[22]", "[?]", "[S4]" (an older market-survey key), "market-reference.md [S4]"
    r"|(?:market-reference\.md,? )?\[(?P<key>\d{1,3}|\?|S\d{1,3})\]"
)
# Links already in the text are left as they are, so linking twice changes nothing.
_EXISTING_LINK = re.compile(r"(<a\b[^>]*>.*?</a>)", re.DOTALL)


def reference_url(anchor: str = "") -> str:
    """Return the reference page's address, with ``#anchor`` when given."""
    try:
        base = reverse("reference:index")
    except NoReverseMatch:  # a deployment without the reference app: keep the text plain
        return ""
    return f"{base}#{anchor}" if anchor else base


def _link(url: str, text: str, *, title: str = "", css: str = "cite") -> str:
    if not url:
        return text
    tooltip = f' title="{escape(title)}"' if title else ""
    return f'<a class="{css}" href="{escape(url)}"{tooltip}>{text}</a>'


def _name(match: re.Match[str]) -> str:
    number = match.group("name_section")
    if number and number in _SECTION_NUMBERS:
        return _link(reference_url(f"section-{number}"), f"clinical reference §{number}")
    suffix = f" §{number}" if number else ""
    return _link(reference_url(), "clinical reference") + suffix


def _section(match: re.Match[str]) -> str:
    number = match.group("section")
    if number not in _SECTION_NUMBERS:
        return match.group(0)
    return _link(reference_url(f"section-{number}"), f"§{number}")


def _key(match: re.Match[str]) -> str:
    key = match.group("key")
    if key == sources.UNSOURCED:
        return _link(
            reference_url("unsourced"),
            f"[{sources.UNSOURCED_LABEL}]",
            title=sources.UNSOURCED_MEANING,
            css="cite cite-unsourced",
        )
    try:
        source = sources.get(key)
    except KeyError:
        return match.group(0)
    return _link(reference_url(f"source-{source.key}"), f"[{source.key}]", title=source.citation)


def _replace(match: re.Match[str]) -> str:
    if match.group("name") is not None:
        return _name(match)
    if match.group("section") is not None:
        return _section(match)
    return _key(match)


def cite_html(text: object, *, autoescape: bool = True) -> SafeString:
    """Return ``text`` as HTML with every source key and reference name linked."""
    html = str(text)
    if autoescape and not isinstance(text, SafeData):
        html = str(conditional_escape(html))
    parts = _EXISTING_LINK.split(html)
    # split() with a group puts the existing links at the odd positions.
    linked = [part if i % 2 else _CITATION.sub(_replace, part) for i, part in enumerate(parts)]
    return mark_safe("".join(linked))  # noqa: S308 - escaped above; only our own links are added


@register.filter(needs_autoescape=True)
def cite(value: object, autoescape: bool = True) -> SafeString:
    """Link the source keys in ``value``: ``{{ protocol.source_keys|cite }}``."""
    if value is None or value == "":
        return mark_safe("")  # noqa: S308 - empty
    return cite_html(value, autoescape=autoescape)


@register.filter
def cite_keys(keys: Iterable[str] | None) -> SafeString:
    """Link a sequence of keys such as an instrument's ``("51", "63")``: "[51] [63]"."""
    if not keys:
        return mark_safe("")  # noqa: S308 - empty
    return cite_html(" ".join(f"[{key}]" for key in keys))
