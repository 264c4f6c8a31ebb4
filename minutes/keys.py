"""Which ways of signing the server offers, and where it keeps the signers' key files
(MINUTES_PKCS12_PATH, MINUTES_PKCS12_PASSPHRASE, MINUTES_PKCS11_MODULE)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User

from minutes import signing


def stored_key_signing_enabled() -> bool:
    return bool(settings.MINUTES_PKCS12_PATH)


def stored_key_passphrase_asked() -> bool:
    """The signer types the kept file's passphrase, unless the server holds it."""
    return not settings.MINUTES_PKCS12_PASSPHRASE


def stored_key_path(user: User) -> Path | None:
    if not stored_key_signing_enabled():
        return None
    return signing.key_file_path(settings.MINUTES_PKCS12_PATH, user.username)


def stored_key_available(user: User) -> bool:
    """Whether the server keeps a key file for this user (so the screen offers it)."""
    path = stored_key_path(user)
    return path is not None and path.is_file()


def token_signing_enabled() -> bool:
    return bool(settings.MINUTES_PKCS11_MODULE)
