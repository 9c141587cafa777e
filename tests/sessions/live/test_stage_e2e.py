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
from tests.support.journey_helpers import poll
from tests.support.stage import SPEAKER, frames_decoded, live_room, publish, tile_frames

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_speaker_publishes_viewer_watches_recording_is_stored(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    async with live_room(browser, live_server) as room:
        server, base, session_id = room.server, room.base, room.session_id
        live_since = time.monotonic()
        viewer = await room.watch()

        async def decodes() -> bool:
            return await frames_decoded(viewer) >= 30

        await poll(decodes, 20, "viewer decoded no video")
        first_picture_after = time.monotonic() - live_since
        status = httpx.get(f"{base}/sessions/{session_id}/live").json()
        assert status["state"] == "live"
        assert status["viewers"] >= 1
        frames_before = await frames_decoded(viewer)
        await asyncio.sleep(4)
        frames_after = await frames_decoded(viewer)
        assert frames_after - frames_before >= 4 * 12, "viewer falls below 12 fps"

        ended_at = time.monotonic()
        await room.end()
        expected = ended_at - live_since
        await viewer.wait_for_selector(".live[data-state='ended']", timeout=10_000)

    # the recording reaches storage and the session page
    async def recording_listed() -> str:
        page = httpx.get(f"{base}/sessions/{session_id}").text
        return page if "recording-video" in page else ""

    page = await poll(recording_listed, 30, lambda: server.log()[-3000:])
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
    async with live_room(browser, live_server, SPEAKER, "orga@example.org") as room:
        base, session_id = room.base, room.session_id
        speaker, moderator = room.speakers
        viewer = await room.watch()

        async def both_tiles_play() -> bool:
            frames = await tile_frames(viewer)
            return len(frames) >= 2 and min(frames) > 20

        await poll(both_tiles_play, 20, "the viewer does not see both panelists")
        assert httpx.get(f"{base}/sessions/{session_id}/live").json()["seats"] == 2

        # everyone stops sending: the viewer is told "paused", not an error
        for page in (speaker, moderator):
            await page.click("[data-stage-stop]")

        async def paused() -> bool:
            return bool(await viewer.query_selector(".live[data-state='paused']"))

        await poll(paused, 20, "viewer did not see the paused state")
        connection = await viewer.evaluate("window.fairLivePlayer.pc.connectionState")
        assert connection == "connected"
        before = await tile_frames(viewer)

        # the speaker comes back: same seat, same viewer connection, the picture moves again
        await publish(speaker)

        async def moving_again() -> bool:
            return (await tile_frames(viewer))[0] > before[0] + 30

        await poll(moving_again, 20, "the picture did not come back")

        async def live_again() -> bool:
            return bool(await viewer.query_selector(".live[data-state='live']"))

        await poll(live_again, 10, "the state line did not return to live")
