"""How long a person must wait after too many tries, said in the refusal.

allauth counts failed sign-ins, wrong second-factor codes and reset requests in the cache
(``ACCOUNT_RATE_LIMITS``: ``"5/5m/key"`` is five tries in five minutes for one address). Its
refusal says only "try again later"; these helpers read the same counters and say when.
"""

from __future__ import annotations

import math
import time

from allauth.core.internal import ratelimit as allauth_ratelimit
from django import forms
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

APP = "allauth.account"


def longest_window_s(action: str) -> int:
    """Return the longest window of ``action``'s limits, in seconds (0 when unlimited)."""
    rates = allauth_ratelimit.get_rates(app=APP, action=action)
    return math.ceil(max((rate.duration for rate in rates), default=0))


def wait_s(request: HttpRequest, *, action: str, key: str | None = None) -> int:
    """Return the seconds until ``action`` (for ``key``) is allowed again; 0 when it is now.

    Each limit keeps the times of recent tries, newest first; a limit of N tries per window
    frees a try when the N-th newest leaves the window.
    """
    now = time.time()
    wait = 0.0
    for rate in allauth_ratelimit.get_rates(app=APP, action=action):
        if rate.per == "key" and key is None:
            continue
        if rate.per == "user" and not getattr(request.user, "is_authenticated", False):
            continue
        cache_key = allauth_ratelimit.get_cache_key(
            request, app=APP, action=action, rate=rate, key=key
        )
        recent = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
        if len(recent) >= rate.amount:
            wait = max(wait, recent[rate.amount - 1] + rate.duration - now)
    return math.ceil(wait)


def minutes_text(seconds: int) -> str:
    """Return "1 minute" or "N minutes", rounded up (at least one minute)."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def wait_or_window_s(request: HttpRequest, *, action: str, key: str | None = None) -> int:
    """Return the wait from the counters, else the longest window (the counters may be gone)."""
    return wait_s(request, action=action, key=key) or longest_window_s(action)


def sign_in_paused(request: HttpRequest, *, key: str) -> forms.ValidationError:
    """The refusal after too many wrong passwords for one address, with the wait."""
    wait = minutes_text(wait_or_window_s(request, action="login_failed", key=key))
    return forms.ValidationError(
        gettext(
            "Too many failed sign-in attempts, so signing in with this email address is paused "
            "for %(wait)s. Try again then, or reset your password now: that lifts the pause."
        )
        % {"wait": wait},
        code="too_many_login_attempts",
    )


def codes_paused(request: HttpRequest, *, user_id: object) -> forms.ValidationError:
    """The refusal after too many wrong authenticator codes, with the wait."""
    key = f"mfa-auth-user-{user_id}"  # allauth.mfa.base.internal.flows.check_rate_limit
    wait = minutes_text(wait_or_window_s(request, action="login_failed", key=key))
    return forms.ValidationError(
        gettext("Too many wrong codes. Wait %(wait)s, then enter the code your app shows.")
        % {"wait": wait},
        code="too_many_login_attempts",
    )


def requests_paused(request: HttpRequest, *, action: str, key: str | None = None) -> str:
    """The message for too many requests of one kind (reset links, e-mails), with the wait."""
    wait = minutes_text(wait_or_window_s(request, action=action, key=key))
    return gettext("Too many requests in a short time. Wait %(wait)s and try again.") % {
        "wait": wait
    }
