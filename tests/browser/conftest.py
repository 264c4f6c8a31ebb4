from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.chromium import stop_chromium


@pytest.fixture(scope="session", autouse=True)
def shared_chromium() -> Iterator[None]:
    """The browser the tests share (tests.browser.chromium) closes with the test process."""
    yield
    stop_chromium()
