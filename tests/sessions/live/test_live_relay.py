"""One talk's viewers spread over fan-out processes."""

from __future__ import annotations

import os
from pathlib import Path

from sessions.live import LiveStage
from sessions.live.config import LiveConfig
from sessions.live.frames import EncodedFrame
from sessions.live.relay import pack_frame, unpack_frame
from tests.support.live_helpers import allow_loopback, publishing, viewer, wait_for


def test_frames_cross_the_socket_unchanged() -> None:
    frame = EncodedFrame((b"\x7c\x85" + os.urandom(1200), b"\x7c\x45" + os.urandom(99)),
                         123456789, 1 << 60, b"\x01\x02\x03", True, 0)  # fmt: skip
    assert unpack_frame(pack_frame(3, "video", frame)) == (3, "video", frame)


async def test_viewers_in_fanout_processes_get_the_talk(tmp_path: Path) -> None:
    allow_loopback()
    stage = LiveStage("relay", LiveConfig(tmp_path, fanout_processes=2, loopback=True))
    publisher = await publishing(stage)
    watchers = [await viewer(stage, decode=i == 0) for i in range(4)]
    assert len(stage.fanout_pids) == 2
    await wait_for(lambda: stage.viewer_count == 4)
    await wait_for(lambda: all(w.video_frames[0] > 30 and w.audio_frames[0] > 40
                               for w in watchers), 15)  # fmt: skip
    report = watchers[0].report()
    assert report["decoded"] > 20 and report["order_errors"] == 0
    assert all(w.report()["first_video_s"][0] < 1.5 for w in watchers)
    assert stage.stats()["seats"][0]["video_subscribers"] == 2  # one feed per helper
    pids = stage.fanout_pids
    [recording] = await stage.end()
    assert recording.exists()
    for pid in pids:
        await wait_for(lambda pid=pid: not os.path.exists(f"/proc/{pid}"), 5)  # type: ignore[misc]
    for w in watchers:
        await w.close()
    await publisher.close()


async def test_a_crashed_fanout_process_leaves_the_others_serving(tmp_path: Path) -> None:
    allow_loopback()
    stage = LiveStage("relay-crash", LiveConfig(fanout_processes=2, loopback=True))
    publisher = await publishing(stage, audio=False)
    first = await viewer(stage, decode=False)
    crashed = stage._relays[0]
    assert crashed.viewer_count == 1
    os.kill(crashed.pid, 9)  # type: ignore[arg-type]
    await wait_for(lambda: not crashed.alive)
    late = await viewer(stage, decode=False)  # goes to the surviving helper
    await wait_for(lambda: late.video_frames[0] > 15)
    assert stage.viewer_count == 1 and stage._relays[1].viewer_count == 1
    assert stage.state == "live"
    await stage.end()
    for w in (first, late):
        await w.close()
    await publisher.close()
