from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.chromium import stop_chromium


@pytest.fixture
def screenshot_dir() -> Path | None:
    """Where `make screenshots` wants the README pictures; None in ordinary runs."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return None
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def shared_chromium() -> Iterator[None]:
    """The browser the tests share (tests.browser.chromium) closes with the test process."""
    yield
    stop_chromium()
