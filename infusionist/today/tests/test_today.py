from __future__ import annotations

from django.urls import reverse


def test_today_lists_recently_opened_patients(client, cast, django_assert_max_num_queries) -> None:
    client.force_login(cast.nurse)
    client.get(reverse("patients:detail", args=[cast.patient.pk]))
    client.get(reverse("patients:detail", args=[cast.other_patient.pk]))
    client.get(reverse("patients:detail", args=[cast.patient.pk]))
    # session, user, TOTP check, locations, hours, recent audit events, session save,
    # open safety alerts, overdue questionnaires (measurements section)
    with django_assert_max_num_queries(11):
        html = client.get(reverse("today:index")).content.decode()
    assert html.index("Alice Testpatient") < html.index("Bruno Otherpatient")
    assert "Main" in html


def test_crisis_resources_are_in_the_page_footer(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert "988" in html and "741741" in html and "911" in html
