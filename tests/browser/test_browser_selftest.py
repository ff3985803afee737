"""The browser the page tests use is a real Chromium that renders and screenshots a page
served on loopback."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.async_api import Browser
from sentra_local.browser import screenshots_dir
from sentra_local.testing import serving


async def test_chromium_renders_a_loopback_page_and_saves_a_screenshot(browser: Browser) -> None:
    app = FastAPI()

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>t</title><h1 id=h>Halo, Sragen</h1>")

    async with serving(app) as url:
        tab = await browser.new_page()
        await tab.goto(url)
        assert await tab.inner_text("#h") == "Halo, Sragen"
        shot = screenshots_dir() / "browser-selftest.png"
        await tab.screenshot(path=str(shot))
        await tab.close()
    assert shot.read_bytes().startswith(b"\x89PNG")
