"""Form fields shared by every app: page numbers that never fail a list.

A list's ``?page=`` comes from links people edit, shorten or paste: ``abc``, ``0``, ``-3`` or a
number past the end must show page 1 (or the last page), never "no results" or an error.
"""

from __future__ import annotations

from typing import Any

from django import forms


class PageNumberField(forms.IntegerField):
    """A page number (1, 2, …): anything unreadable cleans to None (the list shows page 1).

    Values below 1 clean to None, values above ``max_value`` to ``max_value``; the paginator
    then shows the nearest real page (``Paginator.get_page``). Never raises ValidationError.
    """

    def __init__(self, *, max_value: int = 1_000_000, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.page_limit = max_value

    def to_python(self, value: Any) -> int | None:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            return None
        if number < 1:
            return None
        return min(number, self.page_limit)

    def validate(self, value: Any) -> None:
        return None

    def run_validators(self, value: Any) -> None:
        return None
