"""One talk, one recording: parts left by an interruption are joined without re-encoding
(both parts' frames in order, the gap left out) and listed in one VOD playlist."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av

from sessions.live import LiveRegistry
from sessions.live.config import LiveConfig
from sessions.live.parts import (
    INTERRUPTED_NAME,
    earlier_parts,
    interrupt_open_parts,
    join_parts,
    joined_playlist,
    last_interrupted_parts,
)
from sessions.live.recorder import ENDED_NAME, INIT_NAME, read_index
from tests.support.live_helpers import allow_loopback, publishing, wait_for
from tests.support.synthetic import read_stamp


async def _part(registry: LiveRegistry, seconds: float) -> Path:
    stage = registry.stage("41")
    publisher = await publishing(stage, "user-7")
    await wait_for(lambda: stage.stats()["seats"][0]["video_frames"] > 0, timeout=20)
    await asyncio.sleep(seconds)
    [directory] = await registry.end("41")
    await publisher.close()
    await asyncio.sleep(1.1)  # the next part's directory gets a later stamp (1 s resolution)
    return directory


async def test_two_parts_join_into_one_recording_in_order(tmp_path: Path) -> None:
    allow_loopback()
    registry = LiveRegistry(LiveConfig(tmp_path))
    first = await _part(registry, 4.5)
    # as if the process writing it had died: no "ended", one half-written segment
    (first / ENDED_NAME).unlink()
    (first / "00099.m4s.tmp").write_bytes(b"half")
    assert interrupt_open_parts(tmp_path) == {"41"}
    assert (first / INTERRUPTED_NAME).exists() and not (first / "00099.m4s.tmp").exists()
    assert last_interrupted_parts(first.parent) == [first]  # "end" now would close it
    second = await _part(registry, 4.5)
    assert earlier_parts(second) == [first]
    assert last_interrupted_parts(first.parent) == []  # the later part ended: joined there

    target = tmp_path / "joined.mp4"
    duration = join_parts([first, second], target)
    parts = [sum(s for _, s in read_index(d)) for d in (first, second)]
    assert abs(duration - sum(parts)) < 1.0, (duration, parts)
    with av.open(str(target)) as container:
        stamps = [s for frame in container.decode(video=0) if (s := read_stamp(frame))]
        assert container.streams.audio, "the audio of both parts is kept"
    sent = [at for _, at in stamps]
    assert sent == sorted(sent)
    restarts = [i for i in range(1, len(stamps)) if stamps[i][0] < stamps[i - 1][0]]
    assert len(restarts) == 1 and sent[restarts[0]] - sent[restarts[0] - 1] > 500

    playlist = joined_playlist([(d.name, read_index(d)) for d in (first, second)])
    assert playlist.count("#EXT-X-DISCONTINUITY") == 1
    assert f'#EXT-X-MAP:URI="../{second.name}/{INIT_NAME}"' in playlist
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
