"""The live stage end to end: a speaker publishes from Chromium (fake camera and
microphone), a second browser watches and decodes frames, the moderator ends the talk,
and the recording is in storage, plays over HTTP with ranges, and PyAV opens and seeks it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
import pytest_asyncio

from tests.app_server import AppServer, start_app_server
from tests.conftest import DEMO_PASSWORD, TemplateDatabases

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SPEAKER = "henning.wiebusch@example.org"


@pytest_asyncio.fixture
async def live_server(
    template_databases: TemplateDatabases, tmp_path: Path
) -> AsyncIterator[tuple[AppServer, Path]]:
    url = await template_databases.sqlite(seeded=True)
    server = start_app_server(tmp_path, url)
    try:
        yield server, Path(url.removeprefix("sqlite+aiosqlite:///"))
    finally:
        server.stop()


def _speaker_session(db_path: Path, email: str) -> int:
    """A session of ``email``'s speaker that will be recorded."""
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            """SELECT ps.id FROM programme_sessions ps
               JOIN session_speakers ss ON ss.session_id = ps.id
               JOIN speakers sp ON sp.id = ss.speaker_id
               JOIN users u ON u.id = sp.user_id
               WHERE u.email = ? AND ps.do_not_record = 0 ORDER BY ps.id LIMIT 1""",
            (email,),
        ).fetchone()
    assert row, f"{email} speaks in no recorded session"
    return int(row[0])


async def _login(page: Any, base: str, email: str) -> None:
    await page.goto(f"{base}/login?next=/")  # stay on the home page, not the role home
    await page.fill("#email", email)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url(f"{base}/")


async def _frames(page: Any) -> int:
    return int(
        await page.evaluate(
            """() => Math.max(0, ...[...document.querySelectorAll('[data-live-player] video')]
                 .map(v => v.getVideoPlaybackQuality().totalVideoFrames))"""
        )
    )


async def test_speaker_publishes_viewer_watches_recording_is_stored(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    server, db_path = live_server
    base = server.base_url
    session_id = _speaker_session(db_path, SPEAKER)

    speaker_context = await browser.new_context(permissions=["camera", "microphone"])
    viewer_context = await browser.new_context()
    try:
        speaker = await speaker_context.new_page()
        await _login(speaker, base, SPEAKER)
        await speaker.goto(f"{base}/sessions/{session_id}/stage")
        await speaker.click("[data-stage-camera]")
        await speaker.wait_for_selector("[data-stage-go-live]:not([disabled])")
        await speaker.click("[data-stage-go-live]")
        await speaker.wait_for_selector(".stage[data-state='live']", timeout=20_000)
        live_since = time.monotonic()

        viewer = await viewer_context.new_page()
        await viewer.goto(f"{base}/sessions/{session_id}")
        await viewer.wait_for_selector(".live[data-state='live']", timeout=10_000)
        await viewer.click("[data-live-join]")
        deadline = time.monotonic() + 20
        while await _frames(viewer) < 30:
            assert time.monotonic() < deadline, "viewer decoded no video"
            await asyncio.sleep(0.25)
        first_picture_after = time.monotonic() - live_since
        status = httpx.get(f"{base}/sessions/{session_id}/live").json()
        assert status["state"] == "live"
        assert status["viewers"] >= 1
        frames_before = await _frames(viewer)
        await asyncio.sleep(4)
        frames_after = await _frames(viewer)
        assert frames_after - frames_before >= 4 * 12, "viewer falls below 12 fps"

        speaker.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        ended_at = time.monotonic()
        await speaker.click("form[data-confirm] button[type=submit]")
        await speaker.wait_for_url(f"{base}/sessions/{session_id}/stage")
        expected = ended_at - live_since
        await viewer.wait_for_selector(".live[data-state='ended']", timeout=10_000)
    finally:
        await speaker_context.close()
        await viewer_context.close()

    # the recording reaches storage and the session page
    deadline = time.monotonic() + 30
    page = ""
    while time.monotonic() < deadline:
        page = httpx.get(f"{base}/sessions/{session_id}").text
        if "recording-video" in page:
            break
        await asyncio.sleep(0.5)
    match = re.search(r'src="(/sessions/\d+/recordings/\d+)"', page)
    assert match, server.log()[-3000:]
    files = list(
        (server.log_path.parent / "storage" / "recordings" / str(session_id)).glob("*.mp4")
    )
    assert len(files) == 1
    assert not list((server.log_path.parent / "spool").glob("*/*.mp4*")), "spool not emptied"

    with av.open(str(files[0])) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert container.streams.audio, "no audio track"
        duration = float(container.duration or 0) / av.time_base
        assert abs(duration - expected) <= 2.0, (duration, expected, first_picture_after)
        middle = duration / 2
        container.seek(int(middle / video.time_base), stream=video)
        frame = next(container.decode(video))
        assert frame.time is not None and abs(frame.time - middle) < 2.5

    ranged = httpx.get(f"{base}{match.group(1)}", headers={"Range": "bytes=0-1023"})
    assert ranged.status_code == 206
    assert len(ranged.content) == 1024
    assert ranged.content[4:8] == b"ftyp"


async def _go_live(context: Any, base: str, email: str, session_id: int) -> Any:
    page = await context.new_page()
    await _login(page, base, email)
    await page.goto(f"{base}/sessions/{session_id}/stage")
    await page.click("[data-stage-camera]")
    await page.wait_for_selector("[data-stage-go-live]:not([disabled])")
    await page.click("[data-stage-go-live]")
    await page.wait_for_selector(".stage[data-state='live']", timeout=20_000)
    return page


async def _tile_frames(page: Any) -> list[int]:
    return list(
        await page.evaluate(
            """() => [...document.querySelectorAll('[data-live-player] video')]
                 .filter(v => !v.hidden).map(v => v.getVideoPlaybackQuality().totalVideoFrames)"""
        )
    )


async def _wait(check: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.25)


async def test_panel_and_speaker_reconnect(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    """Two panelists publish, the viewer sees both; one drops out and comes back, the
    viewer sees "paused" while nobody sends and the picture again afterwards, on the
    same connection."""
    server, db_path = live_server
    base = server.base_url
    session_id = _speaker_session(db_path, SPEAKER)
    contexts = [await browser.new_context(permissions=["camera", "microphone"]) for _ in range(2)]
    viewer_context = await browser.new_context()
    try:
        speaker = await _go_live(contexts[0], base, SPEAKER, session_id)
        moderator = await _go_live(contexts[1], base, "orga@example.org", session_id)
        viewer = await viewer_context.new_page()
        await viewer.goto(f"{base}/sessions/{session_id}")
        await viewer.wait_for_selector(".live[data-state='live']", timeout=10_000)
        await viewer.click("[data-live-join]")

        async def both_tiles_play() -> bool:
            frames = await _tile_frames(viewer)
            return len(frames) >= 2 and min(frames) > 20

        await _wait(both_tiles_play, 20, "the viewer does not see both panelists")
        assert httpx.get(f"{base}/sessions/{session_id}/live").json()["seats"] == 2

        # everyone stops sending: the viewer is told "paused", not an error
        for page in (speaker, moderator):
            await page.click("[data-stage-stop]")

        async def paused() -> bool:
            return bool(await viewer.query_selector(".live[data-state='paused']"))

        await _wait(paused, 20, "viewer did not see the paused state")
        connection = await viewer.evaluate("window.fairLivePlayer.pc.connectionState")
        assert connection == "connected"
        before = await _tile_frames(viewer)

        # the speaker comes back: same seat, same viewer connection, the picture moves again
        await speaker.click("[data-stage-go-live]")
        await speaker.wait_for_selector(".stage[data-state='live']", timeout=20_000)

        async def moving_again() -> bool:
            return (await _tile_frames(viewer))[0] > before[0] + 30

        await _wait(moving_again, 20, "the picture did not come back")

        async def live_again() -> bool:
            return bool(await viewer.query_selector(".live[data-state='live']"))

        await _wait(live_again, 10, "the state line did not return to live")
    finally:
        for context in (*contexts, viewer_context):
            await context.close()
