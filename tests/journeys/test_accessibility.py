"""Pages a visitor sees pass axe-core's WCAG 2.1 A/AA rules in a real browser, in German
and English, and work without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer
from tests.support.axe import AXE, axe_problems

pytestmark = pytest.mark.browser


def _pages(base_url: str) -> list[str]:
    hall = httpx.get(f"{base_url}/booths").text
    booth = re.search(r'<a href="(/booths/[^"]+)">', hall).group(1)  # type: ignore[union-attr]
    programme = httpx.get(f"{base_url}/programme").text
    session = re.search(r'href="(/sessions/\d+)"', programme).group(1)  # type: ignore[union-attr]
    return [
        *("/", "/booths", booth, "/programme", session, "/login", "/recordings", "/nope"),
        *(
            "/impressum",
            "/datenschutz",
            "/barrierefreiheit",
            "/leichte-sprache",
            "/gebaerdensprache",
        ),
    ]


@pytest.mark.parametrize("language", ["de", "en"])
async def test_pages_pass_axe(demo_server: AppServer, browser: Any, language: str) -> None:
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    try:
        paths = _pages(demo_server.base_url)
        problems = await axe_problems(page, demo_server.base_url, paths, language)
    finally:
        await context.close()
    assert problems == {}


async def test_keyboard_skip_link_reaches_main(demo_server: AppServer, browser: Any) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    try:
        await page.goto(f"{demo_server.base_url}/booths")
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.className")
        assert focused == "skip-link"
        await page.keyboard.press("Enter")
        focused_id = await page.evaluate("document.activeElement.id")
        assert focused_id == "main"
    finally:
        await context.close()


async def test_hall_filter_works_without_javascript(demo_server: AppServer, browser: Any) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{demo_server.base_url}/booths")
        total = await page.locator(".booth-list > li").count()
        await page.select_option("#topic", index=1)
        await page.click("form.filters button[type=submit]")
        await page.wait_for_load_state()
        filtered = await page.locator(".booth-list > li").count()
        assert 0 < filtered < total
        assert "topic=" in page.url
    finally:
        await context.close()
