"""Error pages that say what happened in plain words and never show patient data.

They speak the page's language (a Spanish-preferring patient or a Spanish browser reads them in
Spanish) and link to the person's own home page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its security token: usually a page left open too long."""
    message = _(
        "The page was open for a long time, or the browser did not send a cookie it needs. "
        "Go back, reload the page and try again."
    )
    return render(request, "403.html", {"reason": message}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the failure may have come from one of them.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
