"""A burst of joining viewers must not cost the recording frames (issue #19, "Load").

The speaker is an aiortc peer in a child process (a browser elsewhere); 20 viewers join
within about 2 s from the test's loop, which is also the stage's viewer loop, so their
ICE and DTLS handshakes and their receiving load exactly the loop that, before the media
loop (:mod:`sessions.live.medialoop`), also ran the speaker's peer and the encoder.
Afterwards the recording is decoded and the counter the speaker drew into every picture
is read back: how many of the speaker's frames made it in, per second of the burst.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from sessions.live import LiveStage
from sessions.live.config import LiveConfig
from sessions.live.medialoop import MEDIA_NICE, media_thread_id, set_thread_nice
from tests.support.live_helpers import allow_loopback, viewer, wait_for
from tests.support.loadgen import PublisherProcess
from tests.support.media import recorded_stamps

JOINS = 20


async def test_twenty_joins_in_two_seconds_keep_the_recording_at_full_rate(
    tmp_path: Path,
) -> None:
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    if load > 4:  # the speaker itself cannot keep its 30 fps: nothing left to compare
        pytest.skip(f"machine overloaded by other jobs (load {load:.1f} per core)")
    allow_loopback()
    stage = LiveStage("burst", LiveConfig(tmp_path / "spool"))
    speaker = PublisherProcess(640, 360, 30)
    viewers = []
    try:
        await speaker.start(lambda sdp, kind: stage.publish(sdp, kind, "speaker"))
        await wait_for(lambda: stage.stats()["seats"][0]["video_frames"] > 150, 40)
        recorder = stage._seat(0).recorder
        assert recorder is not None and recorder._origin is not None
        started = stage.clock.now() - recorder._origin  # in recording seconds
        for _ in range(JOINS):
            viewers.append(await viewer(stage, decode=False))
        ended = stage.clock.now() - recorder._origin
        await wait_for(lambda: all(v.video_frames[0] > 30 for v in viewers), 30)
        await asyncio.sleep(1)
    finally:
        paths = await stage.end()
        for peer in viewers:
            await peer.close()
        await speaker.close()
    counters, per_second = recorded_stamps(paths[0], tmp_path / "recording.mp4")
    before = [per_second[s] for s in range(int(started) - 3, int(started))]
    during = [per_second[s] for s in range(int(started), int(ended) + 1)]
    burst = [c for t, c in counters if started <= t < ended + 1]
    missing = (max(burst) - min(burst) + 1) - len(set(burst))
    print(
        f"{JOINS} joins took {ended - started:.1f} s; recorded fps before: {before},"
        f" during the burst: {during}; {missing} of the speaker's frames missing"
    )
    assert ended - started < 10  # a burst, even on a loaded machine
    # On a quiet machine both are 30. On a shared one the speaker and everything else
    # slow down too, so compare with the seconds before the burst: the shared loop lost
    # a third or more of the frames while viewers joined.
    assert min(during) >= 0.8 * min(before), (before, during)
    assert missing <= len(burst) // 10


async def test_media_thread_and_the_threads_it_starts_run_at_a_higher_priority(
    tmp_path: Path,
) -> None:
    """The OS serves the encoder before viewers' handshakes and other processes.

    Threads inherit their creator's nice value: the seat's encoder thread and aiortc's
    decoder thread, started from the media thread, must carry MEDIA_NICE too. Needs
    CAP_SYS_NICE (these machines run tests as root).
    """
    if not set_thread_nice(0):  # also proves we may change priorities here
        pytest.skip("no permission to change thread priorities")
    allow_loopback()
    stage = LiveStage("nice", LiveConfig(tmp_path / "spool"))
    speaker = PublisherProcess(320, 240, 30)
    try:
        await speaker.start(lambda sdp, kind: stage.publish(sdp, kind, "speaker"))
        await wait_for(lambda: stage.stats()["seats"][0]["video_frames"] > 30, 40)
        threads = {t.name: t.native_id for t in threading.enumerate() if t.native_id}
        media = media_thread_id()
        assert media is not None
        assert os.getpriority(os.PRIO_PROCESS, media) == MEDIA_NICE
        encoders = [tid for name, tid in threads.items() if name.startswith("live-seat0")]
        assert encoders, threads
        for tid in encoders:
            assert os.getpriority(os.PRIO_PROCESS, tid) == MEDIA_NICE, threads
        # The caller's (viewers') thread keeps normal priority.
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0
    finally:
        await stage.end()
        await speaker.close()
