"""The staff calendar feed: ``/schedule/feed/`` makes, replaces or turns off the address of
one's own feed; ``/calendar/<token>.ics`` serves it to a calendar app (no login: the secret in
the address is the key; each fetch is audited as its owner's)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from infusionist.accounts.access import context_of, require_capability, user_of
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.postonly import post_only
from infusionist.scheduling import feeds
from infusionist.scheduling.views_reminders import link_context


@never_cache
@require_http_methods(["GET"])
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    feed = feeds.calendar_feed_for_token(token=token)
    if feed is None:
        raise Http404("No such calendar feed.")
    body, shown = feeds.staff_feed_ics(feed=feed)
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=feed.staff,
        context=link_context(request),
        object_type=AuditEvent.ObjectType.CALENDAR_FEED,
        object_id=feed.pk,
        detail={"appointments": shown},
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return _no_store(response)


def _feed_page(request: HttpRequest, *, new_token: str = "") -> HttpResponse:
    feed = feeds.calendar_feed_of(user=user_of(request))
    response = render(
        request,
        "scheduling/feed.html",
        {
            "feed": feed,
            "new_url": feeds.feed_url(new_token) if new_token else "",
            "days_back": feeds.FEED_DAYS_BACK,
            "days_ahead": feeds.FEED_DAYS_AHEAD,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_capability(feeds.FEED_CAPABILITY)
def calendar_feed(request: HttpRequest) -> HttpResponse:
    return _feed_page(request)


@post_only
@never_cache
@require_capability(feeds.FEED_CAPABILITY)
def calendar_feed_rotate(request: HttpRequest) -> HttpResponse:
    token = feeds.calendar_feed_rotate(actor=user_of(request), context=context_of(request))
    return _feed_page(request, new_token=token)


@post_only
@require_capability(feeds.FEED_CAPABILITY)
def calendar_feed_remove(request: HttpRequest) -> HttpResponse:
    done = feeds.calendar_feed_remove(actor=user_of(request), context=context_of(request))
    messages.success(
        request,
        _("Your calendar feed is off: its address no longer works.")
        if done
        else _("You had no calendar feed."),
    )
    return redirect("scheduling:feed")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
