"""Settings read the environment at import time, so each case runs in a fresh interpreter.

The child gets a clean environment (only what each case sets), runs from the project root and
prints what it found as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Print the settings a deployment controls, after django.setup() has loaded every app.
REPORT = """
import json

import django
from django.conf import settings

django.setup()
database = settings.DATABASES["default"]
layer = settings.CHANNEL_LAYERS["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "SITE_URL": settings.SITE_URL,
    "database": {
        key: database[key]
        for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "CONN_MAX_AGE")
    },
    "database_pool": database.get("OPTIONS", {}).get("pool"),
    "channel_backend": layer["BACKEND"],
    "channel_config": layer.get("CONFIG"),
    "SERVE_STATIC": settings.SERVE_STATIC,
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "TIME_ZONE": settings.TIME_ZONE,
    "EMAIL": [settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT,
              settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS],
    "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
    "CHECK_IN_OPENS_HOURS": settings.CHECK_IN_OPENS_HOURS,
    "PDF_FONT_DIR": str(settings.PDF_FONT_DIR),
    "LOG_LEVEL": settings.LOGGING["root"]["level"],
}))
"""


def run_python(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter with only `env` (plus PATH and a scratch VAR_DIR)."""
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def report(env: dict[str, str], tmp_path: Path) -> dict:
    result = run_python(REPORT, env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "development-only-secret-key-do-not-use-in-production"],
    ids=["unset", "empty", "development-default"],
)
def test_debug_off_refuses_to_start_without_a_secret_key(
    tmp_path: Path, secret_key: str | None
) -> None:
    env = {"DEBUG": "0"}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = run_python("import django; django.setup()", env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_off_starts_with_a_secret_key(tmp_path: Path) -> None:
    result = run_python(
        "import django; django.setup(); print('started')",
        {"DEBUG": "0", "SECRET_KEY": "a-long-random-value-for-this-test-only"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_defaults_serve_make_run(tmp_path: Path) -> None:
    """With nothing set: debug, SQLite under VAR_DIR, one process's in-memory channel layer."""
    found = report({}, tmp_path)
    assert found["DEBUG"] is True
    assert found["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert found["database"]["ENGINE"] == "django.db.backends.sqlite3"
    assert found["database"]["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert found["channel_backend"] == "channels.layers.InMemoryChannelLayer"
    assert found["SERVE_STATIC"] is True
    assert found["STATIC_ROOT"] == str(tmp_path / "var" / "static")
    assert found["MEDIA_ROOT"] == str(tmp_path / "var" / "media")
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["EMAIL"][0] == "django.core.mail.backends.console.EmailBackend"


def test_make_run_needs_no_system_fonts(tmp_path: Path) -> None:
    """The PDFs' font ships with the project, so a machine without any font installed passes
    the start-up checks that `migrate` runs first."""
    found = report({}, tmp_path)
    assert found["PDF_FONT_DIR"] == str(ROOT / "fonts")
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"):
        assert (ROOT / "fonts" / name).is_file()
    result = run_python(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--fail-level', 'ERROR'])",
        {},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_production_environment_is_parsed(tmp_path: Path) -> None:
    found = report(
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-long-random-value-for-this-test-only",
            "ALLOWED_HOSTS": " meetings.example.org, ,10.0.0.5 ",
            "CSRF_TRUSTED_ORIGINS": "https://meetings.example.org",
            "SITE_URL": "https://meetings.example.org/",
            "DATABASE_URL": "postgres://meet:s3cret@db.example.org:6543/meetingsdb",
            "DATABASE_POOL_SIZE": "12",
            "REDIS_URL": "redis://redis.example.org:6380/2",
            "SERVE_STATIC": "0",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LANGUAGE_CODE": "vi",
            "TIME_ZONE": "UTC",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_HOST_USER": "mailer",
            "EMAIL_HOST_PASSWORD": "mail-secret",
            "EMAIL_USE_TLS": "yes",
            "DEFAULT_FROM_EMAIL": "secretariat@example.org",
            "CHECK_IN_OPENS_HOURS": "6",
            "LOG_LEVEL": "WARNING",
        },
        tmp_path,
    )
    assert found["DEBUG"] is False
    assert found["ALLOWED_HOSTS"] == ["meetings.example.org", "10.0.0.5"]
    assert found["CSRF_TRUSTED_ORIGINS"] == ["https://meetings.example.org"]
    assert found["SITE_URL"] == "https://meetings.example.org"
    assert found["database"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "meetingsdb",
        "USER": "meet",
        "PASSWORD": "s3cret",
        "HOST": "db.example.org",
        "PORT": 6543,
        "CONN_MAX_AGE": 0,
    }
    # A bounded pool per process: a burst of requests waits for a connection instead of
    # opening more than PostgreSQL allows.
    assert found["database_pool"]["max_size"] == 12
    assert found["channel_backend"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    [host] = found["channel_config"]["hosts"]
    assert host["address"] == "redis://redis.example.org:6380/2"
    # See config/settings.py: redis-py's defaults lose messages and run out of connections.
    assert host["socket_timeout"] is None
    assert host["max_connections"] >= 1000
    assert found["SERVE_STATIC"] is False
    assert found["MEDIA_ROOT"] == str(tmp_path / "media")
    # Secure cookies follow DEBUG unless SECURE_COOKIES says otherwise.
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["LANGUAGE_CODE"] == "vi"
    assert found["TIME_ZONE"] == "UTC"
    assert found["EMAIL"] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        587,
        "mailer",
        "mail-secret",
        True,
    ]
    assert found["DEFAULT_FROM_EMAIL"] == "secretariat@example.org"
    assert found["CHECK_IN_OPENS_HOURS"] == 6
    assert found["LOG_LEVEL"] == "WARNING"


def test_secure_cookies_can_be_turned_off_for_plain_http(tmp_path: Path) -> None:
    found = report(
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-long-random-value-for-this-test-only",
            "SECURE_COOKIES": "0",
        },
        tmp_path,
    )
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["CSRF_COOKIE_SECURE"] is False


def test_production_sends_hsts_and_can_redirect_to_https(tmp_path: Path) -> None:
    production = {"DEBUG": "0", "SECRET_KEY": "a-long-random-value-for-this-test-only"}
    found = report(production, tmp_path)
    assert found["SECURE_HSTS_SECONDS"] == 31536000
    assert found["SECURE_SSL_REDIRECT"] is False
    assert report({**production, "SECURE_SSL_REDIRECT": "1"}, tmp_path)["SECURE_SSL_REDIRECT"]
    assert report({}, tmp_path)["SECURE_HSTS_SECONDS"] == 0  # DEBUG, the development default


# Ask the ASGI application for one of the admin's static files, as the server would.
STATIC_REQUEST = """
import asyncio

from asgiref.testing import ApplicationCommunicator

from config.asgi import application


async def main():
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/static/admin/css/base.css", "raw_path": b"",
        "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost")],
        "server": ("localhost", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    print(start["status"])


asyncio.run(main())
"""


@pytest.mark.parametrize(("serve_static", "status"), [("1", 200), ("0", 404)])
def test_serve_static_decides_whether_the_application_serves_static_files(
    tmp_path: Path, serve_static: str, status: int
) -> None:
    """Behind nginx (SERVE_STATIC=0) the application leaves /static/ to nginx."""
    result = run_python(
        STATIC_REQUEST,
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-long-random-value-for-this-test-only",
            "ALLOWED_HOSTS": "localhost",
            "SERVE_STATIC": serve_static,
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(status)
