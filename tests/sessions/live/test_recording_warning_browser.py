"""The viewers' page says when the recording is at risk (the spool disk is full: the
recorder leaves its marker), in a polite live region, once — not at every status poll."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from sessions.live.recorder import SPOOL_FULL_NAME
from tests.support.app_server import AppServer
from tests.support.stage import SPEAKER, speaker_session

pytestmark = [pytest.mark.browser]


async def test_viewer_page_warns_once_when_the_spool_is_full(
    live_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    server, db_path = live_server
    session_id = speaker_session(db_path, SPEAKER)
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{server.base_url}/sessions/{session_id}")
        warning = page.locator("[data-live-recording-warning]")
        assert await warning.is_hidden()
        assert await warning.get_attribute("role") == "status"  # polite
        await page.evaluate(
            """() => { window.warningWrites = 0;
                 new MutationObserver((m) => { window.warningWrites += m.length; }).observe(
                   document.querySelector('[data-live-recording-warning]'),
                   {childList: true, characterData: true, subtree: true}); }"""
        )
        # the recorder's marker, as sessions/live/recorder.py leaves it on ENOSPC
        seat = server_spool(tmp_path) / str(session_id) / "0"
        seat.mkdir(parents=True)
        (seat / SPOOL_FULL_NAME).write_text("")
        await warning.wait_for(state="visible", timeout=15_000)
        assert "Aufzeichnung ist gefährdet" in await warning.inner_text()
        polls_until = time.monotonic() + 7  # two more status polls (every 3 s)
        while time.monotonic() < polls_until:
            await asyncio.sleep(0.5)
        assert await page.evaluate("() => window.warningWrites") == 1  # said once
        await page.screenshot(path=str(tmp_path / "recording-warning.png"), full_page=True)
    finally:
        await context.close()


def server_spool(tmp_path: Path) -> Path:
    """The spool folder of the test's app server (tests/support/app_server.py)."""
    return tmp_path / "spool"
