from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from infusionist.postonly import method_not_allowed


class RejectBadInputMiddleware:
    """Answer a query string with NUL bytes with a plain 400 page instead of failing later.

    Form posts are checked field by field by Django's forms (so nothing typed is lost);
    this catches links and search boxes that never reach a form.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return render(
                request,
                "400.html",
                {"reason": _("The address contains a null character, which is never valid.")},
                status=400,
            )
        return self.get_response(request)


class BrandedMethodNotAllowedMiddleware:
    """Give every empty 405 answer the branded page that says the form was not sent.

    Our own actions use :func:`infusionist.postonly.post_only` (a GET goes back to the form);
    this catches the rest (allauth's views, ``require_http_methods``), so no address ever
    answers with a blank page. The ``Allow`` header is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False):
            return response
        if response.content.strip():
            return response
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        return method_not_allowed(request, allowed=allowed)
