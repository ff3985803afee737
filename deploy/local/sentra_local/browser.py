"""A real, headless Chromium for browser tests: the system's Debian `chromium`, driven by
Playwright, never a downloaded browser build.

The flags keep Chromium from reaching out to the network on its own (updates, sync, safe
browsing): the tests only ever open pages served on loopback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, async_playwright

from sentra_local.paths import state_dir

QUIET_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests may run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
)


class NoBrowser(RuntimeError):
    pass


def chromium_path() -> str:
    """`SENTRA_CHROMIUM`, else `chromium` on the PATH (Debian installs /usr/bin/chromium)."""
    configured = os.environ.get("SENTRA_CHROMIUM")
    found = configured or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise NoBrowser(
            "no Chromium found: install Debian's `chromium` package (`.ci/run` does) or set "
            "SENTRA_CHROMIUM to its path"
        )
    return found


def screenshots_dir() -> Path:
    path = state_dir() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=list(QUIET_FLAGS), headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()
