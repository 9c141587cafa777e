"""The demo fair's own logo, favicon and host marks in Chromium (seeded with pictures into
the server's storage), an organiser replacing the favicon through the form, and axe-core
on the pages that show them, in German and English."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fair.app import demo_seeders
from fair.db import Database
from fair.migrate import upgrade_database
from fair.seed import seed_demo_fair
from fair.storage.local import LocalStorage
from tests.support.app import DEMO_PASSWORD
from tests.support.app_server import AppServer, start_app_server
from tests.support.axe import AXE, axe_violations
from tests.support.browser import logged_in_page
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/tmp/fair-screenshots"))


@pytest_asyncio.fixture(scope="module")
async def pictured_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AppServer]:
    """The demo fair seeded with its generated pictures (as `fair demo` does)."""
    root = tmp_path_factory.mktemp("pictured")
    database = Database(f"sqlite+aiosqlite:///{root / 'demo.db'}")
    try:
        await upgrade_database(database)
        await seed_demo_fair(
            database,
            password=DEMO_PASSWORD,
            storage=LocalStorage(root / "storage"),
            seeders=demo_seeders(),
        )
    finally:
        await database.dispose()
    server = start_app_server(root, f"sqlite+aiosqlite:///{root / 'demo.db'}")
    try:
        yield server
    finally:
        server.stop()


async def test_logo_favicon_and_host_marks_are_shown(
    pictured_server: AppServer, browser: Any
) -> None:
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    broken: list[str] = []
    page.on("response", lambda r: broken.append(r.url) if r.status >= 400 else None)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        for language in ("de", "en"):
            await page.goto(f"{pictured_server.base_url}/?lang={language}")
            logo = page.locator("a.brand img")
            assert await logo.get_attribute("alt") == "DSK26"
            assert await logo.evaluate("img => img.complete && img.naturalWidth > 0")
            icon = page.locator("link[rel=icon]")
            assert await icon.get_attribute("type") == "image/png"
            marks = page.locator(".day-list img.host-mark")
            assert await marks.count() == 5
            await page.wait_for_function(
                "[...document.querySelectorAll('img.host-mark')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            await page.screenshot(path=str(SHOTS / f"home-{language}.png"), full_page=True)
            if AXE.exists():
                assert await axe_violations(page) == []
            await page.goto(f"{pictured_server.base_url}/programme?lang={language}")
            assert await page.locator(".programme-day img.host-mark").count() >= 1
            await page.screenshot(path=str(SHOTS / f"programme-{language}.png"))
            if AXE.exists():
                assert await axe_violations(page) == []
        assert broken == []
    finally:
        await context.close()


async def test_organiser_replaces_the_favicon(
    pictured_server: AppServer, browser: Any, tmp_path: Path
) -> None:
    icon = tmp_path / "icon.png"
    icon.write_bytes(picture_bytes((256, 256)))
    context, page = await logged_in_page(
        browser, pictured_server, "orga@example.org", bypass_csp=True
    )
    try:
        await page.goto(f"{pictured_server.base_url}/organiser/branding")
        before = await page.locator("link[rel=icon]").get_attribute("href")
        await page.set_input_files("#favicon-file", str(icon))
        await page.click("form[action='/organiser/branding/favicon'] button")
        await page.wait_for_url("**/organiser/branding?saved=1*")
        after = await page.locator("link[rel=icon]").get_attribute("href")
        assert after != before and after.endswith("/32.png")
        await page.screenshot(path=str(SHOTS / "branding-form.png"), full_page=True)
        if AXE.exists():
            assert await axe_violations(page) == []
    finally:
        await context.close()
