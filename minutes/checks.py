"""Start-up checks: the minutes cannot be rendered without their font, so say so at once
(`manage.py check`, and every server start) rather than when a chair approves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from minutes.layout import FONT_FILES


@register()
def font_present(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    folder = Path(settings.MINUTES_FONT_DIR)
    missing = [name for name in FONT_FILES.values() if not (folder / name).is_file()]
    if not missing:
        return []
    return [
        Error(
            f"The minutes' font is missing: {', '.join(missing)} not in {folder}.",
            hint="Install DejaVu Sans (Debian: fonts-dejavu-core) or set MINUTES_FONT_DIR to "
            "a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.",
            id="minutes.E001",
        )
    ]
