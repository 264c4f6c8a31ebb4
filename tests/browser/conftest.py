from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def screenshot_dir() -> Path | None:
    """Where `make screenshots` wants the README pictures; None in ordinary runs."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return None
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path
