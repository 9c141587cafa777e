"""The media worker killed while a speaker sends from Chromium (fake camera) and a viewer
watches in another browser: nobody reloads, and neither page reloads itself (a window
property set before the kill is still there after). The stage page says what happened
and publishes again by itself, the viewer's player reconnects and shows moving video
again, and the organiser sees the restart on the stage page."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer
from tests.support.journey_helpers import poll
from tests.support.live_helpers import media_worker_pids
from tests.support.stage import frames_decoded, live_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]
INTERRUPTED = "Die Übertragung wurde kurz unterbrochen und wird fortgesetzt"


async def test_pages_reconnect_by_themselves_after_the_worker_restarts(
    live_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    async with live_room(browser, live_server) as room:
        server, base, session_id, speaker = room.server, room.base, room.session_id, room.speaker
        viewer = await room.watch()

        async def frames_over(count: int) -> bool:
            return await frames_decoded(viewer) > count

        await poll(lambda: frames_over(30), 30, "viewer decoded no video")
        for page in (speaker, viewer):  # a reload would forget this
            await page.evaluate("() => { window.notReloaded = true; }")
        [worker] = media_worker_pids(server)
        os.kill(worker, signal.SIGKILL)

        # the viewer is told what happened (the status says "interrupted" until the
        # speaker's page has published again)
        async def viewer_told() -> bool:
            text = await viewer.text_content("[data-live-state]") or ""
            return INTERRUPTED in text

        await poll(viewer_told, 20, "viewer page does not say the broadcast was interrupted")
        await speaker.screenshot(path=str(tmp_path / "stage-interrupted.png"))
        await viewer.screenshot(path=str(tmp_path / "viewer-interrupted.png"))

        # the speaker's page publishes again by itself; the stage is live again
        async def live_again() -> bool:
            status = httpx.get(f"{base}/sessions/{session_id}/live").json()
            return status["state"] == "live" and status["worker_restarts"] == 1

        await poll(live_again, 40, "the stage page did not publish again by itself")
        await speaker.wait_for_selector(".stage[data-state='live']", timeout=20_000)
        note = await speaker.wait_for_selector("[data-stage-restart]:not([hidden])")
        assert "neu gestartet" in (await note.text_content() or "")

        # the viewer's player reconnects (new tiles) and plays moving video, no reload
        async def moving() -> bool:
            before = await frames_decoded(viewer)
            await asyncio.sleep(2)
            return await frames_decoded(viewer) - before >= 20

        await poll(moving, 40, "viewer shows no moving video again")
        assert await viewer.text_content("[data-live-state]") == "Live"
        for page in (speaker, viewer):  # both pages recovered in place, neither reloaded
            assert await page.evaluate("() => window.notReloaded === true"), page.url
        await speaker.screenshot(path=str(tmp_path / "stage-restarted.png"))
        await viewer.screenshot(path=str(tmp_path / "viewer-restarted.png"))
