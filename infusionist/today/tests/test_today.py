from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("opened", [1, 12])
def test_today_lists_recently_opened_patients(
    client, cast, opened, django_assert_num_queries
) -> None:
    client.force_login(cast.nurse)
    for _ in range(opened):
        client.get(reverse("record:patient", args=[cast.other_patient.pk]))
    client.get(reverse("record:patient", args=[cast.patient.pk]))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 locations, 5 their hours,
    # 6 their closures, 7 open safety alerts, 8 overdue questionnaires, 9 recently opened
    # patients, 10 view events naming the patients shown, 11 savepoint, 12 session save,
    # 13 release savepoint
    with django_assert_num_queries(13):
        html = client.get(reverse("today:index")).content.decode()
    assert html.index("Alice Testpatient") < html.index("Bruno Otherpatient")
    assert "Main" in html


def test_crisis_resources_are_in_the_page_footer(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert "988" in html and "741741" in html and "911" in html


def test_today_says_why_a_location_is_closed(client, cast) -> None:
    from django.utils import timezone

    from infusionist.clinics.models import Closure

    today = timezone.localtime(timezone=cast.location.tzinfo).date()
    Closure.objects.create(
        location=cast.location, starts_on=today, ends_on=today, reason="Staff training"
    )
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert "Closed today: Staff training" in html
