"""Two renditions per camera: 720p and 640x360, each encoded once, chosen per viewer.

Real aiortc peers on loopback: a synthetic 1280x720 publisher, viewers that decode what
they get. A viewer switched to the other rendition keeps its peer, SSRC and decoder (no
renegotiation) and simply decodes the other size from the next keyframe on.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from sqlalchemy import select

from sessions.live import LiveRegistry, LiveStage
from sessions.live.config import LiveConfig
from sessions.live.video_pipeline import VideoPipeline
from sessions.models import Recording
from tests.support.live_helpers import Publisher, allow_loopback, publishing, wait_for
from tests.support.loadgen import receiving_peer


class SizeViewer:
    """A recvonly aiortc viewer that remembers the size of the last decoded frame."""

    def __init__(self) -> None:
        self.pc = receiving_peer()
        self.size: tuple[int, int] | None = None
        self.frames = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._tasks.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame: Any = await track.recv()
                self.size = (frame.width, frame.height)
                self.frames += 1

    async def connect(self, stage: LiveStage) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        await self.pc.setRemoteDescription(await stage.watch(offer.sdp, offer.type))

    def ssrc(self) -> int | None:
        receiver = self.pc.getTransceivers()[0].receiver
        sources = receiver.getSynchronizationSources()
        return sources[0].source if sources else None

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


def video(stage: LiveStage) -> VideoPipeline:
    return stage._seat(0).video


async def test_viewer_switches_rendition_without_renegotiation() -> None:
    allow_loopback()
    stage = LiveStage("renditions")
    publisher = await publishing(stage, width=1280, height=720, audio=False)
    viewer = SizeViewer()
    other = SizeViewer()
    try:
        await viewer.connect(stage)
        await other.connect(stage)
        await wait_for(lambda: viewer.size == (1280, 720) and other.size == (1280, 720), 30)
        pipeline = video(stage)
        sizes = {r.name: r.size for r in pipeline.renditions}
        assert sizes == {"hd": (1280, 720), "low": (640, 360)}  # one encoder each
        ssrc = viewer.ssrc()
        stream = next(s for s in pipeline.top.subscribers if s is not None)
        assert pipeline.choose(stream, "low") == "low"
        await wait_for(lambda: (viewer.size == (640, 360)) or (other.size == (640, 360)), 45)
        moved, stayed = (viewer, other) if viewer.size == (640, 360) else (other, viewer)
        frames = moved.frames
        await wait_for(lambda: moved.frames > frames + 30, 45)  # keeps playing small
        assert moved.size == (640, 360) and stayed.size == (1280, 720)
        assert len(pipeline.low.subscribers) == 1 and len(pipeline.top.subscribers) == 1
        assert viewer.ssrc() == ssrc  # the same stream, no new peer
        assert pipeline.choose(stream, "hd") == "hd"
        await wait_for(lambda: moved.size == (1280, 720), 45)
        assert len(pipeline.top.subscribers) == 2
    finally:
        await stage.end()
        await viewer.close()
        await other.close()
        await publisher.close()


async def test_auto_viewer_who_loses_video_goes_low() -> None:
    allow_loopback()
    stage = LiveStage("renditions-auto")
    publisher = await publishing(stage, width=1280, height=720, audio=False)
    viewer = SizeViewer()
    try:
        await viewer.connect(stage)
        await wait_for(lambda: viewer.size == (1280, 720), 30)
        pipeline = video(stage)
        stream: Any = pipeline.top.subscribers[0]
        assert stream.quality == "auto" and not stream.congested()
        stream.dropped += 3  # as the send path counts frames its full socket could not take
        await wait_for(lambda: viewer.size == (640, 360), 45)  # at the next top keyframe
        stream.quality = "hd"  # a chosen rendition is never changed automatically
        pipeline.choose(stream, "hd")
        await wait_for(lambda: viewer.size == (1280, 720), 45)
        stream.dropped += 3
        frames = viewer.frames
        await wait_for(lambda: viewer.frames > frames + 90, 60)  # > one GOP later
        assert viewer.size == (1280, 720)
    finally:
        await stage.end()
        await viewer.close()
        await publisher.close()


async def test_no_second_encoder_for_small_cameras_or_when_switched_off() -> None:
    allow_loopback()
    small = LiveStage("renditions-small")
    off = LiveStage("renditions-off", LiveConfig(renditions=False))
    cameras = [Publisher(width=640, height=360, audio=False), Publisher(1280, 720, audio=False)]
    await cameras[0].publish(small, "speaker")
    await cameras[1].publish(off, "speaker")
    viewers = [SizeViewer(), SizeViewer()]
    try:
        await viewers[0].connect(small)
        await viewers[1].connect(off)
        await wait_for(lambda: viewers[0].size == (640, 360), 30)
        await wait_for(lambda: viewers[1].size == (1280, 720), 30)
        for stage in (small, off):
            pipeline = video(stage)
            assert [r.name for r in pipeline.renditions] == ["hd"]
            assert pipeline.choose(pipeline.top.subscribers[0], "low") == "hd"
        assert video(small).low is not None and video(small).low.size is None  # never opened
        assert video(off).low is None
    finally:
        for stage in (small, off):
            await stage.end()
        for peer in viewers:
            await peer.close()
        for camera in cameras:
            await camera.close()


async def test_renditions_setting_reaches_the_engine(tmp_path: Path) -> None:

    from fair.settings import Settings
    from sessions.live.engine import LiveEngine

    assert Settings.from_env({}).live_renditions is True
    settings = Settings.from_env(
        {
            "FAIR_LIVE_RENDITIONS": "false",
            "FAIR_LIVE_WORKER": "false",
            "FAIR_SPOOL_DIR": str(tmp_path),
        }
    )
    assert settings.live_renditions is False
    engine = LiveEngine(
        LiveConfig.from_settings(settings),
        in_worker=settings.live_worker,
        on_recording_finished=None,  # type: ignore[arg-type]
    )
    registry = await engine.get()
    assert isinstance(registry, LiveRegistry) and registry.config.renditions is False
    assert registry.stage("x").renditions is False
    await engine.close()


async def test_low_rendition_is_a_second_hls_variant(
    demo_database_url: str, tmp_path: Path, own_nanio: Any
) -> None:
    from fair.app import create_app
    from fair.app_services import app_services
    from sessions.live.archive import RecordingArchive, picture_size
    from sessions.live.recorder import read_index
    from tests.support.app import make_settings
    from tests.support.hls_helpers import (
        check_every_listed_segment_is_stored,
        first_session,
        s3_storage,
        s3_text,
    )

    allow_loopback()
    app = create_app(make_settings(demo_database_url, tmp_path))
    async with app.router.lifespan_context(app):
        session_id = await first_session(app)
        spool = tmp_path / "variant-spool"
        stage = LiveStage(str(session_id), LiveConfig(spool))
        publisher = await publishing(stage, width=1280, height=720)
        seat = stage._seat(0)
        assert seat.low_recorder is not None
        low_dir = seat.low_recorder.directory
        await wait_for(lambda: len(read_index(low_dir)) >= 2, 120)  # slow on a busy machine
        (seat_dir,) = await stage.end()
        await publisher.close()
        assert picture_size(seat_dir / "init.mp4") == (1280, 720)
        assert picture_size(seat_dir / "low" / "init.mp4") == (640, 360)

        bucket = own_nanio.create_bucket()
        archive = RecordingArchive(app_services(app).db, s3_storage(own_nanio, bucket), spool)
        assert await archive.sync(force=True) == 1  # stored as one recording (the top)
        master = s3_text(own_nanio, bucket, f"live/{session_id}/master.m3u8")
        variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM")]
        assert len(variants) == 2, master
        assert "BANDWIDTH=1300000,RESOLUTION=1280x720," in variants[0]
        assert "BANDWIDTH=560000,RESOLUTION=640x360," in variants[1]
        assert all('CODECS="avc1.42e01f,mp4a.40.2"' in line for line in variants)
        prefix = f"live/{session_id}/{seat_dir.name}"
        top = check_every_listed_segment_is_stored(own_nanio, bucket, prefix)
        low = check_every_listed_segment_is_stored(own_nanio, bucket, f"{prefix}/low")
        assert len(top) >= 2 and len(low) >= 2
        playlist = s3_text(own_nanio, bucket, f"{prefix}/low/index.m3u8")
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
        async with app_services(app).db.session() as db:
            recordings = (await db.scalars(select(Recording))).all()
        assert [r.playlist_key for r in recordings] == [f"{prefix}/index.m3u8"]
