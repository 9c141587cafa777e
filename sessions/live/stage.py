"""The live stage of one programme session (the registry that owns all stages is in
:mod:`.registry`).

A stage has *seats*, one per publisher (panel speakers), numbered in the order
publishers first appear. Each seat owns a long-lived video and audio
:class:`~sessions.live.media.Pipeline`, its media thread and its recording; peers come and
go around them. That is what makes reconnects cheap: a speaker whose peer drops leaves
the seat without a source ("paused"), and when the same ``publisher_id`` publishes again
the new tracks are attached to the same pipelines, which the viewers never left.

Viewer protocol: a viewer offers one ``recvonly`` video and one ``recvonly`` audio
transceiver per seat, in seat order (video 0, audio 0, video 1, audio 1, ...). The i-th
video m-line receives seat i's video, the i-th audio m-line seat i's audio. A viewer may
offer more pairs than there are publishers (up to ``max_publishers``): the extra pairs
start receiving as soon as another panelist publishes, without renegotiation. Video is
sent as H.264 (constrained baseline, packetization-mode 1) only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from fair.rtc.config import rtc_configuration
from fair.rtc.errors import LiveError
from fair.rtc.sdp import check_offer, with_start_bitrate

from .audio_pipeline import AudioPipeline
from .config import LiveConfig
from .frames import StageClock
from .media import Pipeline
from .medialoop import media_loop, on_media_loop
from .recorder import LOW_VARIANT_DIR, SlotRecorder, safe_name
from .relay import FanoutProcess, RelayFeed
from .renditions import LOW_RENDITION
from .video_pipeline import VideoPipeline
from .viewers import answer_viewer

logger = logging.getLogger(__name__)

T = TypeVar("T")
StageState = Literal["idle", "live", "paused", "ended"]
RecordingCallback = Callable[[str, Path, float], Awaitable[None]]


def stage_description(
    max_seats: int,
    state: str = "idle",
    publishers: Sequence[str] = (),
    viewers: int = 0,
    sending: int = 0,
) -> dict[str, Any]:
    """What a viewer page fetches before offering (:meth:`LiveStage.describe`): the state
    and how many pairs to offer. The defaults describe a stage nobody has published to,
    which the registry and the engine answer before a stage exists. ``publishers`` keeps a
    seat whose speaker stopped (its place in the picture and the recording stays);
    ``sending`` counts the seats whose media arrives now, for the stage's "N senden"."""
    return {
        "state": state,
        "publishers": list(publishers),
        "sending": sending,
        "seats": max(1, len(publishers)),
        "max_seats": max_seats,
        "viewers": viewers,
    }


class _Seat:
    """One publisher position: pipelines, media thread, recording, current peer."""

    def __init__(self, stage: LiveStage, index: int) -> None:
        self.index = index
        self.publisher_id: str | None = None
        self.pc: RTCPeerConnection | None = None
        self.recorder: SlotRecorder | None = None
        self.low_recorder: SlotRecorder | None = None
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"live-seat{index}")
        self.video = VideoPipeline(
            stage.clock,
            self.executor,
            stage._source_ended,
            bitrate=stage.video_bitrate,
            low=LOW_RENDITION if stage.renditions else None,
        )
        self.audio = AudioPipeline(stage.clock, self.executor, stage._source_ended)
        viewers_loop = asyncio.get_running_loop()
        for pipeline in (self.video, self.audio):
            if stage.media_thread:
                pipeline.deliver_loop = viewers_loop
                media_loop().call_soon_threadsafe(pipeline.start)
            else:
                pipeline.start()

    def pipeline(self, kind: str) -> Pipeline:
        return self.video if kind == "video" else self.audio

    @property
    def live(self) -> bool:
        return self.video.source is not None or self.audio.source is not None


class LiveStage:
    """Live media of one programme session: publishers in, viewers out, one recording each.

    Create through :meth:`~sessions.live.registry.LiveRegistry.stage`. All methods run on
    the app's event loop.
    """

    def __init__(
        self,
        session_id: str,
        config: LiveConfig | None = None,
        *,
        record: bool = True,
        on_recording_finished: RecordingCallback | None = None,
        media_thread: bool = True,
    ) -> None:
        """``config`` is the engine's (default: nothing recorded, host candidates only);
        ``record=False`` is the session's "do not record" flag."""
        self.session_id = session_id
        self.config = config = config or LiveConfig()
        self.renditions = config.renditions
        self.media_thread = media_thread  # False: everything on the caller's loop (benchmark)
        self.clock = StageClock()
        self.max_publishers = config.max_publishers
        self.video_bitrate = config.video_bitrate
        self._rtc_config = rtc_configuration(config.ice_servers)
        self._spool_dir = config.spool_dir
        self._record = record and config.records
        self._on_recording_finished = on_recording_finished
        self._seats: list[_Seat] = []
        self._viewers: set[RTCPeerConnection] = set()
        self._ended = False
        self._lock = asyncio.Lock()
        self.started_at = time.time()
        self._relays: list[FanoutProcess] = []
        self._relays_started = False
        self._relay_lock = asyncio.Lock()

    # ----- state -------------------------------------------------------------------------

    @property
    def state(self) -> StageState:
        """idle: nobody published yet; live: a publisher sends; paused: all dropped; ended."""
        if self._ended:
            return "ended"
        if not any(seat.publisher_id for seat in self._seats):
            return "idle"
        return "live" if any(seat.live for seat in self._seats) else "paused"

    @property
    def publishers(self) -> list[str]:
        """Publisher ids in seat order (a viewer's i-th transceiver pair shows the i-th)."""
        return [seat.publisher_id for seat in self._seats if seat.publisher_id is not None]

    @property
    def viewer_count(self) -> int:
        """Viewer peer connections currently open (fan-out processes included)."""
        return len(self._viewers) + sum(relay.viewer_count for relay in self._relays)

    @property
    def fanout_pids(self) -> list[int]:
        """Process ids of the fan-out helpers (for monitoring and the benchmark)."""
        return [relay.pid for relay in self._relays if relay.pid is not None]

    async def _start_relays(self) -> None:
        """Start the fan-out helpers once and subscribe them to every seat's pipelines."""
        async with self._relay_lock:
            if self._relays_started or self.config.fanout_processes <= 0:
                return
            self._relays_started = True
            await self._spawn_relays()

    async def _spawn_relays(self) -> None:
        for _ in range(self.config.fanout_processes):
            relay = FanoutProcess(self._relay_keyframe, self.config)
            await relay.start()
            self._relays.append(relay)
        for index in range(self.max_publishers):
            seat = self._seat(index)
            for relay in self._relays:
                for kind in ("video", "audio"):
                    seat.pipeline(kind).subscribe(RelayFeed(relay, index, kind))

    def _relay_keyframe(self, index: int) -> None:
        if index < len(self._seats):
            self._seats[index].video.request_keyframe()

    def describe(self) -> dict[str, Any]:
        """What a viewer page fetches before offering: state and how many pairs to offer."""
        return stage_description(
            self.max_publishers,
            self.state,
            self.publishers,
            self.viewer_count,
            sum(1 for seat in self._seats if seat.live),
        )

    def stats(self) -> dict[str, Any]:
        """Counters for monitoring and the benchmark."""
        return {
            "state": self.state,
            "viewers": self.viewer_count,
            "seats": [
                {
                    "publisher": seat.publisher_id,
                    "video_frames": seat.video.frames_out,
                    "audio_frames": seat.audio.frames_out,
                    "keyframes_forced": seat.video.keyframes_forced,
                    "renditions": {
                        r.name: {
                            "size": r.size,
                            "frames": r.frames_out,
                            "viewers": len(r.subscribers),
                        }
                        for r in seat.video.renditions
                    },
                    "video_subscribers": len(seat.video.subscribers),
                    "send_seconds": seat.video.send_seconds + seat.audio.send_seconds,
                }
                for seat in self._seats
            ],
        }

    async def _on_media(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` where publishers live: the media loop (or here, without it)."""
        return await on_media_loop(coro) if self.media_thread else await coro

    def _check_open(self) -> None:
        if self._ended:
            raise LiveError(409, "this live session has ended")

    def _seat(self, index: int) -> _Seat:
        while len(self._seats) <= index:
            self._seats.append(_Seat(self, len(self._seats)))
        return self._seats[index]

    def _source_ended(self, pipeline: Pipeline, track: MediaStreamTrack) -> None:
        logger.info("stage %s: a %s source ended", self.session_id, pipeline.kind)

    # ----- publishers --------------------------------------------------------------------

    async def publish(
        self, offer_sdp: str, offer_type: str, publisher_id: str
    ) -> RTCSessionDescription:
        """Accept a speaker's offer (one sendonly/sendrecv video and/or audio m-line).

        The same ``publisher_id`` publishing again (reload, network change) takes over its
        seat: the old peer is closed and viewers see the new stream on the tracks they
        already have.
        """
        self._check_open()
        media = check_offer(offer_sdp, offer_type)
        if media.count("video") > 1 or media.count("audio") > 1:
            raise LiveError(400, "a publisher sends at most one video and one audio track")
        if not any(direction in ("sendonly", "sendrecv") for _, direction in media.lines):
            raise LiveError(400, "publisher offer sends no media")
        if not publisher_id or len(publisher_id) > 200:
            raise LiveError(400, "publisher id must be 1-200 characters")
        await self._start_relays()
        async with self._lock:
            self._check_open()
            seat = next((s for s in self._seats if s.publisher_id == publisher_id), None)
            if seat is None:
                free = next((s for s in self._seats if s.publisher_id is None), None)
                if free is None and len(self._seats) >= self.max_publishers:
                    raise LiveError(409, f"at most {self.max_publishers} publishers")
                seat = free or self._seat(len(self._seats))
            pc, tracks = await self._on_media(self._answer_publisher(offer_sdp, offer_type))
            old = seat.pc
            seat.publisher_id = publisher_id
            seat.pc = pc
            if self._record and seat.recorder is None:
                seat.recorder = self._new_recorder(seat, set(tracks))
                seat.video.recorder = seat.recorder
                seat.audio.recorder = seat.recorder
                low = seat.video.low
                if low is not None and "video" in tracks:
                    seat.low_recorder = SlotRecorder(
                        seat.recorder.directory / LOW_VARIANT_DIR,
                        has_video=True,
                        has_audio="audio" in tracks,
                    )
                    seat.low_recorder.request_keyframe = low.request_keyframe
                    seat.video.low_recorder = seat.low_recorder
                    seat.audio.low_recorder = seat.low_recorder
            for kind, track in tracks.items():
                seat.pipeline(kind).attach(track)
            pc.on("connectionstatechange", lambda: self._publisher_state(seat, pc))
        if old is not None:
            await self._on_media(old.close())
        logger.info("stage %s: %s publishes on seat %d", self.session_id, publisher_id, seat.index)
        description = pc.localDescription
        assert description is not None
        return RTCSessionDescription(with_start_bitrate(description.sdp), description.type)

    async def _answer_publisher(
        self, offer_sdp: str, offer_type: str
    ) -> tuple[RTCPeerConnection, dict[str, MediaStreamTrack]]:
        """Negotiate a publisher's peer; runs on the media loop, which then owns the peer."""
        pc = RTCPeerConnection(self._rtc_config)
        tracks: dict[str, MediaStreamTrack] = {}
        pc.on("track", lambda track: tracks.setdefault(track.kind, track))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, offer_type))
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
        except Exception as exc:
            await pc.close()
            raise LiveError(400, f"offer not accepted: {type(exc).__name__}") from None
        return pc, tracks

    def _new_recorder(self, seat: _Seat, kinds: set[str]) -> SlotRecorder:
        assert self._spool_dir is not None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"{seat.index}-{safe_name(seat.publisher_id or 'x')}-{stamp}"
        path = self._spool_dir / safe_name(self.session_id) / name
        recorder = SlotRecorder(path, has_video="video" in kinds, has_audio="audio" in kinds)
        recorder.request_keyframe = seat.video.request_keyframe  # segment boundaries
        return recorder

    def _publisher_state(self, seat: _Seat, pc: RTCPeerConnection) -> None:
        if pc.connectionState in ("failed", "closed") and seat.pc is pc:
            for pipeline in (seat.video, seat.audio):
                if pipeline.source is not None:
                    pipeline.detach(pipeline.source)
            seat.pc = None
            if pc.connectionState == "failed":
                asyncio.get_running_loop().create_task(pc.close())
            logger.info(
                "stage %s: publisher %s dropped, seat %d paused",
                self.session_id,
                seat.publisher_id,
                seat.index,
            )

    async def unpublish(self, publisher_id: str) -> None:
        """A speaker stops on purpose: close their peer; the seat and recording stay."""
        for seat in self._seats:
            if seat.publisher_id == publisher_id and seat.pc is not None:
                await self._on_media(seat.pc.close())

    # ----- viewers -----------------------------------------------------------------------

    async def watch(self, offer_sdp: str, offer_type: str) -> RTCSessionDescription:
        """Accept a viewer's offer of recvonly video/audio pairs (see module docstring).

        With fan-out processes the viewer's peer lives in the least loaded one; the
        answer is the same either way.
        """
        self._check_open()
        await self._start_relays()
        relays = [relay for relay in self._relays if relay.alive]
        if relays:  # a crashed helper's share goes to the others, or to this process
            relay = min(relays, key=lambda r: r.load)
            return await relay.watch(offer_sdp, offer_type)
        pc = await answer_viewer(
            self._rtc_config, offer_sdp, offer_type, self.max_publishers,
            lambda index, kind: self._seat(index).pipeline(kind),
        )  # fmt: skip
        if self._ended:  # ended while we negotiated
            await pc.close()
            raise LiveError(409, "this live session has ended")
        self._viewers.add(pc)
        pc.on("connectionstatechange", lambda: self._viewer_state(pc))
        description = pc.localDescription
        assert description is not None
        return description

    def _viewer_state(self, pc: RTCPeerConnection) -> None:
        if pc.connectionState in ("failed", "closed") and pc in self._viewers:
            self._viewers.discard(pc)
            if pc.connectionState == "failed":
                asyncio.get_running_loop().create_task(pc.close())

    # ----- end ---------------------------------------------------------------------------

    async def end(self) -> list[Path]:
        """Close every peer, finish the recordings, report them; returns the spooled files.

        Idempotent. The recording callback runs for each file; its failures are logged and
        leave the file in the spool for :func:`~sessions.live.recorder.recover_spool`.
        """
        if self._ended:
            return []
        self._ended = True
        async with self._lock:
            publishers = [seat.pc for seat in self._seats if seat.pc is not None]
            viewers = list(self._viewers)
            self._viewers.clear()
            await asyncio.gather(
                *(self._on_media(pc.close()) for pc in publishers),
                *(pc.close() for pc in viewers),
                return_exceptions=True,
            )
            await asyncio.gather(*(r.close() for r in self._relays), return_exceptions=True)
            loop = asyncio.get_running_loop()
            files: list[tuple[Path, float]] = []
            for seat in self._seats:
                seat.pc = None
                await seat.video.stop()
                await seat.audio.stop()
                if seat.low_recorder is not None:  # ended before the top: the archive
                    await loop.run_in_executor(seat.executor, seat.low_recorder.close)
                if seat.recorder is not None:
                    recorder = seat.recorder
                    path = await loop.run_in_executor(seat.executor, recorder.close)
                    if path is not None:
                        files.append((path, recorder.duration))
                seat.executor.shutdown(wait=False)
        for path, duration in files:
            if self._on_recording_finished is not None:
                try:
                    await self._on_recording_finished(self.session_id, path, duration)
                except Exception:
                    logger.exception(
                        "stage %s: recording callback failed for %s", self.session_id, path
                    )
        return [path for path, _ in files]
