"""Bad paging parameters show page 1; an over-long search is refused on the normal page;
every 400 answer is the branded error page with a way back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.formfields import PageNumberField

BAD_PAGES = ["abc", "0", "-3", "1.5", "", "99999999999999999999", "%00", "1e3", " 2 "]


@pytest.mark.parametrize("value", BAD_PAGES)
def test_the_audit_report_shows_a_page_for_any_page_parameter(client, cast, value) -> None:
    AuditEvent.objects.all()  # the cast's sign-up already wrote events
    client.force_login(cast.admin)
    response = client.get(reverse("administration:audit_report"), {"page": value})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert b"No events match" not in response.content


@pytest.mark.parametrize("value", BAD_PAGES)
def test_the_patient_list_shows_a_page_for_any_page_parameter(client, cast, value) -> None:
    client.force_login(cast.frontdesk)
    response = client.get(reverse("patients:list"), {"page": value})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert cast.patient.legal_last_name.encode() in response.content


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [("abc", None), ("0", None), ("-1", None), ("3", 3), (" 4 ", 4), ("10**9", None)],
)
def test_a_page_number_never_fails(value, cleaned) -> None:
    assert PageNumberField(max_value=50).clean(value) == cleaned
    assert PageNumberField(max_value=50).clean("51") == 50


@pytest.mark.parametrize("length", [101, 5000, 20000])
def test_an_overlong_patient_search_is_refused_beside_the_box(client, cast, length) -> None:
    client.force_login(cast.frontdesk)
    response = client.post(reverse("patients:list"), {"q": "a" * length})
    assert response.status_code in (200, 422)
    assert b"Bad Request" not in response.content
    assert b"100 characters" in response.content
    assert ("a" * 100).encode() in response.content  # what was typed is kept (trimmed)


@pytest.mark.parametrize("length", [5000, 20000])
def test_an_overlong_search_in_the_address_is_branded(client, cast, length) -> None:
    client.force_login(cast.frontdesk)
    response = client.get(reverse("patients:list"), {"s": "a" * length})
    assert response.status_code in (200, 400)
    assert b"Bad Request" not in response.content
    assert b"<h1>" in response.content


@pytest.mark.django_db
def test_every_400_is_the_branded_page(client) -> None:
    from django.test import RequestFactory

    from infusionist.errors import bad_request

    request = RequestFactory().get("/patients/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = bad_request(request)
    assert response.status_code == 400
    assert b"We could not read that request" in response.content
    assert b"href=" in response.content
