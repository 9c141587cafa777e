"""In Chromium: a speaker who tries to go live long before the slot reads why and from
when; the moderator starts the session from elsewhere and the speaker's stage page says
"live" without a reload, and now going live works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.app_server import AppServer
from tests.support.stage import camera_on, live_room, organiser_posts, publish

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.server_env(FAIR_GO_LIVE_WINDOW_MINUTES="15")
async def test_early_speaker_is_told_when_and_status_follows_the_start(
    live_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    async with live_room(browser, live_server, until="stage") as room:
        base, session_id, page = room.base, room.session_id, room.speaker
        status = page.locator("[data-stage-session-state]")
        assert (await status.inner_text()) == "geplant"
        await camera_on(page)
        await page.click("[data-stage-go-live]")
        await page.wait_for_selector(".stage[data-state='error']", timeout=20_000)
        message = await page.locator("[data-stage-state]").inner_text()
        assert "Live gehen ist erst ab" in message and "Uhr" in message, message
        assert "15 Minuten vor Beginn" in message
        await page.screenshot(path=str(tmp_path / "stage-too-early.png"), full_page=True)

        await organiser_posts(base, session_id, "/live/start")
        await page.wait_for_selector("[data-stage-session-state][data-phase='live']")
        assert (await status.inner_text()) == "live"
        await publish(page)
        await page.screenshot(path=str(tmp_path / "stage-live.png"), full_page=True)
