"""The live stage end to end: a speaker publishes from Chromium (fake camera and
microphone), a second browser watches and decodes frames, the moderator ends the talk,
and the recording is in storage, plays over HTTP with ranges, and PyAV opens and seeks it.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from tests.support.app_server import AppServer
from tests.support.stage import (
    SPEAKER,
    browser_login,
    frames_decoded,
    go_live,
    speaker_session,
    tile_frames,
    wait_or_fail,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_speaker_publishes_viewer_watches_recording_is_stored(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    server, db_path = live_server
    base = server.base_url
    session_id = speaker_session(db_path, SPEAKER)

    speaker_context = await browser.new_context(permissions=["camera", "microphone"])
    viewer_context = await browser.new_context()
    try:
        speaker = await speaker_context.new_page()
        await browser_login(speaker, base, SPEAKER)
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
        while await frames_decoded(viewer) < 30:
            assert time.monotonic() < deadline, "viewer decoded no video"
            await asyncio.sleep(0.25)
        first_picture_after = time.monotonic() - live_since
        status = httpx.get(f"{base}/sessions/{session_id}/live").json()
        assert status["state"] == "live"
        assert status["viewers"] >= 1
        frames_before = await frames_decoded(viewer)
        await asyncio.sleep(4)
        frames_after = await frames_decoded(viewer)
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


async def test_panel_and_speaker_reconnect(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    """Two panelists publish, the viewer sees both; one drops out and comes back, the
    viewer sees "paused" while nobody sends and the picture again afterwards, on the
    same connection."""
    server, db_path = live_server
    base = server.base_url
    session_id = speaker_session(db_path, SPEAKER)
    contexts = [await browser.new_context(permissions=["camera", "microphone"]) for _ in range(2)]
    viewer_context = await browser.new_context()
    try:
        speaker = await go_live(contexts[0], base, SPEAKER, session_id)
        moderator = await go_live(contexts[1], base, "orga@example.org", session_id)
        viewer = await viewer_context.new_page()
        await viewer.goto(f"{base}/sessions/{session_id}")
        await viewer.wait_for_selector(".live[data-state='live']", timeout=10_000)
        await viewer.click("[data-live-join]")

        async def both_tiles_play() -> bool:
            frames = await tile_frames(viewer)
            return len(frames) >= 2 and min(frames) > 20

        await wait_or_fail(both_tiles_play, 20, "the viewer does not see both panelists")
        assert httpx.get(f"{base}/sessions/{session_id}/live").json()["seats"] == 2

        # everyone stops sending: the viewer is told "paused", not an error
        for page in (speaker, moderator):
            await page.click("[data-stage-stop]")

        async def paused() -> bool:
            return bool(await viewer.query_selector(".live[data-state='paused']"))

        await wait_or_fail(paused, 20, "viewer did not see the paused state")
        connection = await viewer.evaluate("window.fairLivePlayer.pc.connectionState")
        assert connection == "connected"
        before = await tile_frames(viewer)

        # the speaker comes back: same seat, same viewer connection, the picture moves again
        await speaker.click("[data-stage-go-live]")
        await speaker.wait_for_selector(".stage[data-state='live']", timeout=20_000)

        async def moving_again() -> bool:
            return (await tile_frames(viewer))[0] > before[0] + 30

        await wait_or_fail(moving_again, 20, "the picture did not come back")

        async def live_again() -> bool:
            return bool(await viewer.query_selector(".live[data-state='live']"))

        await wait_or_fail(live_again, 10, "the state line did not return to live")
    finally:
        for context in (*contexts, viewer_context):
            await context.close()
