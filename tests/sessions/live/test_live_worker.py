"""The live engine in its own process: same calls, same refusals, same recording reports."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import pytest

from fair.rtc.errors import LiveError
from sessions.live.config import LiveConfig
from sessions.live.worker import LiveWorker
from tests.support.live_helpers import Publisher, allow_loopback, wait_for


async def test_worker_process_serves_a_talk_and_reports_its_recording(tmp_path: Path) -> None:
    allow_loopback()
    finished: list[tuple[str, Path, float]] = []

    async def on_finished(session_id: str, path: Path, duration: float) -> None:
        finished.append((session_id, path, duration))

    worker = LiveWorker(LiveConfig(tmp_path, loopback=True), on_recording_finished=on_finished)
    await worker.start()
    try:
        assert (await worker.describe("9"))["state"] == "idle"
        early = await viewer_of(worker, "9")  # joins before the speaker starts
        publisher = Publisher()
        await publisher.pc.setLocalDescription(await publisher.pc.createOffer())
        offer = publisher.pc.localDescription
        await publisher.pc.setRemoteDescription(
            await worker.publish("9", offer.sdp, offer.type, "speaker")
        )
        await wait_for(lambda: early.video_frames[0] > 45 and early.audio_frames[0] > 50)
        report = early.report()
        assert report["decoded"] > 30 and report["order_errors"] == 0
        info = await worker.describe("9")
        assert info["state"] == "live" and info["publishers"] == ["speaker"]
        assert info["viewers"] == 1
        with pytest.raises(LiveError) as refused:
            await worker.watch("9", "v=0\r\n", "offer")
        assert refused.value.status_code == 400
        [path] = await worker.end("9")
        await wait_for(lambda: finished)
        assert finished[0][:2] == ("9", path) and finished[0][2] > 1
        # the recording is a directory of CMAF segments; its init + first segment decode
        one = tmp_path / "first.mp4"
        one.write_bytes((path / "init.mp4").read_bytes() + (path / "00000.m4s").read_bytes())
        with av.open(str(one)) as container:
            assert container.streams.video[0].codec_context.name == "h264"
        await early.close()
        await publisher.close()
    finally:
        await worker.close()
    with pytest.raises(LiveError) as stopped:
        await worker.describe("9")
    assert stopped.value.status_code == 503


async def viewer_of(worker: LiveWorker, session_id: str):  # type: ignore[no-untyped-def]
    from tests.support.loadgen import ProbeViewer

    probe = ProbeViewer(1, decode=True)

    async def answer(sdp: str, kind: str):  # type: ignore[no-untyped-def]
        return await worker.watch(session_id, sdp, kind)

    await probe.connect(answer)
    return probe


async def test_a_dead_worker_fails_pending_calls_with_503(tmp_path: Path) -> None:
    worker = LiveWorker(LiveConfig(tmp_path, loopback=True))
    await worker.start()
    assert worker.pid is not None
    call = asyncio.ensure_future(worker.describe("1"))
    await call  # the worker answers
    worker._process.kill()  # type: ignore[union-attr]
    with pytest.raises(LiveError) as failed:
        await asyncio.wait_for(worker.describe("1"), 10)
    assert failed.value.status_code == 503
    await worker.close()


async def test_ready_once_the_worker_answers_and_not_before(tmp_path: Path) -> None:
    """A worker counts as started when it answers, not when its process exists: one that
    hangs while starting, or dies at once, is refused (503) so the supervisor tries again."""
    worker = LiveWorker(LiveConfig(tmp_path, loopback=True))
    await worker.start()
    try:
        await worker.ready(60)  # imports done, requests served
        assert (await worker.describe("1"))["state"] == "idle"
    finally:
        await worker.close()

    hangs = tmp_path / "hangs"  # stands in for the interpreter: never serves a request
    hangs.write_text("#!/bin/sh\nexec sleep 60\n")
    dies = tmp_path / "dies"
    dies.write_text("#!/bin/sh\nexit 3\n")
    # the hung one is given up after its time; the dead one at once, not after 30 s
    for script, within in ((hangs, 0.5), (dies, 30.0)):
        script.chmod(0o755)
        broken = LiveWorker(LiveConfig(tmp_path, loopback=True), python=str(script))
        await broken.start()
        started = asyncio.get_running_loop().time()
        with pytest.raises(LiveError) as refused:
            await broken.ready(within)
        assert refused.value.status_code == 503
        assert asyncio.get_running_loop().time() - started < 5
        await broken.kill()
        assert broken.pid is None
