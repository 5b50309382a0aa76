"""The JSON API under /api/v1/ (django-ninja); each domain adds its router here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from infusionist.accounts.api_auth import BearerToken
from infusionist.accounts.models import User
from infusionist.api.routers import accounts as accounts_router
from infusionist.api.routers import eligibility as eligibility_router
from infusionist.api.routers import instruments as instruments_router
from infusionist.api.routers import patients as patients_router
from infusionist.api.routers import scheduling as scheduling_router
from infusionist.api.routers import treatment as treatment_router
from infusionist.api.routers import visits as visits_router
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record

api = NinjaAPI(
    title="Infusionist API",
    version="1",
    description=(
        "JSON API of Infusionist. Authenticate with `Authorization: Bearer <token>`. "
        "Create a token on the API tokens page (the “API tokens” link in the menu, "
        "/clinic/tokens/): the token acts as you, with your role, until you revoke it. "
        "Errors are JSON objects with a `detail` field; validation errors list each bad field."
    ),
    auth=BearerToken(),
    urls_namespace="api",
)


def _field_name(loc: tuple[object, ...] | list[object]) -> str:
    """Return the client's name for an error location.

    ("body", "payload", "weight_kg") -> "weight_kg"; ("query", "limit") -> "limit".
    """
    parts = list(loc)
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts[:1] in (["query"], ["path"]):
        parts = parts[1:]
    return ".".join(str(p) for p in parts)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "Invalid value.")}
        for e in exc.errors
    ]
    body: dict[str, object] = {"detail": "The request has invalid fields.", "errors": errors}
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == instruments_router.SCORE_URL_NAME:
        # Every scoring answer carries its safety flags; a body without readable answers has none.
        body["flags"] = []
    return api.create_response(request, body, status=422)


def _audit_refusal(request: HttpRequest, *, status: int, reason: str, **detail: object) -> None:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=user if isinstance(user, User) else None,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.API,
        object_id=request.path[:64],
        outcome=AuditEvent.Outcome.DENIED,
        detail={"status": status, "reason": reason, **detail},
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    _audit_refusal(request, status=401, reason="missing, unknown or revoked bearer token")
    return api.create_response(request, {"detail": "A valid bearer token is required."}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # 403s are audited where they are raised (require_api_capability); a 404 for an address
    # that names a record by id (another clinic's patient, say) is audited here.
    if exc.status_code == 404:
        match = getattr(request, "resolver_match", None)
        ids = {
            k: str(v)[:20]
            for k, v in (getattr(match, "kwargs", None) or {}).items()
            if k.endswith("_id")
        }
        if ids:
            _audit_refusal(request, status=404, reason="no such record for this user", ids=ids)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/", accounts_router.router)
api.add_router("/patients", patients_router.router)
api.add_router("/", treatment_router.router)
api.add_router("/instruments", instruments_router.router)
api.add_router("/", eligibility_router.router)
api.add_router("/", scheduling_router.router)
api.add_router("/", visits_router.router)
