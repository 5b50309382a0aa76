"""Actions that accept only a form post, and what a reloaded or restored tab gets instead.

After a form with errors is shown, the browser's address is the form's action (``…/save/``,
``…/close/``). Reloading or restoring that tab (tablets do) sends a GET there. Django's
``require_POST`` answers with an empty 405 page; :func:`post_only` instead sends the person
(303) to the page that holds the form, with a note that the form was not sent, so nothing
is done twice and nobody is left on a blank page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

#: Marks a view function as an action (POST only); the walk up the path skips such views.
POST_ONLY_ATTRIBUTE = "post_only"


def not_sent_message() -> str:
    """The note shown on the form's page after a reload of its action address."""
    return _(
        "That form was not sent: the page was reloaded or reopened. "
        "Check what is shown here and send the form again if you still need to."
    )


def form_page_for(path: str) -> str | None:
    """Return the nearest page above ``path`` that opens with GET, or None.

    ``path`` is a site path such as ``/measurements/patients/3/enter/phq9/save/``; each
    shorter prefix ending in "/" is tried (``…/enter/phq9/``, ``…/enter/``, …) and the first
    that names a page (a view not marked post-only) is returned. The page checks its own
    access, so a refused or foreign id still gets 403 or 404 there.
    """
    parts = [p for p in path.strip("/").split("/") if p]
    while parts:
        parts.pop()
        candidate = "/" + "/".join(parts) + ("/" if parts else "")
        if candidate == "/":
            return None
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if not getattr(match.func, POST_ONLY_ATTRIBUTE, False):
            return candidate
    return None


def method_not_allowed(request: HttpRequest, *, allowed: list[str]) -> HttpResponse:
    """A branded, translated 405 page that says the form was not sent and links on."""
    response = render(
        request,
        "405.html",
        {"form_page": form_page_for(request.path), "message": not_sent_message()},
        status=405,
    )
    response["Allow"] = ", ".join(allowed)
    return response


def post_only(
    view: Callable[..., HttpResponseBase] | None = None,
    *,
    form_page: Callable[..., str] | None = None,
) -> Any:
    """Decorate an action view: POST runs it; GET or HEAD goes back to the form's page.

    ``form_page(request, **kwargs)`` may name the page holding the form (a path); without it
    the nearest page above the action's path is used (:func:`form_page_for`). GET and HEAD
    answer 303 to that page with a note that the form was not sent; other methods, or a
    path with no page above it, answer the branded 405 page (never an empty body).
    """

    def decorate(func: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                return func(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                target = (
                    form_page(request, *args, **kwargs) if form_page else None
                ) or form_page_for(request.path)
                if target:
                    messages.warning(request, not_sent_message())
                    return HttpResponseRedirect(target, status=303)
            return method_not_allowed(request, allowed=["POST"])

        setattr(wrapper, POST_ONLY_ATTRIBUTE, True)
        return wrapper

    return decorate(view) if view is not None else decorate
