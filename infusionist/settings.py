"""Django settings for Infusionist, read from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from infusionist.env import env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or .env (see .env.example), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = (
    "infusionist.errors.csrf_failure"  # audited; a plain page in the reader's language
)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The database task backend and its `db_worker` command (docs/decisions/0031).
    "django_tasks_db",
    # In layer order (docs/architecture.md): an app imports only from apps listed above it.
    "infusionist.clinics",
    "infusionist.audit",
    "infusionist.accounts",
    "infusionist.patients",
    "infusionist.measurements",
    "infusionist.treatment",
    "infusionist.intake",
    "infusionist.consent",
    "infusionist.consultations",
    "infusionist.readiness",
    "infusionist.scheduling",
    "infusionist.infusions",
    "infusionist.today",
    "infusionist.record",
    "infusionist.administration",
    "infusionist.api",
    "infusionist.reference",
    "infusionist.portal",
    "infusionist.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "infusionist.accounts.middleware.ClinicTimezoneMiddleware",
    # A patient's language, staff English; then error pages (400) speak that language.
    "infusionist.portal.middleware.PatientLanguageMiddleware",
    "infusionist.middleware.RejectBadInputMiddleware",
    "infusionist.middleware.BrandedMethodNotAllowedMiddleware",
    "infusionist.accounts.middleware.RequireMfaMiddleware",
]

ROOT_URLCONF = "infusionist.urls"
WSGI_APPLICATION = "infusionist.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "infusionist.accounts.context_processors.navigation",
            ],
            # `{{ text|cite }}` links source keys such as [22] to the clinical reference page
            # in every template, with no {% load %} (infusionist/citations.py);
            # `{{ number|phone }}` shows a stored phone number (infusionist/contact.py).
            "builtins": ["infusionist.citations", "infusionist.contact"],
        },
    }
]

# Database: PostgreSQL in production and CI, SQLite under var/ for the demo and local use.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'infusionist.sqlite3'}")
CONN_MAX_AGE_S = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE_S)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock up front, so two writers serialize
    # instead of failing mid-transaction; WAL lets readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: the database, so rate limits hold across gunicorn workers and machines.
CACHE_BACKEND = env_str("CACHE_BACKEND", "db")
if CACHE_BACKEND == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "infusionist_cache",
        }
    }
elif CACHE_BACKEND == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be db or locmem, not {CACHE_BACKEND!r}.")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["infusionist.accounts.backends.OrganizationAwareBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "today:index"  # staff start on Today
# Roles that start somewhere else (accounts/home.py): a patient starts on their own page.
ROLE_HOME_URLS = {"patient": "portal:home"}
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email login only; nobody signs themselves up as staff.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "infusionist.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address sends nothing: accounts come by invitation, so an
# e-mail inviting the reader to sign up would lead to a closed door. The page answers the
# same either way, so it still reveals nothing.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# E-mails name the person's clinic; this name when there is none (accounts/adapter.py).
PRODUCT_NAME = "Infusionist"
# No "remember me": a shared chairside tablet must not keep a session past the idle limit.
ACCOUNT_SESSION_REMEMBER = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth's forms, with every failed sign-in step audited (infusionist/accounts/forms.py).
MFA_FORMS = {
    "authenticate": "infusionist.accounts.forms.AuditedMfaAuthenticateForm",
    "reauthenticate": "infusionist.accounts.forms.AuditedMfaReauthenticateForm",
}
ACCOUNT_FORMS = {
    "reauthenticate": "infusionist.accounts.forms.AuditedPasswordReauthenticateForm",
    # Too many reset requests: a message beside the address, with the wait, not a bare 429.
    "reset_password": "infusionist.accounts.forms.PasswordResetForm",
    # Sentence-case labels ("New password (again)"), like every other page.
    "change_password": "infusionist.accounts.forms.ChangePasswordForm",
    "reset_password_from_key": "infusionist.accounts.forms.SetPasswordFromKeyForm",
    "set_password": "infusionist.accounts.forms.SentenceCaseSetPasswordForm",
}
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Infusionist")
# allauth asks for a confirmed email address before an authenticator can be added; the
# account-setup step (accounts/views.py) says so and sends the confirmation.
MFA_ALLOW_UNVERIFIED_EMAIL = False
# Roles that must use TOTP before they reach clinical pages (45 CFR 164.312(d)).
MFA_REQUIRED_FOR_CLINICAL_ROLES = env_bool("MFA_REQUIRED", True)

# Staff and roles (docs/decisions/0008). An invitation link works once and for this long.
STAFF_INVITATION_EXPIRY_HOURS = env_int("STAFF_INVITATION_EXPIRY_HOURS", 72, minimum=1)
# Today flags a licence or DEA registration this many days before it expires. No published
# source sets this window: 30 days is our default, a setting for each deployment to choose.
CREDENTIAL_EXPIRY_WARNING_DAYS = env_int("CREDENTIAL_EXPIRY_WARNING_DAYS", 30, minimum=0)

# Sessions live in the database (stateless app servers); an idle session ends after
# SESSION_IDLE_TIMEOUT_MIN minutes because every request pushes the expiry forward
# (automatic logoff, 45 CFR 164.312(a)(2)(iii)).
SESSION_IDLE_TIMEOUT_MIN = env_int("SESSION_IDLE_TIMEOUT_MIN", 15, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MIN * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Transport security: on by default; turn HTTPS off only for a local demo on 127.0.0.1.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Uploads and form sizes: oversize input is refused with a message, never a 500.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_BYTES", 2_621_440, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Patient pages speak English or Spanish (infusionist/i18n.py: the patient's choice, their
# preferred language, else the browser's); staff pages are English. Catalogues live in locale/
# and are compiled by `python -m infusionist.i18n compile` (make venv and the tests run it).
LANGUAGE_CODE = "en"
STAFF_LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
# One date format for the clinic, "Nov 30, 2026" (infusionist/formats/); CSV files use ISO.
FORMAT_MODULE_PATH = ["infusionist.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("PLAIN_STATIC_STORAGE", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Demo: `make demo` turns DEMO_MODE on. E-mails and text messages are then written to
# DEMO_OUTBOX_DIR instead of being sent, and staff read them at /demo/outbox/. Never in
# production: every staff member could read every message (`check --deploy` warns).
DEMO_MODE = env_bool("DEMO_MODE", False)
DEMO_OUTBOX_DIR = Path(env_str("DEMO_OUTBOX_DIR", str(BASE_DIR / "var" / "outbox")))

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "infusionist.demo.outbox.EmailBackend"
    if DEMO_MODE
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Infusionist <no-reply@infusionist.example>")

# Demo: one password for every seeded account, printed by seed_demo.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "infuse-demo-2026")

PATIENT_SEARCH_PAGE_SIZE = env_int("PATIENT_SEARCH_PAGE_SIZE", 25, minimum=5)

# Background work: django-tasks (docs/decisions/0031). Production (and `make demo`) sets
# TASKS_BACKEND=django_tasks_db.DatabaseBackend and runs `manage.py db_worker` beside the web
# server: tasks wait in the database and the periodic sweeps (appointment reminders,
# questionnaires, safety escalation) queue their own next run. The immediate backend, the
# default when unset and the tests' backend, runs a task where it is queued and cannot defer
# one, so nothing repeats by itself: cron then runs the matching management commands
# (`check --deploy` warns).
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
# How long each periodic sweep waits before its next run on the worker, in minutes.
APPOINTMENT_REMINDER_EVERY_MIN = env_int("APPOINTMENT_REMINDER_EVERY_MIN", 5, minimum=1)
MEASUREMENT_REMINDER_EVERY_MIN = env_int("MEASUREMENT_REMINDER_EVERY_MIN", 5, minimum=1)
SAFETY_ESCALATION_EVERY_MIN = env_int("SAFETY_ESCALATION_EVERY_MIN", 1, minimum=1)

# Measurement-based care (infusionist/measurements). Clinical thresholds are per-clinic
# MeasurementSettings rows; these are deployment settings.
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "infusionist.demo.outbox.SmsBackend"
    if DEMO_MODE
    else "infusionist.measurements.sms.ConsoleSmsBackend",
)
MEASUREMENT_LINK_EXPIRY_HOURS = env_int("MEASUREMENT_LINK_EXPIRY_HOURS", 72, minimum=1)
MEASUREMENT_LINK_DOB_MAX_ATTEMPTS = env_int("MEASUREMENT_LINK_DOB_MAX_ATTEMPTS", 5, minimum=1)
MEASUREMENT_API_MAX_ANSWERS = env_int("MEASUREMENT_API_MAX_ANSWERS", 100, minimum=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
