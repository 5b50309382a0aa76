"""Record integrity shared by every app: append-only rows and canonical content hashes.

45 CFR 164.312(c)(1) asks that records be protected from improper change. Two mechanisms
serve it and live only here:

- :class:`AppendOnlyModel` (with :class:`AppendOnlyQuerySet`) refuses UPDATE and DELETE
  through the ORM on every database; on PostgreSQL the migration operation
  ``infusionist.postgres.append_only_trigger_sql`` makes the database itself refuse them.
  The audit trail uses it.
- :func:`canonical_sha256` hashes JSON-ready content in one canonical form (sorted keys,
  no whitespace, UTF-8), so a stored digest can be recomputed and compared later (signed
  treatment plan versions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or remove a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk UPDATE and DELETE."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only.")


class AppendOnlyModel(models.Model):
    """A model whose rows are written once and never changed or deleted."""

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"A {self._meta.verbose_name} is append-only; it cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"A {self._meta.verbose_name} is append-only; it cannot be deleted.")


def jsonable(value: Any) -> Any:
    """Return ``value`` as a JSON-ready value: Decimals as strings, dates in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def canonical_json(content: Mapping[str, Any]) -> str:
    """Return ``content`` as canonical JSON: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(jsonable(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_sha256(content: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest (64 characters) of ``canonical_json(content)``."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
