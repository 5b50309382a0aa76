"""Generated requests against the OpenAPI document never produce a server error.

Schemathesis reads `/api/v1/openapi.json` and sends valid and invalid bodies, query strings
and path values to every operation, as a signed-in physician (who may use every endpoint).
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from infusionist.accounts.services import api_token_create  # noqa: E402
from infusionist.test import build_cast  # noqa: E402
from infusionist.wsgi import application  # noqa: E402

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Keep the test's database connection open across calls, as Django's test client does.

    Schemathesis calls the WSGI application directly, whose request signals would otherwise
    close the connection that holds the test transaction (visible on PostgreSQL).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
