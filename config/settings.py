"""Settings for the paperless meeting system.

Everything a deployment changes comes from the environment. The defaults serve `make run`:
SQLite, the in-memory channel layer and e-mail printed to the console. With DEBUG off the
process refuses to start on the development SECRET_KEY.
"""

import datetime
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
DEBUG = env_bool("DEBUG", True)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development default. Set the SECRET_KEY environment variable "
        "to a long random value before running with DEBUG off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "guardian",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_q",
    "csp",
    "core",
    "audit",
    "apitokens",
    "meetings",
    "agendas",
    "voting",
    "consultations",
    "documents",
    "offline",
    "minutes",
    "realtime",
    "notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.sessions.SessionLifetimeMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: it tells a person why they are sent to enrol a second factor.
    "core.accounts.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL connections come from a pool per server process. Every database call of a
# WebSocket handshake runs on one thread per process, and opening a connection for each made a
# burst of handshakes queue past their timeout; and every HTTP request in flight runs on its own
# thread, so connections kept per thread let a burst of requests (500 ballots in a second) open
# more connections than PostgreSQL allows. The pool keeps connections open and bounds them.
# HTTP requests run on as many threads per server process (config/asgi.py).
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    )
}
# 0: no pool, a connection per process. The task worker (`manage.py qcluster`) needs that: it
# forks its workers, and a pool opened before the fork would be shared by all of them.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE:
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 2,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": 30,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries pushes between server processes; without REDIS_URL one process keeps them in
# memory, which is what `make run` needs and nothing more. Redis pub/sub, not the list-based
# RedisChannelLayer: each event is one PUBLISH that every live process receives, and a process
# that dies simply stops listening, where a list-based group keeps a dead process's queue
# (filling it to capacity) for a day after every restart.
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_channel_layer(url: str) -> dict[str, Any]:
    """The channel layer on the Redis at `url`. Pub/sub channels belong to the whole Redis
    server, not to the database in the URL: the prefix carries the database number, so that
    deployments (or test runs) sharing a Redis server on different databases never receive each
    other's events, whose meeting numbers would collide."""
    database = urlsplit(url).path.strip("/") or "0"
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            # redis-py 8's default socket timeout cuts long reads under load, and its default
            # pool of 100 connections is too small for fan-out.
            "hosts": [{"address": url, "socket_timeout": None, "max_connections": 1000}],
            "prefix": f"asgi-db{database}",
        },
    }


if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses every password entry point (the sign-in form, /admin/, HTTP
    # Basic on the API) for a name that failed too often, before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous users have no rights.
GUARDIAN_RAISE_403 = False

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name, that
# name cannot sign in, even with the right password, for AXES_COOLOFF_MINUTES. Locked by name,
# not by address: guessing from many addresses gets no further. A success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# ASVS 4.0.3 V2.1: at least 12 characters, not a common password, not all digits, not the name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "meetings:my_meetings"
LOGOUT_REDIRECT_URL = "login"

# Signing in (django-allauth): by user name and password, then a second factor for those who
# enrolled one; no one signs themselves up (the secretariat creates accounts).
ACCOUNT_ADAPTER = "core.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "core.accounts.SocialAccountAdapter"
MFA_ADAPTER = "core.accounts.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
# django-axes counts failed passwords on every entry point and locks first; allauth's count,
# looser, is what holds back guesses of a second factor's code (10 per person in 5 minutes).
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,10/300s/key"}
# Second factors: an authenticator app (TOTP), security keys and passkeys (WebAuthn), and
# recovery codes for when both are lost.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Paperless meetings")
# WebAuthn needs https, except on a machine's own address (`make run` on 127.0.0.1).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_HTTP", DEBUG)
# Who must have a second factor before using the site: "staff" (the site's administrators),
# "secretariat" (the Secretariat group and every body's secretary), "chair", "member"
# (everyone). A person in one of these roles without a second factor is sent to enrol one.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "staff,secretariat")
# Signing the minutes and checking in remotely ask for the password or a second factor again
# when the last one was typed longer ago than this (core.accounts.recently_authenticated).
REAUTHENTICATION_SECONDS = 60 * float(os.environ.get("REAUTHENTICATION_MINUTES", "5"))
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(REAUTHENTICATION_SECONDS)

# Single sign-on with an OpenID Connect provider (the organisation's), on when OIDC_SERVER_URL
# is set: officials whose provider account carries a verified e-mail address sign in as the
# person with that address. No account is created for anyone else.
OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "")
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "sso"),
                "name": os.environ.get("OIDC_PROVIDER_NAME", "Single sign-on"),
                "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ]
        if OIDC_SERVER_URL
        else [],
        "OAUTH_PKCE_ENABLED": True,
    }
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_LOGIN_ON_GET = False

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers in each language as the record writes them (core/formats, core/dates.py).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# In production nginx serves /static/ from STATIC_ROOT; the server process serves it otherwise.
SERVE_STATIC = env_bool("SERVE_STATIC", True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "secretariat@meetings.localhost")
# A socket to the mail server that hangs gives up after this many seconds (the send is retried).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
# A notice's e-mail that the mail server refused is tried again after these waits (seconds),
# one per retry; after the last it is marked failed in the admin (notices/emails.py).
NOTICE_EMAIL_RETRY_SECONDS = [
    int(seconds) for seconds in env_list("NOTICE_EMAIL_RETRY_SECONDS", "60,300,1800,7200")
]

# Many notices' e-mails at once (a batch of reminders) are sent over up to this many connections
# to the mail server at the same time (notices/emails.py).
NOTICE_EMAIL_CONNECTIONS = int(os.environ.get("NOTICE_EMAIL_CONNECTIONS", "4"))

# A session ends after SESSION_IDLE_MINUTES without a request (a tablet left on the table),
# and in any case SESSION_MAX_AGE_HOURS after signing in (core.sessions).
SESSION_IDLE_SECONDS = 60 * float(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_AGE_SECONDS = 3600 * float(os.environ.get("SESSION_MAX_AGE_HOURS", "12"))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE_SECONDS)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS: browsers that reached the site over https keep to https for a year (the header is sent
# on https responses only, so plain-http `make run` is unaffected). The redirect to https is for
# a server that sees the scheme the browser used (TLS on nginx, or a proxy that forwards it as
# X-Forwarded-Proto); behind a proxy that hides it, it would redirect for ever, so it is asked for.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
X_FRAME_OPTIONS = "DENY"


def websocket_origin(site_url: str) -> str:
    """The meeting socket's origin for connect-src: SITE_URL with ws or wss for its scheme."""
    parts = urlsplit(site_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


# Content-Security-Policy (django-csp) on every response: scripts only from the site's own
# files (no inline script, no eval), nothing embedded, no <base>, never framed. connect-src
# names the socket's origin as well as 'self', for browsers that do not count ws: as 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The reader's pdf.js draws pages with images it makes itself.
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", websocket_origin(SITE_URL)],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

# How often each server process re-reads the event log heads and sends clients a heartbeat.
REALTIME_HEARTBEAT_SECONDS = float(os.environ.get("REALTIME_HEARTBEAT_SECONDS", "15"))
# A socket whose client stops reading is closed (code 4408) once it has more than this many
# bytes waiting to go out, or has stayed above 64 KiB for this long (realtime.outbox). A replay
# waits for the socket to take what it was sent, so a slow but live client stays within them.
REALTIME_MAX_QUEUED_BYTES = int(os.environ.get("REALTIME_MAX_QUEUED_BYTES", str(1024 * 1024)))
REALTIME_SEND_TIMEOUT_SECONDS = float(os.environ.get("REALTIME_SEND_TIMEOUT_SECONDS", "30"))

# Members can check in from this many hours before a meeting starts.
CHECK_IN_OPENS_HOURS = int(os.environ.get("CHECK_IN_OPENS_HOURS", "3"))
# A new meeting's video room, for members who attend remotely: `{slug}` becomes a random,
# unguessable name. Empty: no room unless the secretariat gives one.
VIDEO_ROOM_PATTERN = os.environ.get("VIDEO_ROOM_PATTERN", "https://meet.jit.si/{slug}")

# Written-opinion polls remind those who have not answered this many hours before the deadline,
# unless a poll sets its own times.
CONSULTATION_REMINDER_HOURS = [
    int(hours) for hours in env_list("CONSULTATION_REMINDER_HOURS", "72,24,2")
]
# Members who have not opened a meeting's papers are reminded from three days before it, and at
# the earliest this many hours after the packet was published.
PAPERS_READING_GRACE_HOURS = int(os.environ.get("PAPERS_READING_GRACE_HOURS", "24"))
# The assignee of a task is reminded this many days before its due date.
ACTION_ITEM_REMINDER_DAYS = int(os.environ.get("ACTION_ITEM_REMINDER_DAYS", "2"))
# The task worker (django-q2, `manage.py qcluster`): its queue is a table in the database, so
# `make run` needs no other service and a deployment keeps queued work across Redis restarts
# (Redis carries only pushes). A task not acknowledged within `retry` seconds (its worker died)
# is handed to another worker, up to `max_attempts` times; failures stay in the admin.
# The scheduled jobs (notices/schedules.py) run every TASKS_TICK_SECONDS (a divisor of 60).
TASKS_TICK_SECONDS = int(os.environ.get("TASKS_TICK_SECONDS", "20"))
# Reminders are written this many per transaction: each batch's notices and e-mails together.
REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "500"))
# The worker's health check (`manage.py worker_check`) fails when a job is due since longer.
WORKER_CHECK_LATE_SECONDS = int(os.environ.get("WORKER_CHECK_LATE_SECONDS", "120"))
Q_CLUSTER = {
    "name": "meetings",
    "orm": "default",
    "workers": int(os.environ.get("TASK_WORKERS", "2")),
    # A task running longer is stopped; one not acknowledged within `retry` seconds (its
    # worker died) is handed to another worker. `retry` must exceed `timeout`.
    "timeout": int(os.environ.get("TASK_TIMEOUT_SECONDS", "120")),
    "retry": int(os.environ.get("TASK_RETRY_SECONDS", "180")),
    "max_attempts": 3,
    "ack_failures": True,
    # A job missed while no worker ran is run once, not once per missed tick.
    "catch_up": False,
    "save_limit": 1000,
    # How often an idle worker asks the database for work (seconds).
    "poll": 1,
}

# The generated PDFs' font: DejaVu Sans, shipped in fonts/, covers Vietnamese (ReportLab's
# Helvetica does not).
PDF_FONT_DIR = Path(os.environ.get("PDF_FONT_DIR", BASE_DIR / "fonts"))
# Minutes: the place in the heading's date line, the roots a signature must lead to, an optional
# RFC 3161 time-stamping authority, and the largest PDF the verification page accepts.
# `manage.py demo_pki` writes the demo root.
MINUTES_PLACE = os.environ.get("MINUTES_PLACE", "Hà Nội")
MINUTES_PKI_DIR = Path(os.environ.get("MINUTES_PKI_DIR", VAR_DIR / "pki"))
MINUTES_TRUST_ROOTS = env_list("MINUTES_TRUST_ROOTS", str(MINUTES_PKI_DIR / "ca.pem"))
MINUTES_TSA_URL = os.environ.get("MINUTES_TSA_URL", "")
# Signing with keys held on a PKCS#11 token (an HSM) instead of uploaded key files: the module's
# path turns it on. By default each signer has their own token, labelled with their user name,
# holding their key and certificate under that label too, so that a PIN opens one person's key
# only; "{username}" in either label stands for the signer's user name.
MINUTES_PKCS11_MODULE = os.environ.get("MINUTES_PKCS11_MODULE", "")
MINUTES_PKCS11_TOKEN_LABEL = os.environ.get("MINUTES_PKCS11_TOKEN_LABEL", "{username}")
MINUTES_PKCS11_KEY_LABEL = os.environ.get("MINUTES_PKCS11_KEY_LABEL", "{username}")
# Signing with each signer's PKCS#12 file kept on the server, instead of uploading it: the path
# turns it on, with "{username}" for the signer's user name (e.g. /srv/keys/{username}.p12). The
# signer types the file's passphrase each time, unless MINUTES_PKCS12_PASSPHRASE holds it: the
# server then opens the file by itself, and the sign-in alone stands for the key (see
# docs/deployment.md). `make run` points it at the demo keys.
MINUTES_PKCS12_PATH = os.environ.get("MINUTES_PKCS12_PATH", "")
MINUTES_PKCS12_PASSPHRASE = os.environ.get("MINUTES_PKCS12_PASSPHRASE", "")
MINUTES_VERIFY_MAX_BYTES = int(os.environ.get("MINUTES_VERIFY_MAX_BYTES", 20 * 1024 * 1024))

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
# Uploaded files larger than this are streamed to a temporary file rather than held in memory
# (DATA_UPLOAD_MAX_MEMORY_SIZE does not count files, so a large paper is not refused by it).
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))

# Meeting documents: the largest upload accepted (bytes), how long LibreOffice may take to
# convert one (seconds) and its command, how long a download link works (seconds), and whether
# closing a meeting withdraws everyone's access to its confidential and secret papers (they are
# handed back after the meeting).
DOCUMENTS_MAX_UPLOAD_BYTES = int(os.environ.get("DOCUMENTS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
DOCUMENTS_CONVERT_SECONDS = float(os.environ.get("DOCUMENTS_CONVERT_SECONDS", "120"))
DOCUMENTS_SOFFICE = os.environ.get("DOCUMENTS_SOFFICE", "soffice")
# poppler's pdftotext reads each upload's text for the archive's search.
DOCUMENTS_PDFTOTEXT = os.environ.get("DOCUMENTS_PDFTOTEXT", "pdftotext")
DOCUMENTS_TEXT_SECONDS = float(os.environ.get("DOCUMENTS_TEXT_SECONDS", "30"))
# Reading an uploaded PDF (its pages' digests, its text) runs in a child process with these
# limits: a decompression bomb (a small file whose streams inflate to gigabytes) exhausts the
# child and is refused, never the server. Papers with more pages are refused too.
DOCUMENTS_PDF_MEMORY_BYTES = int(os.environ.get("DOCUMENTS_PDF_MEMORY_BYTES", 768 * 1024 * 1024))
DOCUMENTS_PDF_SECONDS = float(os.environ.get("DOCUMENTS_PDF_SECONDS", "60"))
DOCUMENTS_MAX_PAGES = int(os.environ.get("DOCUMENTS_MAX_PAGES", "2000"))
# A packet PDF holds at most this many pages of papers; the papers past it are listed in its
# contents, not included. Writing a packet takes about 25 KB of memory per page.
DOCUMENTS_PACKET_MAX_PAGES = int(os.environ.get("DOCUMENTS_PACKET_MAX_PAGES", "5000"))
DOCUMENTS_LINK_SECONDS = int(os.environ.get("DOCUMENTS_LINK_SECONDS", "300"))
DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE = env_bool("DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE", True)
# How long a device keeps a meeting's papers for offline reading, unless the meeting's
# secretariat sets another period (docs/offline.md).
OFFLINE_HOURS = int(os.environ.get("OFFLINE_HOURS", "72"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # HTTP Basic for people without a second factor (core.accounts).
        "core.accounts.PasswordBasicAuthentication",
        # Integrators' scoped tokens (apitokens): `Authorization: Bearer mt_...`.
        "apitokens.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apitokens.permissions.TokenScopes",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # No one floods the API: past these rates a client gets 429 with Retry-After. Counted in
    # each server process's memory (the default cache), so N processes allow N times as much.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Paperless meetings API",
    "DESCRIPTION": "Bodies, meetings, attendance and quorum; agendas, speakers and comments; "
    "votes and conflicts of interest; documents, their versions and who may read them; "
    "written-opinion polls; minutes and the verification of signed PDFs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Bodies and meetings both have a `kind`, meetings and attendance a `status`: name each
    # choice set, or the schema gets hashed names and a warning.
    "ENUM_NAME_OVERRIDES": {
        "BodyKindEnum": "meetings.models.Body.Kind",
        "MeetingKindEnum": "meetings.models.Meeting.Kind",
        "MeetingStatusEnum": "meetings.models.Meeting.Status",
        "AttendanceStatusEnum": "meetings.models.Attendance.Status",
        "AgendaItemKindEnum": "agendas.models.AgendaItem.Kind",
        "AgendaItemStatusEnum": "agendas.models.AgendaItem.Status",
        "SpeakerKindEnum": "agendas.models.Speaker.Kind",
        "SpeakerStatusEnum": "agendas.models.Speaker.Status",
        "PollSecrecyEnum": "voting.models.Poll.Secrecy",
        "PollMethodEnum": "voting.models.Poll.Method",
        "PollMajorityEnum": "voting.models.Poll.Majority",
        "PollStatusEnum": "voting.models.Poll.Status",
        "BallotAnswerEnum": "voting.models.Answer",
        "MajorityBaseEnum": "meetings.models.Body.MajorityBase",
        "ConsultationStatusEnum": "consultations.models.Consultation.Status",
        "OpinionEnum": "consultations.models.Opinion",
        "MinutesStatusEnum": "minutes.models.Minutes.Status",
        "MinutesSignatureRoleEnum": "minutes.models.MinutesSignature.Role",
        "ActionItemStatusEnum": "minutes.models.ActionItem.Status",
        "MembershipRoleEnum": "meetings.models.Membership.Role",
        "DocumentKindEnum": "documents.models.Document.Kind",
        # A document's classification and a meeting's confidentiality share their levels.
        "ConfidentialityEnum": "meetings.models.Meeting.Confidentiality",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
