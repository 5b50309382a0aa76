"""The one public page of the clinics app: a clinic's logo, by the digest of its bytes.

Logos are shown on pages without a login (a patient's questionnaire link), so they are public,
like a clinic's sign on its door. The address carries the SHA-256 of the stored bytes: a new
logo gets a new address, so each may be cached for a year (docs/decisions/0011).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from infusionist.clinics.selectors import logo_by_digest

LOGO_CACHE_S = 365 * 24 * 3600


@require_GET
def logo(request: HttpRequest, sha256: str) -> HttpResponse:
    """Return the logo image whose bytes have this SHA-256 digest, or 404."""
    found = logo_by_digest(sha256=sha256)
    if found is None:
        raise Http404("No such logo.")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Cache-Control"] = f"public, max-age={LOGO_CACHE_S}, immutable"
    # Served bytes are re-encoded images; these headers keep a browser from treating them as
    # anything else even if opened directly.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
