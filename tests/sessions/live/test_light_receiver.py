"""The light receiver of the benchmarks counts what the speaker really sends.

A real server (``fair serve``), a speaker publishing synthetic video over HTTP, and a
handful of light viewers joining over ``/live/watch``: every viewer counts about the
frames the speaker sent in the same window (never more), the sampled viewer decodes
real pictures in order, and when the speaker stops the counts stop too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.app import DEMO_PASSWORD, TemplateDatabases
from tests.support.app_server import start_app_server
from tests.support.light_receiver import run_light_viewers
from tests.support.live_speaker import publish_synthetic
from tests.support.stage import speaker_session

pytestmark = [pytest.mark.slow]
SPEAKER = "henning.wiebusch@example.org"
VIEWERS = 5


async def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        await asyncio.sleep(0.1)


async def test_light_viewers_count_the_frames_the_speaker_sends(
    template_databases: TemplateDatabases, tmp_path: Path
) -> None:
    url = await template_databases.sqlite(seeded=True)
    session_id = speaker_session(Path(url.removeprefix("sqlite+aiosqlite:///")), SPEAKER)
    server = await asyncio.to_thread(start_app_server, tmp_path, url)
    speaker = viewers = None
    try:
        speaker = await publish_synthetic(server.base_url, session_id, SPEAKER, DEMO_PASSWORD)
        viewers = await run_light_viewers(server.base_url, session_id, VIEWERS, join_seconds=1)
        joined = viewers
        await _until(lambda: min(joined.frames_received() or [0]) > 0, 30, "all viewers see video")

        viewers.snapshot()  # the window starts with every viewer receiving
        sent_before = speaker.video.counter
        await _until(lambda: speaker.video.counter >= sent_before + 90, 30, "90 frames sent")
        stats = viewers.snapshot()
        sent = speaker.video.counter - sent_before
        received = [round(fps * stats.seconds) for fps in stats.fps]

        assert (stats.joined, stats.failed) == (VIEWERS, 0), stats.errors
        # each viewer counted the frames sent in the window, give or take the frames in
        # flight at either end (a few at 30 fps, up to half a second's on a busy machine:
        # 99 received of 90 sent was seen at load 15); a counter that counted a packet
        # twice or a frame per packet would be far above
        assert all(sent - 15 <= count <= sent + 15 for count in received), (sent, received)
        sent_fps = sent / stats.seconds
        assert stats.fps_p10 >= 0.85 * sent_fps, (stats.fps, sent_fps)
        light = VIEWERS - 1
        assert stats.packets >= light * sent, stats  # at least one RTP packet per frame
        assert stats.bytes >= stats.packets * 100, stats  # real media, not empty packets
        # the sampled viewer decoded real pictures, in order, with the speaker's stamps
        assert stats.decoded_frames >= sent - 10, stats
        assert stats.order_errors == 0
        assert stats.glass_to_glass_p95_ms is not None
        assert 0 < stats.glass_to_glass_p95_ms < 2000

        await speaker.close()  # packets stop flowing: the counts must stop with them
        speaker = None
        await asyncio.sleep(1.0)  # frames already in flight
        viewers.snapshot()
        before = viewers.frames_received()
        await asyncio.sleep(2.0)
        silent = viewers.snapshot()
        assert viewers.frames_received() == before
        assert silent.packets == 0 and set(silent.fps) == {0.0}, silent
        assert silent.glass_to_glass_p95_ms is None
    finally:
        if viewers is not None:
            await viewers.stop()
        if speaker is not None:
            await speaker.close()
        await asyncio.to_thread(server.stop)
