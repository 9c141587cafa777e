"""Live HLS in a real browser: a speaker publishes from Chromium's fake camera; a viewer
beyond the WebRTC limit is switched to HLS, plays it through hls.js, jumps back to the
talk's beginning while it is live (relive) and returns to live; after the end the same
playlist is the recording (VOD)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer
from tests.support.journey_helpers import poll
from tests.support.stage import live_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _position(page: Any) -> float:
    return float(await page.evaluate("() => document.querySelector('video[data-hls]').currentTime"))


# every viewer is beyond the WebRTC limit: the page must fall back to HLS by itself
@pytest.mark.server_env(FAIR_LIVE_WEBRTC_MAX_VIEWERS="0")
async def test_viewer_plays_hls_relives_from_the_start_and_returns_to_live(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    async with live_room(browser, live_server) as room:
        server, base, session_id = room.server, room.base, room.session_id
        await asyncio.sleep(14)  # some talk to look back at
        errors: list[str] = []
        viewer = await room.watch(pageerror=lambda error: errors.append(str(error)))
        await viewer.wait_for_selector(".live[data-mode='hls'] video[data-hls]", timeout=30_000)

        async def playing() -> bool:
            return await _position(viewer) > 1.0

        await poll(playing, 30, "hls.js never started playing")
        # At the live edge the player waits for each 2 s segment, which comes late on a
        # loaded machine: ask for 3 s of progress over 8 s.
        start = await _position(viewer)
        await asyncio.sleep(8)
        assert await _position(viewer) - start >= 3.0, "currentTime does not advance"
        mode = await viewer.inner_text("[data-live-mode]")
        assert "HLS" in mode and "ausgelastet" in mode, mode
        live_position = await _position(viewer)
        assert live_position > 5, "a latecomer starts near the live edge, not at 0"
        await viewer.screenshot(path="/tmp/i13/hls-live.png", full_page=True)

        await viewer.click("[data-live-relive]")  # relive: back to the beginning

        async def at_start() -> bool:
            return await _position(viewer) < 3.0

        await poll(at_start, 20, "relive did not jump to the start")

        async def plays_from_start() -> bool:
            return 1.0 < await _position(viewer) < 8

        await poll(plays_from_start, 20, "playback from the start does not continue")
        await viewer.click("[data-live-edge]")

        async def back_live() -> bool:
            return await _position(viewer) > live_position

        await poll(back_live, 20, "did not return to live")
        await viewer.screenshot(path="/tmp/i13/hls-relive.png", full_page=True)
        assert not errors, errors

        await room.end()

    async def vod_listed() -> bool:
        status = httpx.get(f"{base}/sessions/{session_id}/live").json()
        master = httpx.get(f"{base}{status['hls_url']}")
        if master.status_code != 200:
            return False
        seat = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
        media = httpx.get(f"{base}/sessions/{session_id}/hls/{seat}")
        return media.text.rstrip().endswith("#EXT-X-ENDLIST")

    await poll(vod_listed, 30, "the playlist did not become the recording")
    assert list((server.log_path.parent / "storage" / "recordings").rglob("*.mp4"))

    # the recordings library plays the MP4 assembled from the same segments
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{base}/sessions/{session_id}")
        video = page.locator("video.recording-video").first
        await video.evaluate("v => { v.muted = true; return v.play(); }")

        async def recording_plays() -> bool:
            return float(await video.evaluate("v => v.currentTime")) > 1.0

        await poll(recording_plays, 20, "the recording does not play")
    finally:
        await context.close()
