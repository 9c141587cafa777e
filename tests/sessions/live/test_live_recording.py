"""Recordings: CMAF segments written from the viewers' packets; the MP4 assembled from
them is playable and seekable; a crash loses at most the segment being written."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import av

from sessions.live import LiveRegistry, recover_spool
from sessions.live.config import LiveConfig
from sessions.live.recorder import assemble_mp4, read_index
from tests.support.live_helpers import allow_loopback, publishing, viewer, wait_for
from tests.support.paths import REPO_ROOT
from tests.support.synthetic import read_stamp

ROOT = REPO_ROOT


def video_packets(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for p in container.demux(video=0) if p.size)


async def test_recording_has_the_talks_duration_and_seeks(tmp_path: Path) -> None:
    allow_loopback()
    finished: list[tuple[str, Path, float]] = []

    async def on_finished(session_id: str, path: Path, duration: float) -> None:
        finished.append((session_id, path, duration))

    registry = LiveRegistry(LiveConfig(tmp_path), on_recording_finished=on_finished)
    stage = registry.stage("talk-7")
    publisher = await publishing(stage)
    watcher = await viewer(stage, decode=False)
    started = time.monotonic()
    await wait_for(lambda: watcher.video_frames[0] > 0)
    await asyncio.sleep(6)
    elapsed = time.monotonic() - started
    sent = stage.stats()["seats"][0]["video_frames"]
    files = await registry.end("talk-7")
    await watcher.close()
    await publisher.close()

    assert len(files) == 1 and files[0].is_dir() and (files[0] / "ended").exists()
    assert not list(tmp_path.rglob("*.tmp"))
    assert finished == [("talk-7", files[0], finished[0][2])]
    assert abs(finished[0][2] - elapsed) < 2
    segments = read_index(files[0])
    assert len(segments) >= 3
    assert all(1.4 <= seconds <= 2.6 for _, seconds in segments[:-1])  # ~2 s, keyframe cut
    for name, _ in segments:  # each segment decodes on its own after the init segment
        one = tmp_path / "one.mp4"
        one.write_bytes((files[0] / "init.mp4").read_bytes() + (files[0] / name).read_bytes())
        with av.open(str(one)) as container:
            decoded = list(container.decode(video=0))
            assert decoded and decoded[0].key_frame
    mp4 = tmp_path / "talk.mp4"
    assert abs(assemble_mp4(files[0], mp4) - elapsed) < 2
    with av.open(str(mp4)) as container:
        kinds = {s.type: s.codec_context.name for s in container.streams}
        assert kinds == {"video": "h264", "audio": "aac"}
        assert container.duration is not None
        duration = container.duration / 1_000_000
        assert abs(duration - elapsed) < 2
        container.seek(int(duration / 2 * 1_000_000))
        frame = next(f for f in container.decode(video=0) if f.time >= duration / 2)
        assert abs(frame.time - duration / 2) < 0.5
        assert read_stamp(frame) is not None
    # the very packets the viewers got, not a second encode
    assert abs(video_packets(mp4) - sent) <= 3
    assert mp4.read_bytes().find(b"moov") < mp4.read_bytes().find(b"mdat")  # faststart


async def test_recording_survives_a_publisher_gap(tmp_path: Path) -> None:
    allow_loopback()
    registry = LiveRegistry(LiveConfig(tmp_path))
    stage = registry.stage("gap")
    first = await publishing(stage)
    await asyncio.sleep(2)
    await first.close()
    await wait_for(lambda: stage.state == "paused")
    await asyncio.sleep(1)
    second = await publishing(stage)
    await asyncio.sleep(2)
    [path] = await stage.end()
    await second.close()
    mp4 = tmp_path / "gap.mp4"
    assemble_mp4(path, mp4)
    with av.open(str(mp4)) as container:
        duration = (container.duration or 0) / 1_000_000
        assert 4 <= duration <= 6.5  # the gap is kept as time, not cut out
        frames = [f for f in container.decode(video=0)]
        assert len(frames) > 90


async def test_recording_can_be_disabled(tmp_path: Path) -> None:
    allow_loopback()
    registry = LiveRegistry(LiveConfig(tmp_path, record=False))
    stage = registry.stage("off")
    publisher = await publishing(stage, audio=False)
    await asyncio.sleep(0.5)
    assert await stage.end() == []
    assert not list(tmp_path.rglob("*.m4s")) and not list(tmp_path.rglob("init.mp4"))
    await publisher.close()


CRASHING_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from sessions.live import LiveRegistry
    from sessions.live.config import LiveConfig
    from tests.support.live_helpers import allow_loopback, publishing

    async def main() -> None:
        allow_loopback()
        registry = LiveRegistry(LiveConfig(Path(sys.argv[1])))
        stage = registry.stage("crash")
        publisher = await publishing(stage)
        print("live", flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def test_crash_mid_recording_loses_at_most_the_segment_being_written(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASHING_WRITER, str(spool),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert (await asyncio.wait_for(process.stdout.readline(), 15)).strip() == b"live"
    await asyncio.sleep(5)
    killed_at = time.monotonic()
    os.kill(process.pid, signal.SIGKILL)
    await process.wait()
    [directory] = [p for p in (spool / "crash").iterdir() if p.is_dir()]
    assert not (directory / "ended").exists()
    (spool / "other" / "0-empty-20260101T000000").mkdir(parents=True)

    recovered = recover_spool(spool)

    assert [r.session_id for r in recovered] == ["crash"]
    assert recovered[0].path == directory and (directory / "ended").exists()
    assert 2 <= recovered[0].duration <= 5.5
    assert (spool / "other" / "0-empty-20260101T000000.broken").is_dir()
    mp4 = tmp_path / "crash.mp4"
    duration = assemble_mp4(directory, mp4)
    with av.open(str(mp4)) as container:
        frames = [f for f in container.decode(video=0)]
    assert len(frames) >= 45 and read_stamp(frames[-1]) is not None
    # everything up to the segment that was being written: at most ~2 s (+ start-up) lost
    assert duration >= 5 - 2.6 - 0.5, (duration, killed_at)
    assert recover_spool(spool) == recovered  # idempotent until the archive stores them
