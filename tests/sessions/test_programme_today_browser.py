"""In Chromium: during the fair the programme opens on today's day (the fair's clock,
FAIR_TODAY), marked "Heute"; before the fair it opens at the top with no day marked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer, start_app_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
THIRD_DAY = "2026-12-02T10:00"


@pytest_asyncio.fixture
async def third_day_server(
    template_databases: TemplateDatabases, tmp_path: Path
) -> AsyncIterator[AppServer]:
    url = await template_databases.sqlite(seeded=True)
    server = start_app_server(tmp_path, url, extra_env={"FAIR_TODAY": THIRD_DAY})
    try:
        yield server
    finally:
        server.stop()


async def test_programme_opens_on_today(
    third_day_server: AppServer, browser: Any, tmp_path: Path
) -> None:
    base = third_day_server.base_url
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{base}/programme")
        today = page.locator("section[data-today]")
        assert await today.count() == 1
        heading = await today.locator("h2").inner_text()
        assert "Heute" in heading and "2. Dezember" in heading, heading
        await page.wait_for_function("() => window.scrollY > 0")
        top = await page.evaluate(
            "() => document.querySelector('section[data-today]').getBoundingClientRect().top"
        )
        assert abs(top) < 5, top  # today's day is at the top of the window
        await page.screenshot(path=str(tmp_path / "programme-today.png"))
        # grouped by stage there is no single "today" to jump to
        await page.goto(f"{base}/programme?by=stage")
        assert await page.locator("section[data-today]").count() == 0
        assert await page.evaluate("() => window.scrollY") == 0
    finally:
        await context.close()
    with httpx.Client(base_url=base) as visitor:
        visitor.get("/lang/en")
        english = visitor.get("/programme").text
    assert '<span class="badge">Today</span>' in english


async def test_before_the_fair_no_day_is_today(
    template_databases: TemplateDatabases, tmp_path: Path
) -> None:
    url = await template_databases.sqlite(seeded=True)
    server = start_app_server(tmp_path, url)  # the day before the fair
    try:
        page = httpx.get(f"{server.base_url}/programme")
        assert page.status_code == 200 and "data-today" not in page.text
    finally:
        server.stop()
