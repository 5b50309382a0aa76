"""Every page a Spanish-speaking patient can see is in Spanish (issue 8, item 5).

Each page is rendered for a Spanish-preferring patient or a Spanish browser and its visible
text (text, titles, labels, placeholders) is checked: no English phrase from the list below and
no English sentence of the translation catalogue remains, the page says it is Spanish, and the
crisis resources reach Spanish-speaking counsellors (988 then 2, AYUDA by text). Then the choice
of language itself: the switch, else the patient's preferred language, else the browser's.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from infusionist.measurements import services
from infusionist.measurements.models import AccessLink, Assignment, QuestionnaireResponse

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-US,es;q=0.9"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
DOB = {"month": "4", "day": "12", "year": "1985"}

#: English that must not be left on a Spanish page (words and phrases, case-sensitive).
ENGLISH = [
    "Your check-in",
    "Send my answers",
    "Save and finish later",
    "Thank you",
    "Please",
    "Sign in",
    "Sign In",
    "Sign out",
    "Password",
    "password",
    "Forgot",
    "Email",
    "Continue",
    "Start",
    "questionnaire",
    "Call or text",
    "Text HOME",
    "In crisis",
    "Skip to main content",
    "Security",
    "not monitored",
    "Veterans",
    "immediate danger",
    "Page not found",
    "This page",
    "This link",
    "Go to",
    "Hello",
    "Your page",
    "Patient Health Questionnaire",
    "Generalized Anxiety",
    "Little interest",
    "Not at all",
    "Several days",
    "Month",
    "First, confirm",
    "date of birth",
    "open-source",
    "We could not",
    "Something went wrong",
    "Not allowed",
    "Back to",
    "Questions about",
    "answers",
    "Patient",
    "clinician",
    "Suicide & Crisis Lifeline",
    "Reset",
    "Check your",
]
VISIBLE_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt", "value")


class _Visible(HTMLParser):
    """Collect the text a person sees or hears: text nodes and labelling attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.lang = ""
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if tag in ("script", "style"):
            self._skip += 1
        shown_value = tag == "input" and values.get("type") in ("submit", "button")
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name) and (name != "value" or shown_value):
                self.parts.append(values[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> tuple[str, str]:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.lang


def _catalogue_english() -> list[str]:
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"))
    return [
        entry.msgid
        for entry in catalogue
        if entry.msgstr
        and entry.msgid not in entry.msgstr  # not a name kept in Spanish (Crisis Text Line)
        and " " in entry.msgid
        and "%(" not in entry.msgid
    ]


CATALOGUE_ENGLISH = _catalogue_english()


def assert_spanish(response, *expected: str) -> str:
    """Fail on English left in the page; return its visible text."""
    html = response.content.decode()
    text, lang = visible(html)
    where = response.request["PATH_INFO"]
    assert lang == "es", f"<html lang> is {lang!r} on {where}"
    left = [phrase for phrase in ENGLISH if phrase in text]
    left += [msgid for msgid in CATALOGUE_ENGLISH if msgid in text]
    assert not left, f"English on a Spanish page ({where}): {left}"
    for phrase in expected:
        assert phrase in text, f"{phrase!r} missing from {where}"
    return text


def assert_spanish_crisis(response) -> None:
    """The crisis line reaches Spanish-speaking counsellors: AYUDA, never HOME."""
    html = response.content.decode()
    assert "sms:741741?body=AYUDA" in html and "body=HOME" not in html
    assert "sms:988?body=AYUDA" in html and 'href="tel:988"' in html and 'href="tel:911"' in html
    text, _ = visible(html)
    assert "marque 2" in text and "AYUDA" in text


@pytest.fixture
def spanish(cast):
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    return cast


def _link(cast, code: str = "phq9") -> tuple[AccessLink, str]:
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code=code, actor=cast.nurse, language_confirmed=True
    )
    link, token = services.link_issue(assignment=assignment, channel="sms")
    return link, reverse("questionnaire:start", args=[token])


def phq9(item9: int = 0) -> dict[str, str]:
    return {f"q{i}": "1" for i in range(1, 9)} | {"q9": str(item9)}


# ---- link pages: a Spanish-preferring patient, whatever the browser says ---------------------


def test_the_link_pages_are_spanish_for_a_spanish_preferring_patient(client, spanish) -> None:
    _, url = _link(spanish)
    dob = client.get(url, **ENGLISH_BROWSER)
    assert_spanish(dob, "Primero, confirme que es usted", "Mes", "Día", "Año", "Continuar")
    assert_spanish_crisis(dob)
    wrong = client.post(url, {"month": "4", "day": "13", "year": "1985"}, **ENGLISH_BROWSER)
    assert wrong.status_code == 422
    assert_spanish(wrong, "no coincide", "Intentos restantes antes de que este enlace se bloquee")
    invalid = client.post(url, {"month": "13", "day": "x"}, **ENGLISH_BROWSER)
    assert_spanish(invalid, "Escriba una fecha real")
    assert client.post(url, DOB, **ENGLISH_BROWSER).status_code == 302
    answer = client.get(reverse("questionnaire:answer"), **ENGLISH_BROWSER)
    text = assert_spanish(
        answer,
        "Su cuestionario",
        "Cuestionario sobre la salud del paciente-9 (PHQ-9)",
        "Poco interés o placer en hacer cosas",
        "Enviar mis respuestas",
        "Guardar y terminar después",
        "Sus respuestas no se vigilan en tiempo real",
    )
    assert "Usted nos dijo" in text  # the hidden panel beside item 9, in Spanish too
    assert_spanish_crisis(answer)
    missing = phq9()
    del missing["q3"]
    errors = client.post(reverse("questionnaire:answer"), missing, **ENGLISH_BROWSER)
    assert errors.status_code == 422
    assert_spanish(errors, "Algunas preguntas necesitan respuesta", "Por favor elija una respuesta")
    saved = client.post(reverse("questionnaire:answer_save"), {"q1": "2"}, **ENGLISH_BROWSER)
    assert_spanish(saved, "Sus respuestas se guardaron. Abra el mismo enlace para terminar.")
    client.post(reverse("questionnaire:answer"), phq9(item9=1), **ENGLISH_BROWSER)
    done = client.get(reverse("questionnaire:done"), **ENGLISH_BROWSER)
    assert_spanish(
        done,
        "Gracias — sus respuestas fueron enviadas",
        "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño",
        "Avisamos a su clínico",
    )
    assert_spanish_crisis(done)
    used = client.get(url, **ENGLISH_BROWSER)
    assert used.status_code == 410
    assert_spanish(used, "Este enlace ya se usó")


def test_the_ordinary_thank_you_is_spanish(client, spanish) -> None:
    _, url = _link(spanish, "gad7")
    client.post(url, DOB)
    client.post(reverse("questionnaire:answer"), {f"q{i}": "0" for i in range(1, 8)})
    done = client.get(reverse("questionnaire:done"))
    assert_spanish(
        done,
        "Gracias — sus respuestas fueron enviadas",
        "Si está pensando en hacerse daño, hay ayuda ahora mismo",
    )


def test_an_english_only_questionnaire_keeps_spanish_around_it(client, spanish) -> None:
    _, url = _link(spanish, "pcl5")
    client.post(url, DOB)
    html = client.get(reverse("questionnaire:answer")).content.decode()
    text, lang = visible(html)
    assert lang == "es"
    assert "Lista de verificación del TEPT" in text
    assert "Las preguntas de este cuestionario solo están disponibles en inglés." in text
    assert "Si quiere ayuda con ellas, llame a su clínica" in text
    assert "Enviar mis respuestas" in text and "Send my answers" not in text
    assert '<span lang="en">Repeated, disturbing, and unwanted memories' in html


@pytest.mark.parametrize("reason", ["expired", "replaced", "locked", "cancelled"])
def test_refused_links_are_explained_in_spanish(client, spanish, reason) -> None:
    link, url = _link(spanish)
    now = timezone.now()
    if reason == "cancelled":
        Assignment.objects.filter(pk=link.assignment_id).update(status="cancelled")
    else:
        field = {"expired": "expires_at", "replaced": "revoked_at", "locked": "locked_at"}
        value = now - dt.timedelta(minutes=1) if reason == "expired" else now
        AccessLink.objects.filter(pk=link.pk).update(**{field[reason]: value})
    response = client.get(url, **ENGLISH_BROWSER)
    assert response.status_code in (410, 429)
    assert_spanish(response, "Teléfono de la clínica:")
    assert_spanish_crisis(response)


def test_an_unknown_link_and_an_ended_session_follow_a_spanish_browser(client, db) -> None:
    unknown = client.get(reverse("questionnaire:start", args=["nope"]), **SPANISH_BROWSER)
    assert unknown.status_code == 404
    assert_spanish(unknown, "Este enlace no es válido")
    ended = client.get(reverse("questionnaire:answer"), **SPANISH_BROWSER)
    assert ended.status_code == 403
    assert_spanish(ended, "Por su privacidad esta página caducó")


# ---- the portal: a signed-in Spanish-preferring patient ----------------------------------------


def test_the_portal_is_spanish_for_a_spanish_preferring_patient(client, spanish) -> None:
    started = services.assignment_create_manual(
        patient=spanish.patient, instrument_code="gad7", actor=spanish.nurse
    )
    services.questionnaire_response_save(
        patient=spanish.patient,
        instrument_code="gad7",
        answers={"q1": 1},
        source=QuestionnaireResponse.Source.PATIENT_PORTAL,
        actor=spanish.patient_user,
        assignment=started,
    )
    fresh = services.assignment_create_manual(
        patient=spanish.patient, instrument_code="phq9", actor=spanish.nurse
    )
    client.force_login(spanish.patient_user)
    home = client.get(reverse("portal:home"), **ENGLISH_BROWSER)
    assert_spanish(
        home,
        "Hola, Alice",
        "Sus cuestionarios",
        "Cuestionario de ansiedad generalizada-7 (GAD-7)",
        "Empezado: 1 de 8 preguntas respondidas.",
        "Todavía no lo empezó.",
        "Por favor responda antes del",
        "Continuar",
        "Empezar",
        "Paciente",
        "Cerrar sesión",
        "Su página",
    )
    assert_spanish_crisis(home)
    answer = client.get(reverse("portal:answer", args=[fresh.pk]), **ENGLISH_BROWSER)
    assert_spanish(answer, "Volver a su página", "Poco interés o placer en hacer cosas")
    unsent = client.get(reverse("portal:done", args=[fresh.pk]))
    assert_spanish(unsent, "Este cuestionario todavía no se envió")
    client.post(reverse("portal:answer_send", args=[fresh.pk]), phq9(item9=3))
    done = client.get(reverse("portal:done", args=[fresh.pk]))
    assert_spanish(done, "Usted nos dijo", "Gracias — sus respuestas fueron enviadas")
    Assignment.objects.filter(pk=started.pk).update(status=Assignment.Status.CANCELLED)
    closed = client.get(reverse("portal:answer", args=[started.pk]))
    assert_spanish(closed, "Este cuestionario no está abierto")


def test_an_empty_portal_home_is_spanish(client, spanish) -> None:
    client.force_login(spanish.patient_user)
    assert_spanish(client.get(reverse("portal:home")), "No tiene cuestionarios para responder")


# ---- sign-in and password reset: a Spanish browser ---------------------------------------------


def test_sign_in_is_spanish_for_a_spanish_browser(client, cast) -> None:
    page = client.get(reverse("account_login"), **SPANISH_BROWSER)
    assert_spanish(
        page, "Iniciar sesión", "Correo electrónico", "Contraseña", "¿Olvidó su contraseña?"
    )
    assert_spanish_crisis(page)
    wrong = client.post(
        reverse("account_login"),
        {"login": "alice@test.example", "password": "wrong"},
        **SPANISH_BROWSER,
    )
    assert_spanish(wrong, "no son correctas")
    blank = client.post(reverse("account_login"), {}, **SPANISH_BROWSER)
    assert_spanish(blank, "Este campo es obligatorio")


def test_password_reset_is_spanish_for_a_spanish_browser(client, cast, mailoutbox) -> None:
    form = client.get(reverse("account_reset_password"), **SPANISH_BROWSER)
    assert_spanish(form, "Restablecer su contraseña", "Envíenme un enlace")
    invalid = client.post(
        reverse("account_reset_password"), {"email": "not-an-email"}, **SPANISH_BROWSER
    )
    assert_spanish(invalid, "Restablecer su contraseña")
    sent = client.post(
        reverse("account_reset_password"),
        {"email": "alice@test.example"},
        follow=True,
        **SPANISH_BROWSER,
    )
    assert_spanish(sent, "Revise su correo electrónico")
    assert len(mailoutbox) == 1
    assert "You're receiving this email" not in mailoutbox[0].body
    bad = client.get(
        reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(cast.patient_user), "key": "bad-key"},
        ),
        follow=True,
        **SPANISH_BROWSER,
    )
    assert_spanish(bad, "Este enlace ya no funciona", "Pedir un enlace nuevo")
    key = default_token_generator.make_token(cast.patient_user)
    choose = client.get(
        reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(cast.patient_user), "key": key},
        ),
        follow=True,
        **SPANISH_BROWSER,
    )
    assert_spanish(choose, "Elija una contraseña nueva", "Guardar mi contraseña nueva")
    path = choose.redirect_chain[-1][0]
    short = client.post(path, {"password1": "x", "password2": "y"}, **SPANISH_BROWSER)
    assert_spanish(short, "Elija una contraseña nueva")
    changed = client.post(
        path,
        {"password1": "otra-clave-larga-2026", "password2": "otra-clave-larga-2026"},
        follow=True,
        **SPANISH_BROWSER,
    )
    assert_spanish(changed, "Su contraseña se cambió")


# ---- error pages ---------------------------------------------------------------------------------


def test_error_pages_are_spanish_for_a_spanish_browser(db) -> None:
    client = Client(**SPANISH_BROWSER)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_spanish(missing, "Página no encontrada", "Ir a la página para iniciar sesión")
    assert_spanish_crisis(missing)
    bad = client.get(reverse("account_login"), {"next": "\x00"})
    assert bad.status_code == 400
    assert_spanish(bad, "No pudimos leer esa solicitud", "carácter nulo")
    strict = Client(enforce_csrf_checks=True, **SPANISH_BROWSER)
    refused = strict.post(reverse("account_login"), {"login": "a@b.example", "password": "x"})
    assert refused.status_code == 403
    assert_spanish(refused, "No se pudo enviar esta página", "recargue la página")


def test_error_pages_are_spanish_for_a_spanish_preferring_patient(client, spanish) -> None:
    client.force_login(spanish.patient_user)
    refused = client.get(reverse("today:index"), **ENGLISH_BROWSER)
    assert refused.status_code == 403
    assert_spanish(refused, "Esta página es para el personal de la clínica", "Ir a su página")
    missing = client.get(reverse("portal:answer", args=[999999]), **ENGLISH_BROWSER)
    assert missing.status_code == 404
    assert_spanish(missing, "Página no encontrada", "Ir a su página")
    bad = client.get(reverse("portal:home"), {"q": "\x00"}, **ENGLISH_BROWSER)
    assert bad.status_code == 400
    assert_spanish(bad, "No pudimos leer esa solicitud")


def test_the_server_error_page_is_spanish(client, spanish, monkeypatch) -> None:
    from infusionist.portal import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "open_questionnaires", broken)
    client.raise_request_exception = False
    client.force_login(spanish.patient_user)
    response = client.get(reverse("portal:home"), **ENGLISH_BROWSER)
    assert response.status_code == 500
    assert_spanish(response, "Algo salió mal de nuestro lado")
    assert_spanish_crisis(response)


# ---- which language ---------------------------------------------------------------------------


def test_the_browser_decides_for_a_visitor(client, db) -> None:
    spanish = client.get(reverse("account_login"), **SPANISH_BROWSER).content.decode()
    assert "Iniciar sesión" in spanish
    english = client.get(reverse("account_login"), **ENGLISH_BROWSER).content.decode()
    assert "Sign in" in english and 'lang="en"' in english and "body=HOME" in english


def test_the_patients_preference_beats_the_browser(client, cast) -> None:
    _, url = _link(cast)  # an English-preferring patient with a Spanish browser
    assert "First, confirm it is you" in client.get(url, **SPANISH_BROWSER).content.decode()
    client.force_login(cast.patient_user)
    home = client.get(reverse("portal:home"), **SPANISH_BROWSER).content.decode()
    assert "Hello, Alice" in home


def test_the_switch_beats_the_patients_preference(client, spanish) -> None:
    _, url = _link(spanish)
    assert "Primero, confirme" in client.get(url).content.decode()
    switched = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "First, confirm it is you" in client.get(url).content.decode()
    client.force_login(spanish.patient_user)
    assert "Hello, Alice" in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("set_language"), {"language": "es", "next": "/portal/"})
    assert "Hola, Alice" in client.get(reverse("portal:home")).content.decode()


def test_every_patient_page_shows_the_switch_to_the_other_language(client, spanish) -> None:
    client.force_login(spanish.patient_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en" lang="en"' in html
    client.logout()
    login = client.get(reverse("account_login"), **SPANISH_BROWSER).content.decode()
    assert 'name="language" value="en"' in login
    english = client.get(reverse("account_login"), **ENGLISH_BROWSER).content.decode()
    assert 'name="language" value="es" lang="es" class="language-button">Español<' in english


def test_the_switch_on_a_page_that_answers_a_post_returns_to_the_page(client, spanish) -> None:
    assignment = services.assignment_create_manual(
        patient=spanish.patient, instrument_code="phq9", actor=spanish.nurse
    )
    client.force_login(spanish.patient_user)
    html = client.post(reverse("portal:answer_send", args=[assignment.pk]), {}).content.decode()
    answer_url = reverse("portal:answer", args=[assignment.pk])
    assert f'<input type="hidden" name="next" value="{answer_url}">' in html


def test_staff_pages_stay_english(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index"), **SPANISH_BROWSER).content.decode()
    assert 'lang="en"' in html and "In crisis?" in html and 'name="language"' not in html


def test_signing_in_and_out_leaves_no_english_message_for_a_spanish_patient(client, spanish):
    from infusionist.test import PASSWORD

    response = client.post(
        reverse("account_login"),
        {"login": "alice@test.example", "password": PASSWORD},
        follow=True,
        **ENGLISH_BROWSER,
    )
    assert_spanish(response, "Hola, Alice")
    out = client.post(reverse("account_logout"), follow=True, **SPANISH_BROWSER)
    assert_spanish(out, "Iniciar sesión")


def test_staff_still_see_the_signed_in_message(client, cast) -> None:
    from infusionist.test import PASSWORD

    response = client.post(
        reverse("account_login"),
        {"login": "frontdesk@test.example", "password": PASSWORD},
        follow=True,
    )
    assert "Successfully signed in as" in response.content.decode()


def test_the_switch_on_a_link_page_that_answers_a_post_returns_to_the_page(client, spanish):
    _, url = _link(spanish)
    client.post(url, DOB)
    html = client.post(reverse("questionnaire:answer_save"), {"q1": "1"}).content.decode()
    answer_url = reverse("questionnaire:answer")
    assert f'<input type="hidden" name="next" value="{answer_url}">' in html
