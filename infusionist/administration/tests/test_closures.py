"""Review round 2, finding 11: closures that close nothing, overlap, vanish or go in a click.

The kinds: a closure over before today (2020-01-01..01-02) accepted and then never listed;
an overlapping or duplicate closure accepted; a saved closure invisible on the page; a
closure removed by one click without confirmation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.administration import services
from infusionist.clinics.models import Closure


def _today(cast) -> dt.date:
    return timezone.now().astimezone(cast.location.tzinfo).date()


def _add(cast, starts: dt.date, ends: dt.date, reason: str = "Staff training") -> Closure:
    return services.closure_add(
        location=cast.location, actor=cast.admin, starts_on=starts, ends_on=ends, reason=reason
    )


def _post(client, cast, starts: dt.date, ends: dt.date, reason: str = "Kept reason"):
    return client.post(
        reverse("administration:closure_add", args=[cast.location.pk]),
        {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "reason": reason},
    )


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (dt.date(2020, 1, 1), dt.date(2020, 1, 2)),
        (dt.date(2020, 1, 1), dt.date(2020, 1, 1)),
        ("yesterday", "yesterday"),
        ("a week ago", "yesterday"),
    ],
)
def test_a_closure_over_before_today_is_refused(client, cast, starts, ends) -> None:
    today = _today(cast)
    named = {"yesterday": today - dt.timedelta(days=1), "a week ago": today - dt.timedelta(7)}
    starts, ends = named.get(starts, starts), named.get(ends, ends)
    with pytest.raises(ValidationError) as refused:
        _add(cast, starts, ends)
    assert "over before today" in refused.value.message_dict["ends_on"][0]
    client.force_login(cast.admin)
    response = _post(client, cast, starts, ends)
    page = response.content.decode()
    assert response.status_code == 422 and "over before today" in page
    assert "Kept reason" in page and not Closure.objects.exists()


def test_a_closure_from_the_past_into_today_or_later_is_accepted(cast) -> None:
    today = _today(cast)
    _add(cast, today - dt.timedelta(days=2), today)
    _add(cast, today + dt.timedelta(days=10), today + dt.timedelta(days=10))
    assert Closure.objects.count() == 2


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(10, 10), (9, 11), (11, 12), (8, 10), (10, 14), (12, 12), (5, 20)],
)
def test_overlapping_and_duplicate_closures_are_refused_naming_the_saved_one(
    client, cast, starts, ends
) -> None:
    today = _today(cast)
    day = lambda n: today + dt.timedelta(days=n)  # noqa: E731
    _add(cast, day(10), day(12), reason="Thanksgiving")
    with pytest.raises(ValidationError) as refused:
        _add(cast, day(starts), day(ends))
    assert "Thanksgiving" in refused.value.message_dict["starts_on"][0]
    client.force_login(cast.admin)
    response = _post(client, cast, day(starts), day(ends))
    assert response.status_code == 422
    assert "overlap a closure already saved" in response.content.decode()
    assert Closure.objects.count() == 1


def test_adjacent_closures_and_other_locations_do_not_overlap(cast) -> None:
    today = _today(cast)
    _add(cast, today + dt.timedelta(days=10), today + dt.timedelta(days=12))
    _add(cast, today + dt.timedelta(days=13), today + dt.timedelta(days=13))
    _add(cast, today + dt.timedelta(days=9), today + dt.timedelta(days=9))
    assert Closure.objects.count() == 3


def test_every_saved_closure_is_listed_past_and_far_ahead(client, cast) -> None:
    today = _today(cast)
    Closure.objects.create(
        location=cast.location,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2020, 1, 2),
        reason="Old closure saved before the rule",
    )
    Closure.objects.create(
        location=cast.location,
        starts_on=today + dt.timedelta(days=500),
        ends_on=today + dt.timedelta(days=500),
        reason="Far-ahead renovation",
    )
    client.force_login(cast.admin)
    page = client.get(reverse("administration:location_detail", args=[cast.location.pk]))
    html = page.content.decode()
    assert "Old closure saved before the rule" in html and "Past closure" in html
    assert "Far-ahead renovation" in html


def test_removing_a_closure_asks_for_confirmation(client, cast) -> None:
    today = _today(cast)
    closure = _add(cast, today + dt.timedelta(days=3), today + dt.timedelta(days=3))
    client.force_login(cast.admin)
    url = reverse("administration:closure_remove", args=[closure.pk])
    page = client.get(reverse("administration:location_detail", args=[cast.location.pk]))
    assert 'name="confirm"' in page.content.decode()
    response = client.post(url)
    assert response.status_code == 422
    assert "Tick the box to confirm" in response.content.decode()
    assert Closure.objects.filter(pk=closure.pk).exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302 and not Closure.objects.exists()
