"""Live HLS in a real browser: a speaker publishes from Chromium's fake camera; a viewer
beyond the WebRTC limit is switched to HLS, plays it through hls.js, jumps back to the
talk's beginning while it is live (relive) and returns to live; after the end the same
playlist is the recording (VOD)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer, start_app_server
from tests.support.stage import go_live, speaker_session, wait_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SPEAKER = "henning.wiebusch@example.org"


@pytest_asyncio.fixture
async def hls_server(
    template_databases: TemplateDatabases, tmp_path: Path
) -> AsyncIterator[tuple[AppServer, Path]]:
    url = await template_databases.sqlite(seeded=True)
    # every viewer is beyond the WebRTC limit: the page must fall back to HLS by itself
    server = start_app_server(tmp_path, url, extra_env={"FAIR_LIVE_WEBRTC_MAX_VIEWERS": "0"})
    try:
        yield server, Path(url.removeprefix("sqlite+aiosqlite:///"))
    finally:
        server.stop()


async def _position(page: Any) -> float:
    return float(await page.evaluate("() => document.querySelector('video[data-hls]').currentTime"))


async def test_viewer_plays_hls_relives_from_the_start_and_returns_to_live(
    hls_server: tuple[AppServer, Path], browser: Any
) -> None:
    server, db_path = hls_server
    base = server.base_url
    session_id = speaker_session(db_path, SPEAKER)
    speaker_context = await browser.new_context(permissions=["camera", "microphone"])
    viewer_context = await browser.new_context()
    try:
        speaker = await go_live(speaker_context, base, SPEAKER, session_id)
        await asyncio.sleep(14)  # some talk to look back at
        viewer = await viewer_context.new_page()
        errors: list[str] = []
        viewer.on("pageerror", lambda error: errors.append(str(error)))
        await viewer.goto(f"{base}/sessions/{session_id}")
        await viewer.wait_for_selector(".live[data-state='live']", timeout=10_000)
        await viewer.click("[data-live-join]")
        await viewer.wait_for_selector(".live[data-mode='hls'] video[data-hls]", timeout=30_000)

        async def playing() -> bool:
            return await _position(viewer) > 1.0

        await wait_or_fail(playing, 30, "hls.js never started playing")
        start = await _position(viewer)
        await asyncio.sleep(3)
        assert await _position(viewer) - start >= 2.0, "currentTime does not advance"
        mode = await viewer.inner_text("[data-live-mode]")
        assert "HLS" in mode and "ausgelastet" in mode, mode
        live_position = await _position(viewer)
        assert live_position > 5, "a latecomer starts near the live edge, not at 0"
        await viewer.screenshot(path="/tmp/i13/hls-live.png", full_page=True)

        await viewer.click("[data-live-relive]")  # relive: back to the beginning

        async def at_start() -> bool:
            return await _position(viewer) < 3.0

        await wait_or_fail(at_start, 20, "relive did not jump to the start")

        async def plays_from_start() -> bool:
            return 1.0 < await _position(viewer) < 8

        await wait_or_fail(plays_from_start, 20, "playback from the start does not continue")
        await viewer.click("[data-live-edge]")

        async def back_live() -> bool:
            return await _position(viewer) > live_position

        await wait_or_fail(back_live, 20, "did not return to live")
        await viewer.screenshot(path="/tmp/i13/hls-relive.png", full_page=True)
        assert not errors, errors

        speaker.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await speaker.click("form[data-confirm] button[type=submit]")
        await speaker.wait_for_url(f"{base}/sessions/{session_id}/stage")
    finally:
        await speaker_context.close()
        await viewer_context.close()

    async def vod_listed() -> bool:
        status = httpx.get(f"{base}/sessions/{session_id}/live").json()
        master = httpx.get(f"{base}{status['hls_url']}")
        if master.status_code != 200:
            return False
        seat = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
        media = httpx.get(f"{base}/sessions/{session_id}/hls/{seat}")
        return media.text.rstrip().endswith("#EXT-X-ENDLIST")

    await wait_or_fail(vod_listed, 30, "the playlist did not become the recording")
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

        await wait_or_fail(recording_plays, 20, "the recording does not play")
    finally:
        await context.close()
