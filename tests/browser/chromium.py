"""Headless Chromium for browser tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Playwright, sync_playwright

# Debian's Chromium: Playwright cannot download its own browser on these machines.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


class _Shared:
    """Playwright's driver and one Chromium for the whole test process: starting them takes
    seconds, a fresh browser context per test a few milliseconds."""

    playwright: Playwright | None = None
    loop: asyncio.AbstractEventLoop | None = None
    browser: Browser | None = None


@contextmanager
def chromium() -> Iterator[Browser]:
    """The browser, for the block. Each test opens its own contexts in it, closed after the
    block. Open it only once the test data is built: while Playwright's sync API is in use, its
    event loop counts as running in this thread, and Django refuses ORM calls under a running
    loop. Between blocks nothing runs on that loop, and it is marked as not running, so that the
    next tests (and this one, after the block) may use the database."""
    if _Shared.playwright is None:
        _Shared.playwright = sync_playwright().start()
        _Shared.loop = asyncio.get_running_loop()
    else:
        asyncio._set_running_loop(_Shared.loop)
    try:
        if _Shared.browser is None or not _Shared.browser.is_connected():
            _Shared.browser = _Shared.playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        yield _Shared.browser
    finally:
        try:
            if _Shared.browser is not None and _Shared.browser.is_connected():
                for context in _Shared.browser.contexts:
                    context.close()
        finally:
            asyncio._set_running_loop(None)


def stop_chromium() -> None:
    """Close the browser and the driver at the end of the test process."""
    if _Shared.playwright is None:
        return
    asyncio._set_running_loop(_Shared.loop)
    try:
        if _Shared.browser is not None and _Shared.browser.is_connected():
            _Shared.browser.close()
    finally:
        _Shared.playwright.stop()
        _Shared.playwright = _Shared.browser = _Shared.loop = None
