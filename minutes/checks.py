"""Start-up checks: the minutes cannot be rendered without their font, nor signed with a token
whose module is missing, nor with kept key files whose path names no signer, so say so at once
(`manage.py check`, and every server start) rather than when a chair approves or signs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from minutes.layout import FONT_FILES


@register()
def font_present(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    folder = Path(settings.PDF_FONT_DIR)
    missing = [name for name in FONT_FILES.values() if not (folder / name).is_file()]
    if not missing:
        return []
    return [
        Error(
            f"The minutes' font is missing: {', '.join(missing)} not in {folder}.",
            hint=f"Set PDF_FONT_DIR to a folder holding {', '.join(FONT_FILES.values())} "
            "(the project ships them in fonts/).",
            id="minutes.E001",
        )
    ]


@register()
def token_module_present(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A token module that is not there would only be noticed when a chair signs."""
    module = settings.MINUTES_PKCS11_MODULE
    if not module or Path(module).is_file():
        return []
    return [
        Error(
            f"MINUTES_PKCS11_MODULE names {module}, which is not a file.",
            hint="Install the token's PKCS#11 module (for SoftHSM2, Debian softhsm2) or "
            "correct MINUTES_PKCS11_MODULE; leave it empty to sign with key files only.",
            id="minutes.E002",
        )
    ]


@register()
def key_file_path_per_signer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A path without "{username}" would give every signer the same key, so that the
    certificate in a signature would no longer say who signed."""
    template = settings.MINUTES_PKCS12_PATH
    if not template or "{username}" in template:
        return []
    return [
        Error(
            f"MINUTES_PKCS12_PATH is {template}, the same file for every signer.",
            hint='Put "{username}" where the signer\'s user name goes, e.g. '
            "/srv/keys/{username}.p12; leave it empty to keep no key files on the server.",
            id="minutes.E003",
        )
    ]
