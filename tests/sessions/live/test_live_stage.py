"""The live stage with real aiortc peers over loopback: fan-out, keyframes, reconnect, panels.

A synthetic publisher draws a frame counter and its send time into every picture; viewers
decode and read them back, so the tests see real pictures in order, not just packets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from fair.rtc.errors import LiveError
from sessions.live import LiveRegistry, LiveStage
from sessions.live.config import LiveConfig
from tests.support.live_helpers import Publisher, allow_loopback, publishing, viewer, wait_for
from tests.support.loadgen import ViewerProcess


@pytest_asyncio.fixture
async def registry(tmp_path: Path) -> AsyncIterator[LiveRegistry]:
    allow_loopback()
    registry = LiveRegistry(LiveConfig(tmp_path / "spool", record=False))
    yield registry
    await registry.close()


async def test_one_encode_fans_out_to_viewers_in_and_out_of_process(
    registry: LiveRegistry,
) -> None:
    stage = registry.stage("1")
    publisher = await publishing(stage)
    assert stage.state == "live"
    local = [await viewer(stage, decode=True), await viewer(stage, decode=False)]
    process = ViewerProcess(2, decode=1)
    await process.start(stage.watch)
    try:
        assert stage.viewer_count == 4
        start = [v.video_frames[0] for v in local]
        await wait_for(
            lambda: all(v.video_frames[0] >= s + 60 for v, s in zip(local, start, strict=True))
        )
        remote = await process.report()
        decoded = local[0].report()
        assert decoded["order_errors"] == 0 and decoded["decoded"] >= 30
        assert decoded["latency_ms_median"] is not None and decoded["latency_ms_median"] < 500
        assert all(r["video_frames"][0] >= 30 and r["audio_frames"][0] >= 50 for r in remote)
        assert remote[0]["decoded"] >= 30 and remote[0]["order_errors"] == 0
        assert all(v.audio_frames[0] >= 50 for v in local)
        # one shared encoder: it produced about as many frames as the publisher sent,
        # not one set per viewer
        seat = stage.stats()["seats"][0]
        assert seat["video_subscribers"] == 4
        assert seat["video_frames"] <= publisher.video.counter + 2  # type: ignore[union-attr]
    finally:
        await process.close()
        for v in local:
            await v.close()
        await publisher.close()


async def test_new_viewer_gets_a_picture_within_a_second(registry: LiveRegistry) -> None:
    stage = registry.stage("2")
    publisher = await publishing(stage)
    first = await viewer(stage)
    await wait_for(lambda: first.video_frames[0] > 40)  # well past the first keyframe
    forced_before = stage.stats()["seats"][0]["keyframes_forced"]
    late = [await viewer(stage, decode=True), await viewer(stage, decode=False)]
    await wait_for(lambda: all(v.video_frames[0] > 0 for v in late), timeout=5)
    for v in late:
        assert v.report()["first_video_s"][0] < 1.0
    forced = stage.stats()["seats"][0]["keyframes_forced"] - forced_before
    assert 1 <= forced <= 2  # two joins within 0.5 s share a rate-limited keyframe
    for v in [first, *late]:
        await v.close()
    await publisher.close()


async def test_publisher_reconnect_keeps_viewers(registry: LiveRegistry) -> None:
    stage = registry.stage("3")
    first = await publishing(stage)
    watcher = await viewer(stage)
    await wait_for(lambda: watcher.video_frames[0] > 15)
    await first.close()
    await wait_for(lambda: stage.state == "paused", timeout=5)
    assert watcher.pc.connectionState == "connected"
    frozen = watcher.video_frames[0]
    second = await publishing(stage)
    assert stage.state == "live"
    assert stage.publishers == ["speaker"]
    await wait_for(lambda: watcher.video_frames[0] > frozen + 30, timeout=5)
    # the pictures now come from the new publisher, whose counter started again at 0
    assert watcher.counters[-1] < 60
    assert stage.viewer_count == 1
    await watcher.close()
    await second.close()


async def test_panel_viewer_receives_every_publisher(registry: LiveRegistry) -> None:
    stage = registry.stage("4")
    alice, bob = Publisher(audio=False), Publisher(width=256, height=144)
    await alice.publish(stage, "alice")
    panel = await viewer(stage, seats=3, decode=False)  # one spare seat for a late panelist
    await wait_for(lambda: panel.video_frames[0] > 10)
    await bob.publish(stage, "bob")
    assert stage.publishers == ["alice", "bob"]
    assert stage.describe()["seats"] == 2
    await wait_for(lambda: panel.video_frames[1] > 10 and panel.audio_frames[1] > 10)
    assert panel.video_frames[2] == 0
    await panel.close()
    await alice.close()
    await bob.close()


async def test_bad_offers_are_refused_and_the_session_keeps_running(
    registry: LiveRegistry,
) -> None:
    stage = registry.stage("5")
    publisher = await publishing(stage)
    watcher = await viewer(stage)
    await wait_for(lambda: watcher.video_frames[0] > 5)
    good = watcher.pc.localDescription.sdp

    async def refused(call: object, status: int) -> None:
        with pytest.raises(LiveError) as info:
            await call  # type: ignore[misc]
        assert info.value.status_code == status, info.value.message

    await refused(stage.watch("v=0\r\n" + "a=x\r\n" * 20000, "offer"), 413)
    await refused(stage.watch("hello", "offer"), 400)
    await refused(stage.watch(good, "answer"), 400)
    await refused(stage.watch("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "offer"), 400)
    vp8_only = "\r\n".join(
        line
        for line in good.split("\r\n")
        if "H264" not in line and "apt=" not in line and "profile-level-id" not in line
    )
    await refused(stage.watch(vp8_only, "offer"), 415)
    await refused(stage.publish(good, "offer", "intruder"), 400)  # recvonly: sends nothing
    await refused(stage.publish(good, "offer", ""), 400)
    before = watcher.video_frames[0]
    await wait_for(lambda: watcher.video_frames[0] > before + 15)
    assert stage.state == "live" and stage.viewer_count == 1
    await stage.end()
    assert stage.state == "ended"
    await refused(stage.watch(good, "offer"), 409)
    await refused(stage.publish(good, "offer", "speaker"), 409)
    await watcher.close()
    await publisher.close()


async def test_too_many_publishers(tmp_path: Path) -> None:
    allow_loopback()
    stage = LiveStage("6", LiveConfig(max_publishers=1))
    one, two = Publisher(audio=False), Publisher(audio=False)
    await one.publish(stage, "one")
    with pytest.raises(LiveError) as info:
        await two.publish(stage, "two")
    assert info.value.status_code == 409
    await stage.end()
    await one.close()
    await two.close()
