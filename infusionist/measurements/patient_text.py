"""Words on the patient's questionnaire pages, in English and Spanish.

Kept as plain data next to the views rather than in gettext catalogues: the project ships no
compiled message catalogues yet, and these pages must be in the patient's language whatever the
staff interface uses. Crisis resources follow docs/clinical-reference.md §9 [89][90][92]; the
not-monitored notice follows established practice [101].
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your check-in",
        "dob_heading": "First, confirm it is you",
        "dob_intro": "Enter your date of birth. This keeps your answers private.",
        "month": "Month",
        "day": "Day",
        "year": "Year",
        "continue": "Continue",
        "dob_invalid": "Enter a real date: month 1–12, day 1–31 and a four-digit year.",
        "dob_future": "That date is in the future. Please check the year.",
        "dob_wrong": (
            "That date of birth does not match our records. Please check it and try again."
        ),
        "attempts_left": "Attempts left before this link locks: {n}.",
        "question_of": "Question {n} of {total}",
        "choose": "Please choose an answer to this question.",
        "errors_summary": "Some questions need an answer. They are marked below.",
        "save_later": "Save and finish later",
        "submit": "Send my answers",
        "saved": "Your answers so far are saved. Open the same link again to finish.",
        "done_heading": "Thank you — your answers were sent",
        "done_body": "Your care team will look at your answers before your next visit.",
        "not_monitored": (
            "Your answers are not monitored in real time. No one may see them for hours or days."
        ),
        "crisis_heading": "If you are thinking about hurting yourself, help is available now",
        "crisis_urgent_heading": "You told us you have had thoughts of death or hurting yourself",
        "crisis_urgent_body": (
            "Please reach out now. You do not have to wait for the clinic. These services are "
            "free and open 24 hours a day, every day."
        ),
        "crisis_988": "Call or text 988 (Suicide & Crisis Lifeline)",
        "crisis_741741": "Text HOME to 741741 (Crisis Text Line)",
        "crisis_911": "Call 911 if you are in immediate danger",
        "crisis_veterans": "Veterans: call 988 and press 1, or text 838255.",
        "clinic_will_contact": "We have let your clinician know, but do not wait for us to call.",
        "link_used": "This link has already been used. Thank you — your answers were received.",
        "link_expired": "This link has expired. Your clinic can send you a new one.",
        "link_replaced": "A newer link was sent to you. Please use the most recent message.",
        "link_locked": (
            "This link is locked after too many tries. Please call your clinic for a new one."
        ),
        "link_rate": "Too many tries from this device. Please wait an hour or call your clinic.",
        "link_unknown": "This link is not valid. Please check the message your clinic sent.",
        "call_clinic": "Clinic phone:",
        "language": "Español",
        "session_ended": "For your privacy this page timed out. Please open your link again.",
    },
    "es": {
        "title": "Su cuestionario",
        "dob_heading": "Primero, confirme que es usted",
        "dob_intro": "Escriba su fecha de nacimiento. Así sus respuestas se mantienen privadas.",
        "month": "Mes",
        "day": "Día",
        "year": "Año",
        "continue": "Continuar",
        "dob_invalid": "Escriba una fecha real: mes 1–12, día 1–31 y un año de cuatro cifras.",
        "dob_future": "Esa fecha está en el futuro. Revise el año.",
        "dob_wrong": (
            "Esa fecha de nacimiento no coincide con nuestros registros. Revísela e inténtelo de "
            "nuevo."
        ),
        "attempts_left": "Intentos restantes antes de que este enlace se bloquee: {n}.",
        "question_of": "Pregunta {n} de {total}",
        "choose": "Por favor elija una respuesta para esta pregunta.",
        "errors_summary": "Algunas preguntas necesitan respuesta. Están marcadas abajo.",
        "save_later": "Guardar y terminar después",
        "submit": "Enviar mis respuestas",
        "saved": "Sus respuestas se guardaron. Abra el mismo enlace para terminar.",
        "done_heading": "Gracias — sus respuestas fueron enviadas",
        "done_body": "Su equipo de atención revisará sus respuestas antes de su próxima visita.",
        "not_monitored": (
            "Sus respuestas no se vigilan en tiempo real. Puede que nadie las vea durante horas "
            "o días."
        ),
        "crisis_heading": "Si está pensando en hacerse daño, hay ayuda ahora mismo",
        "crisis_urgent_heading": (
            "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño"
        ),
        "crisis_urgent_body": (
            "Por favor busque ayuda ahora. No tiene que esperar a la clínica. Estos servicios son "
            "gratuitos y atienden las 24 horas, todos los días."
        ),
        "crisis_988": (
            "Llame o envíe un texto al 988 (Línea de Prevención del Suicidio y Crisis; "
            "opción en español)"
        ),
        "crisis_741741": "Envíe HOME por texto al 741741 (Crisis Text Line)",
        "crisis_911": "Llame al 911 si está en peligro inmediato",
        "crisis_veterans": "Veteranos: llame al 988 y marque 1, o envíe un texto al 838255.",
        "clinic_will_contact": "Avisamos a su clínico, pero no espere a que le llamemos.",
        "link_used": "Este enlace ya se usó. Gracias — recibimos sus respuestas.",
        "link_expired": "Este enlace caducó. Su clínica puede enviarle uno nuevo.",
        "link_replaced": "Le enviamos un enlace más reciente. Use el mensaje más nuevo.",
        "link_locked": (
            "Este enlace se bloqueó tras demasiados intentos. Llame a su clínica para pedir otro."
        ),
        "link_rate": (
            "Demasiados intentos desde este dispositivo. Espere una hora o llame a su clínica."
        ),
        "link_unknown": "Este enlace no es válido. Revise el mensaje que le envió su clínica.",
        "call_clinic": "Teléfono de la clínica:",
        "language": "English",
        "session_ended": "Por su privacidad esta página caducó. Abra su enlace de nuevo.",
    },
}


def text_for(lang: str) -> dict[str, str]:
    """Return the page words in ``lang``, falling back to English."""
    return TEXT.get(lang, TEXT["en"])
