"""Generated requests against the OpenAPI document never produce a server error.

Schemathesis reads `/api/v1/openapi.json` and sends valid and invalid bodies, query strings
and path values to every operation, as a signed-in physician (who may use every endpoint).
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from infusionist.accounts.services import api_token_create  # noqa: E402
from infusionist.test import build_cast  # noqa: E402
from infusionist.wsgi import application  # noqa: E402

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def physician_token(db) -> str:
    cast = build_cast()
    return api_token_create(user=cast.physician)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case, physician_token) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {physician_token}"}, checks=[not_a_server_error]
    )
