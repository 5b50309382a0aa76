"""The demo outbox page: the messages the demo wrote instead of sending, newest first."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from infusionist.accounts.access import require_capability
from infusionist.demo import outbox as demo_outbox


@require_capability("demo.outbox")
def outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404("The outbox exists only in the demo.")
    return render(
        request,
        "demo/outbox.html",
        {
            "outbox_messages": demo_outbox.messages(),
            "shown_at_most": demo_outbox.SHOWN_AT_MOST,
        },
    )
