from __future__ import annotations

from typing import Any

import pytest

from infusionist.consultations.tests.factories import fake_evaluate


@pytest.fixture(autouse=True)
def kernel(monkeypatch: Any) -> None:
    """Evaluate with the stand-in kernel of ``factories`` (known rules, known codes)."""
    monkeypatch.setattr("infusionist.lib.eligibility.evaluate", fake_evaluate)
