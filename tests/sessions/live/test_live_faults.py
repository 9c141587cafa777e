"""The media process dies mid-talk (SIGKILL): what its segments hold is published at once,
and after the app restarts the part is kept (interrupted, waiting for the talk to go on);
when the talk is ended the recording holds it up to the segment that was being written
(at most ~2 s lost), as a VOD playlist and a playable, seekable MP4. The worker's own
restart and the joining of parts: tests/sessions/live/test_live_supervision.py."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import av
import httpx
import pytest

from sessions.live.ice import allow_loopback_candidates
from tests.support.app import TemplateDatabases
from tests.support.app_server import start_app_server
from tests.support.journey_helpers import poll
from tests.support.live_helpers import media_worker_pids
from tests.support.live_speaker import StageSpeaker
from tests.support.stage import recordings_of, speaker_session

pytestmark = [pytest.mark.slow]
SPEAKER = "henning.wiebusch@example.org"


def _listed(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(".m4s")]


async def test_media_process_killed_mid_talk_keeps_all_but_the_open_segment(
    template_databases: TemplateDatabases, tmp_path: Path
) -> None:
    allow_loopback_candidates()
    url = await template_databases.sqlite(seeded=True)
    db_path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    session_id = speaker_session(db_path, SPEAKER)
    server = start_app_server(tmp_path, url)
    speaker = StageSpeaker(server.base_url, session_id, SPEAKER)
    try:
        await speaker.publish()
        base = f"{server.base_url}/sessions/{session_id}/hls"

        async def master_listed() -> bool:
            response = await asyncio.to_thread(httpx.get, f"{base}/master.m3u8")
            return response.status_code == 200

        await poll(master_listed, 30, lambda: server.log()[-2000:])
        first_listed = time.monotonic()
        seat = next(
            line
            for line in httpx.get(f"{base}/master.m3u8").text.splitlines()
            if line.endswith(".m3u8")
        )
        await asyncio.sleep(7)

        [worker] = media_worker_pids(server)
        killed = time.monotonic()
        os.kill(worker, signal.SIGKILL)
        await asyncio.sleep(1.5)  # the archive publishes what the dead process left
        live = httpx.get(f"{base}/{seat}")
        assert live.status_code == 200 and "#EXT-X-ENDLIST" not in live.text
        assert len(_listed(live.text)) >= 3
    finally:
        await speaker.close()
        server.stop()

    server = start_app_server(tmp_path, url)  # the restart recovers the spool
    try:
        assert httpx.get(f"{server.base_url}/sessions/{session_id}/live").json()["state"] == (
            "interrupted"
        )
        speaker = StageSpeaker(server.base_url, session_id, SPEAKER)
        ended = await speaker.end()  # the talk does not go on: "end" stores what was recorded
        await speaker.close()
        assert ended.status_code == 200, ended.text

        async def stored() -> list[tuple[str, str, float]]:
            return recordings_of(db_path, session_id)

        rows = await poll(stored, 30, lambda: server.log()[-2000:])
        storage_key, playlist_key, duration = rows[0]
        # the recording began at least one segment (>= 1.5 s) before the first listing;
        # everything up to the segment being written (< 2.6 s) at the kill is kept
        assert duration >= (killed - first_listed) + 1.5 - 2.6 - 0.5, (
            duration,
            killed - first_listed,
        )
        vod = httpx.get(f"{server.base_url}/sessions/{session_id}/hls/{seat}")
        assert vod.text.rstrip().endswith("#EXT-X-ENDLIST")
        assert playlist_key.endswith(f"{seat}")
        mp4 = tmp_path / "storage" / storage_key
        with av.open(str(mp4)) as container:
            length = (container.duration or 0) / 1_000_000
            assert abs(length - duration) < 0.5
            container.seek(int(length / 2 * 1_000_000))
            frame = next(f for f in container.decode(video=0) if f.time >= length / 2)
            assert abs(frame.time - length / 2) < 0.5
    finally:
        server.stop()
