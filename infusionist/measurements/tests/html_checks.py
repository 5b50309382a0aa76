"""HTML checks for staff pages: every element id unique, every id reference resolvable."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

#: Attributes that name other elements by id (space-separated lists for the aria ones).
REFERENCE_ATTRIBUTES = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "form")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.references: list[tuple[str, str, str]] = []
        self.radio_names: dict[str, set[str]] = {}
        self._forms: list[str] = []
        self._form_count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form_count += 1
            self._forms.append(f"form-{self._form_count}")
        if "id" in values:
            self.ids.append(values["id"])
        for name in REFERENCE_ATTRIBUTES:
            for target in values.get(name, "").split():
                self.references.append((tag, name, target))
        if tag == "input" and values.get("type") == "radio" and self._forms:
            self.radio_names.setdefault(values.get("name", ""), set()).add(self._forms[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._forms:
            self._forms.pop()


def id_problems(page: str) -> list[str]:
    """Return what is wrong with the page's ids: duplicates, dangling references, shared radios.

    A radio group whose name appears in two forms is reported too: it is how a click in one
    form's question could look like an answer in another's.
    """
    parser = _Ids()
    parser.feed(page)
    problems = [f"duplicate id {i!r} ({n}×)" for i, n in Counter(parser.ids).items() if n > 1]
    known = set(parser.ids)
    problems += [
        f"<{tag} {attr}={target!r}> names no element"
        for tag, attr, target in parser.references
        if target not in known
    ]
    problems += [
        f"radio group {name!r} is in {len(forms)} forms"
        for name, forms in parser.radio_names.items()
        if len(forms) > 1
    ]
    return problems


def is_checked(page: str, element_id: str) -> bool:
    """Return whether the input with this id is rendered checked (its tag must be present)."""
    match = re.search(r'<input[^>]*\bid="' + re.escape(element_id) + r'"[^>]*>', page)
    assert match is not None, f"no input with id {element_id!r}"
    return re.search(r"\schecked(\s|>|=)", match.group(0)) is not None
