"""Account e-mails name the clinic and speak their reader's language (review 1, finding 14).

The reset e-mail's subject was "[127.0.0.1:8101] Password Reset Email", and a reset asked for an
unknown address invited the reader to /accounts/signup/, a closed door. Every e-mail allauth can
send is rendered here through the adapter, for staff and for patients in both languages.
"""

from __future__ import annotations

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from infusionist.test import PASSWORD

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-US,es;q=0.9"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
CLINIC = "Willowbrook Test Clinic"

#: Every e-mail allauth (account and MFA) can send, with the context its flow gives it.
TEMPLATES = {
    "account/email/password_reset_key": {"password_reset_url": "https://x.example/r/1/"},
    "account/email/email_confirmation": {"activate_url": "https://x.example/c/1/"},
    "account/email/email_confirmation_signup": {"activate_url": "https://x.example/c/1/"},
    "account/email/email_confirm": {"code": "ABC123"},
    "account/email/unknown_account": {"signup_url": "https://x.example/accounts/signup/"},
    "account/email/account_already_exists": {"password_reset_url": "https://x.example/r/"},
    "account/email/password_changed": {},
    "account/email/password_set": {},
    "account/email/email_changed": {"from_email": "a@x.example", "to_email": "b@x.example"},
    "account/email/email_deleted": {"deleted_email": "a@x.example"},
    "account/email/login_code": {"code": "123456"},
    "account/email/password_reset_code": {"code": "123456"},
    "mfa/email/totp_activated": {},
    "mfa/email/totp_deactivated": {},
    "mfa/email/recovery_codes_generated": {},
}
NOTIFICATION_CONTEXT = {"ip": "192.0.2.1", "user_agent": "Firefox", "timestamp": timezone.now()}
#: Words of allauth's own English e-mails, and of a sign-up invitation.
ALLAUTH_ENGLISH = ["!", "Thank you for using", "You're receiving", "You are receiving"]
NO_SIGNUP = ["signup", "sign up", "Sign up", "register"]
SPANISH_HINTS = ["su ", "Su ", "clínica"]


def _send(cast, user, template: str, *, browser: dict[str, str], mailoutbox):
    request = RequestFactory().get("/", **browser)
    request.user = _anonymous()  # sent to the user, not to whoever is on the page
    context = {**TEMPLATES[template], **NOTIFICATION_CONTEXT}
    if user is not None:
        context["user"] = user
    with request_context(request):
        get_adapter(request).send_mail(template, "someone@test.example", context)
    return mailoutbox[-1]


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_email_names_the_clinic_never_the_host(cast, mailoutbox, template) -> None:
    mail = _send(cast, cast.frontdesk, template, browser=SPANISH_BROWSER, mailoutbox=mailoutbox)
    assert mail.subject.startswith(f"{CLINIC}: "), mail.subject
    assert "[" not in mail.subject and "testserver" not in mail.subject
    assert "testserver" not in mail.body and "example.com" not in mail.body
    assert CLINIC in mail.body
    assert not [w for w in ALLAUTH_ENGLISH if w in mail.body], mail.body
    # Staff read English, whatever the language of the browser that asked.
    assert "Hola" not in mail.body and "Un saludo" not in mail.body


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_email_to_a_spanish_patient_is_spanish(cast, mailoutbox, template) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    mail = _send(cast, cast.patient_user, template, browser=ENGLISH_BROWSER, mailoutbox=mailoutbox)
    assert mail.subject.startswith(f"{CLINIC}: ")
    assert "Un saludo de Willowbrook Test Clinic" in mail.body
    assert not [w for w in ALLAUTH_ENGLISH if w in mail.body], mail.body
    assert "Hello" not in mail.body and "Please" not in mail.body


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_no_email_invites_the_reader_to_sign_up(cast, mailoutbox, template) -> None:
    mail = _send(cast, None, template, browser=ENGLISH_BROWSER, mailoutbox=mailoutbox)
    assert not [w for w in NO_SIGNUP if w in mail.body], mail.body
    assert mail.subject.startswith("Infusionist: ")


def test_the_reset_email_a_spanish_patient_asks_for_is_branded_and_spanish(
    client, cast, mailoutbox
) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    reset = reverse("account_reset_password")
    client.post(reset, {"email": "alice@test.example"}, **ENGLISH_BROWSER)
    (mail,) = mailoutbox
    assert mail.subject == f"{CLINIC}: Elija una contraseña nueva"
    assert "Alguien pidió restablecer la contraseña de su cuenta" in mail.body
    assert "/accounts/password/reset/key/" in mail.body


def test_the_reset_email_for_staff_is_english_from_a_spanish_browser(
    client, cast, mailoutbox
) -> None:
    client.post(
        reverse("account_reset_password"), {"email": "frontdesk@test.example"}, **SPANISH_BROWSER
    )
    (mail,) = mailoutbox
    assert mail.subject == f"{CLINIC}: Choose a new password"
    assert "Someone asked to reset the password of your account" in mail.body


@pytest.mark.parametrize("address", ["nobody@test.example", "NOBODY@Other.Example"])
def test_a_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(
    client, cast, mailoutbox, address
) -> None:
    known = client.post(reverse("account_reset_password"), {"email": "alice@test.example"})
    unknown = client.post(reverse("account_reset_password"), {"email": address})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mailoutbox] == [["alice@test.example"]]


def test_a_confirmation_link_the_patient_sends_themselves_is_in_their_page_language(
    client, cast, mailoutbox
) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=cast.patient_user, email=cast.patient_user.email)
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    client.force_login(cast.patient_user)
    client.post(reverse("account_setup:verify_email"))
    (mail,) = mailoutbox
    assert mail.subject == f"{CLINIC}: Confirme su correo electrónico"
    assert "Para confirmar que este correo electrónico es suyo" in mail.body
    # The language switch on the page wins: the patient chose English for this visit.
    client.cookies["django_language"] = "en"
    client.post(reverse("account_setup:verify_email"))
    assert mailoutbox[-1].subject == f"{CLINIC}: Confirm your email address"


def test_a_password_change_notice_is_sent_in_the_patients_language(
    client, cast, mailoutbox, settings
) -> None:
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    client.force_login(cast.patient_user)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "otra-clave-2026!", "password2": "otra-clave-2026!"},
    )
    (mail,) = mailoutbox
    assert mail.subject.startswith(f"{CLINIC}: ")
    assert "Se acaba de hacer este cambio en su cuenta" in mail.body


def test_the_spanish_reset_link_opens_in_spanish_with_the_clinic_name(
    client, cast, mailoutbox
) -> None:
    """Review round 2, finding 16: the link carries the e-mail's language to its page."""
    import re

    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    client.post(reverse("account_reset_password"), {"email": "alice@test.example"})
    (mail,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.body)
    assert link is not None, mail.body
    assert "lang=es" in link.group(1)
    visitor = client_class_fresh(client)
    page = visitor.get(link.group(1), follow=True, **ENGLISH_BROWSER)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Elija una contraseña nueva" in html
    assert CLINIC in html


def client_class_fresh(client):
    return type(client)()
