"""An organiser imports a pretalx schedule.json in headless Chromium, re-imports it with
one title changed and reads the report (German, then English); the report page passes
axe-core. Runs against its own server so the shared demo server keeps its programme."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.app_server import AppServer
from tests.support.paths import SCHEDULE_FIXTURES

pytestmark = pytest.mark.browser
FIXTURES = SCHEDULE_FIXTURES


@pytest.fixture
def import_server(live_server: tuple[AppServer, Path]) -> AppServer:
    """The demo fair served by its own process, whose programme this test may change."""
    return live_server[0]


async def _upload(page: Any, base: str, path: Path, language: str) -> str:
    await page.goto(f"{base}/organiser/programme/import?lang={language}")
    await page.set_input_files("#schedule", str(path))
    await page.click("form.stack button[type=submit]")
    await page.wait_for_load_state()
    return str(await page.locator("main").inner_text())


async def test_organiser_imports_and_reads_the_report(
    import_server: AppServer, browser: Any, tmp_path: Path
) -> None:
    from tests.support.axe import axe_violations

    base = import_server.base_url
    democon = FIXTURES / "pretalx-democon.json"
    changed = tmp_path / "schedule.json"
    document = json.loads(democon.read_text())
    first_day = document["schedule"]["conference"]["days"][0]
    room, events = next((r, e) for r, e in first_day["rooms"].items() if e)
    old_title = events[0]["title"]
    events[0]["title"] = "Neuer Titel aus pretalx"
    changed.write_text(json.dumps(document))

    context = await browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{base}/login")
        await page.fill("#email", "orga@example.org")
        await page.fill("#password", "demo-passwort")
        await page.click("form.stack button[type=submit]")
        await page.wait_for_url(f"{base}/organiser/programme")  # the organiser's home

        text = await _upload(page, base, democon, "de")
        assert "Import abgeschlossen (schedule.json)" in text
        assert "36 neu, 0 geändert, 0 unverändert, 0 übersprungen." in text
        assert "Neue Bühnen" in text and room in text and old_title not in text
        await page.click("summary:has-text('Neu angelegt (36)')")
        assert old_title in await page.locator("main").inner_text()
        await page.click("summary:has-text('Neue Mitwirkende')")
        await page.screenshot(path=str(tmp_path / "import-created-de.png"), full_page=True)
        assert await axe_violations(page) == []

        text = await _upload(page, base, changed, "en")
        assert "0 new, 1 changed, 35 unchanged, 0 skipped." in text
        assert "Neuer Titel aus pretalx: Title" in text
        assert "New stages" not in text
        await page.screenshot(path=str(tmp_path / "import-changed-en.png"), full_page=True)
        assert await axe_violations(page) == []
        await page.click("text=Neuer Titel aus pretalx")
        await page.wait_for_load_state()
        assert await page.locator("#title").input_value() == "Neuer Titel aus pretalx"

        # 31C3 (frab, 2014): a talk at 00:15 stays on the evening's conference day
        text = await _upload(page, base, FIXTURES / "31c3-frab-2014.xml", "de")
        assert "138 neu, 0 geändert, 0 unverändert, 0 übersprungen." in text
        await page.goto(f"{base}/programme")
        day = page.locator("section", has=page.locator("h2", has_text="28.12.2014"))
        late = day.locator("li.session-item", has_text="00:15")
        assert await late.count() == 2
        assert "(am 29.12.)" in await late.first.inner_text()
        await late.first.scroll_into_view_if_needed()
        await page.screenshot(path=str(tmp_path / "programme-late-de.png"))
    finally:
        await context.close()
