"""In Chromium: a speaker who tries to go live long before the slot reads why and from
when; the moderator starts the session from elsewhere and the speaker's stage page says
"live" without a reload, and now going live works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.app import TemplateDatabases, csrf_of, login
from tests.support.app_server import AppServer, start_app_server
from tests.support.stage import SPEAKER, browser_login, speaker_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest_asyncio.fixture
async def windowed_server(
    template_databases: TemplateDatabases, tmp_path: Path
) -> AsyncIterator[tuple[AppServer, Path]]:
    url = await template_databases.sqlite(seeded=True)
    server = start_app_server(tmp_path, url, extra_env={"FAIR_GO_LIVE_WINDOW_MINUTES": "15"})
    try:
        yield server, Path(url.removeprefix("sqlite+aiosqlite:///"))
    finally:
        server.stop()


async def test_early_speaker_is_told_when_and_status_follows_the_start(
    windowed_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    server, db_path = windowed_server
    base = server.base_url
    session_id = speaker_session(db_path, SPEAKER)
    context = await browser.new_context(permissions=["camera", "microphone"])
    try:
        page = await context.new_page()
        await browser_login(page, base, SPEAKER)
        await page.goto(f"{base}/sessions/{session_id}/stage")
        status = page.locator("[data-stage-session-state]")
        assert (await status.inner_text()) == "geplant"
        await page.click("[data-stage-camera]")
        await page.wait_for_selector("[data-stage-go-live]:not([disabled])")
        await page.click("[data-stage-go-live]")
        await page.wait_for_selector(".stage[data-state='error']", timeout=20_000)
        message = await page.locator("[data-stage-state]").inner_text()
        assert "Live gehen ist erst ab" in message and "Uhr" in message, message
        assert "15 Minuten vor Beginn" in message
        await page.screenshot(path=str(tmp_path / "stage-too-early.png"), full_page=True)

        async with httpx.AsyncClient(base_url=base) as organiser:
            await login(organiser, "orga@example.org")
            token = await csrf_of(organiser, "/")
            started = await organiser.post(
                f"/sessions/{session_id}/live/start", data={"csrf_token": token}
            )
            assert started.status_code == 303
        await page.wait_for_selector("[data-stage-session-state][data-phase='live']")
        assert (await status.inner_text()) == "live"
        await page.click("[data-stage-go-live]")
        await page.wait_for_selector(".stage[data-state='live']", timeout=20_000)
        await page.screenshot(path=str(tmp_path / "stage-live.png"), full_page=True)
    finally:
        await context.close()
