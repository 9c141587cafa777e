"""Per-publisher media pipelines: decode once, encode once, hand the result to everyone.

aiortc decodes each published track once (its receiver does that). A :class:`VideoPipeline`
encodes the decoded frames once with libx264 (ultrafast, zerolatency, constrained
baseline, so Safari and every browser can play it, live and recorded), packetizes each
encoded frame once into RTP payloads and gives the same :class:`EncodedFrame` to every
subscribed viewer and the same ``av.Packet`` to the recorder. An :class:`AudioPipeline`
does the same with Opus. Nothing here is per viewer except the loop over subscribers.

Pipelines are long-lived: they belong to a seat on the stage, not to a peer connection.
When a publisher reconnects, only the source track behind the pipeline is swapped, so
viewers keep their connections and simply see the stream continue.

Encoding, packetizing and recording run on the publisher slot's one worker thread so
the event loop only sends; all timestamps derive from one :class:`StageClock` so audio
and video of all publishers stay in sync for the browser (RTCP sender reports).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.video.frame import PictureType, VideoFrame

from .recorder import SlotRecorder

logger = logging.getLogger(__name__)

VIDEO_CLOCK = 90000
AUDIO_CLOCK = 48000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
KEYFRAME_MIN_INTERVAL = 0.5  # seconds between forced keyframes, however many ask
GOP_SECONDS = 2  # natural keyframe spacing: recording fragments and seek points
FU_A_CHUNK = 1200  # NAL bytes per FU-A packet: equal sizes allow one GSO send per frame
PACKET_MAX = 1300  # largest NAL sent whole (single NAL or STAP-A), as in aiortc


def packetize_h264(data: bytes) -> tuple[bytes, ...]:
    """RTP payloads (RFC 6184, packetization-mode 1) for one Annex B access unit.

    Small NAL units (SPS, PPS, SEI) go alone or aggregated in STAP-A as aiortc does; a
    large one is cut into FU-A fragments of exactly :data:`FU_A_CHUNK` bytes except the
    last, unlike aiortc's evenly spread sizes, so the fragments can be sent in one call.
    """
    payloads: list[bytes] = []
    small: list[bytes] = []
    for nal in H264Encoder._split_bitstream(data):
        if len(nal) <= PACKET_MAX:
            small.append(nal)
            continue
        if small:
            payloads.extend(H264Encoder._packetize(small))
            small = []
        indicator = bytes([(nal[0] & 0xE0) | 28])
        nal_type = nal[0] & 0x1F
        body = memoryview(nal)[1:]
        count = -(-len(body) // FU_A_CHUNK)
        for index in range(count):
            flags = (0x80 if index == 0 else 0) | (0x40 if index == count - 1 else 0)
            chunk = body[index * FU_A_CHUNK : (index + 1) * FU_A_CHUNK]
            payloads.append(indicator + bytes([flags | nal_type]) + chunk)
    if small:
        payloads.extend(H264Encoder._packetize(small))
    return tuple(payloads)


def equal_run_start(payloads: tuple[bytes, ...]) -> int:
    """First index of the tail in which all payloads but the last share one size."""
    if len(payloads) < 2:
        return len(payloads)
    size = len(payloads[-2])
    if len(payloads[-1]) > size:
        return len(payloads)
    start = len(payloads) - 2
    while start > 0 and len(payloads[start - 1]) == size:
        start -= 1
    return start


NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900 to 1970


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """One encoded frame, packetized once, shared read-only by all viewers.

    ``timestamp`` is in RTP clock units (90 kHz video, 48 kHz audio) since the stage
    origin; each viewer adds its own random offset. ``ntp`` is the matching wall clock in
    NTP format for RTCP sender reports; ``abs_send_time`` the 24-bit header extension.
    ``run_start``: from this index on, all payloads but the last have the same size, so
    the sender can hand them to the kernel in one UDP GSO call (see ``fanout``).
    """

    payloads: tuple[bytes, ...]
    timestamp: int
    ntp: int
    abs_send_time: bytes
    keyframe: bool
    run_start: int = 0


class Subscriber(Protocol):
    """A viewer's stream for one pipeline (see :mod:`sessions.live.fanout`)."""

    def push(self, frame: EncodedFrame) -> None:
        """Send ``frame`` to the viewer now, or drop it; never blocks."""


class StageClock:
    """One monotonic origin per stage: every RTP timestamp and recording pts counts from it."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.wall0 = time.time()

    def now(self) -> float:
        """Seconds since the origin."""
        return time.monotonic() - self.t0

    def ntp(self, seconds: float) -> int:
        """NTP 32.32 timestamp of ``seconds`` after the origin."""
        return int((self.wall0 + seconds + NTP_EPOCH_OFFSET) * (1 << 32))


def abs_send_time_now() -> bytes:
    """The abs-send-time header extension value (6.18 fixed point seconds) for now."""
    value = int((time.time() + NTP_EPOCH_OFFSET) * (1 << 18)) & 0xFFFFFF
    return value.to_bytes(3, "big")


class Target(Protocol):
    """Where an encoded frame goes: a pipeline's or a rendition's subscribers."""

    subscribers: list[Subscriber]


class Pipeline:
    """Common part of audio and video: source swapping, subscribers, the encode loop."""

    kind = ""

    def __init__(
        self,
        clock: StageClock,
        executor: ThreadPoolExecutor,
        on_source_ended: Callable[[Pipeline, MediaStreamTrack], None],
    ) -> None:
        self.clock = clock
        self.recorder: SlotRecorder | None = None
        self.low_recorder: SlotRecorder | None = None  # the low rendition's HLS variant
        self.subscribers: list[Subscriber] = []
        self.frames_in = 0
        self.frames_out = 0
        self.send_seconds = 0.0  # CPU time of this thread spent in the per-viewer sends
        self._executor = executor
        self._on_source_ended = on_source_ended
        self._source: MediaStreamTrack | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None  # where the encode loop runs
        self.deliver_loop: asyncio.AbstractEventLoop | None = None  # where viewers are sent to

    @property
    def source(self) -> MediaStreamTrack | None:
        """The publisher track currently feeding this pipeline, if any."""
        return self._source

    def start(self) -> None:
        """Start the encode loop on the running loop (idempotent); it idles without source.

        The stage starts it on the media loop (:mod:`sessions.live.medialoop`) and sets
        :attr:`deliver_loop` to its own loop, where the viewers' sends then happen.
        """
        if self._task is None and not self._stopped:
            self._loop = asyncio.get_running_loop()
            self._task = self._loop.create_task(self._run())
            if self._source is not None:
                self._wake.set()

    async def stop(self) -> None:
        """Stop the loop; subscribers get nothing more."""
        self._source = None
        self._stopped = True  # a start() still on its way to the media loop does nothing
        task, loop = self._task, self._loop
        self._task = None
        if task is None:
            return

        async def cancel() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        if loop is None or loop is asyncio.get_running_loop():
            await cancel()
        elif not loop.is_closed():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(cancel(), loop))

    def attach(self, track: MediaStreamTrack) -> None:
        """Make ``track`` the source (publish or reconnect); subscribers stay."""
        self._source = track
        loop = self._loop
        if loop is None:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    def detach(self, track: MediaStreamTrack) -> None:
        """Forget ``track`` if it is still the source (its peer dropped)."""
        if self._source is track:
            self._source = None

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a viewer's stream; it gets every frame from the next one on."""
        self.subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Remove a viewer's stream (its peer closed)."""
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)

    def request_keyframe(self) -> None:
        """Ask for a keyframe (a viewer joined or sent PLI/FIR); audio ignores it."""

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            source = self._source
            if source is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                frame = await source.recv()
            except MediaStreamError:
                if self._source is source:
                    self._source = None
                    self._on_source_ended(self, source)
                continue
            if self._source is not source or not isinstance(frame, av.frame.Frame):
                continue
            if not self._keep(source):
                continue
            self.frames_in += 1
            try:
                job = self._prepare(frame)
                encoded = await loop.run_in_executor(self._executor, job)
            except Exception:  # a broken frame must not end the session
                logger.exception("%s pipeline: encoding failed", self.kind)
                continue
            self._deliver(encoded)

    def _deliver(self, encoded: list[tuple[Target, EncodedFrame]]) -> None:
        """Hand encoded frames to the viewers, on the loop their peers live on."""
        loop = self.deliver_loop
        if loop is None or loop is self._loop:
            self._fanout_all(encoded)
            return
        with contextlib.suppress(RuntimeError):  # that loop closed: nobody to send to
            loop.call_soon_threadsafe(self._fanout_all, encoded)

    def _fanout_all(self, encoded: list[tuple[Target, EncodedFrame]]) -> None:
        for target, item in encoded:
            self._fanout(item, target.subscribers)

    def _keep(self, source: MediaStreamTrack) -> bool:
        return True

    def _prepare(self, frame: av.frame.Frame) -> Callable[[], list[tuple[Target, EncodedFrame]]]:
        raise NotImplementedError

    def _fanout(self, frame: EncodedFrame, subscribers: list[Subscriber]) -> None:
        if subscribers is self.subscribers:
            self.frames_out += 1
        started = time.thread_time()
        for subscriber in list(subscribers):
            try:
                subscriber.push(frame)
            except Exception:  # one broken viewer must not stop the others
                logger.exception("%s pipeline: dropping a viewer stream", self.kind)
                self.unsubscribe(subscriber)
        self.send_seconds += time.thread_time() - started


@dataclass(frozen=True, slots=True)
class RenditionSpec:
    """One picture size viewers can get: the largest size and the bitrate it is encoded at."""

    name: str
    max_size: tuple[int, int]
    bitrate: int


LOW_RENDITION = RenditionSpec("low", (640, 360), 400_000)
UPGRADE_AFTER = 20.0  # seconds an "auto" viewer stays on the low rendition without loss


class Rendition:
    """One encoder of a video pipeline: a size, its viewers and its own keyframe pacing.

    A pipeline has one rendition per resolution, never one per viewer. Each viewer's
    stream sits in exactly one rendition's ``subscribers``; a stream that switches waits in
    ``pending`` until the new rendition's next keyframe, so the viewer's decoder never sees
    a frame it cannot decode (same SSRC and sequence numbers: no renegotiation).
    """

    def __init__(self, spec: RenditionSpec, fps: int) -> None:
        self.spec = spec
        self.name = spec.name
        self.fps = fps
        self.subscribers: list[Subscriber] = []
        self.pending: list[Subscriber] = []
        self.frames_out = 0
        self.keyframes_forced = 0
        self.size: tuple[int, int] | None = None
        self._source_size: tuple[int, int] | None = None
        self._codec: av.video.codeccontext.VideoCodecContext | None = None
        self._key_wanted = False
        self._last_forced = -KEYFRAME_MIN_INTERVAL

    def fits(self, width: int, height: int) -> bool:
        """True if a ``width`` x ``height`` source is no larger than this rendition's size."""
        return width <= self.spec.max_size[0] and height <= self.spec.max_size[1]

    def request_keyframe(self, now: float | None = None) -> None:
        """Mark a keyframe as wanted; forced at most every 0.5 s (see :meth:`force_now`)."""
        self._key_wanted = True
        if now is not None:  # a new source: force it at once
            self._last_forced = -KEYFRAME_MIN_INTERVAL

    def force_now(self, now: float) -> bool:
        """Whether the frame taken at ``now`` is to be a forced keyframe."""
        if self._key_wanted and now - self._last_forced >= KEYFRAME_MIN_INTERVAL:
            self._key_wanted = False
            self._last_forced = now
            self.keyframes_forced += 1
            return True
        return False

    def _target_size(self, width: int, height: int) -> tuple[int, int]:
        scale = min(1.0, self.spec.max_size[0] / width, self.spec.max_size[1] / height)
        return int(width * scale) // 2 * 2, int(height * scale) // 2 * 2

    def _open_codec(self, width: int, height: int) -> av.video.codeccontext.VideoCodecContext:
        codec = av.CodecContext.create("libx264", "w")
        assert isinstance(codec, av.video.codeccontext.VideoCodecContext)
        codec.width = width
        codec.height = height
        codec.pix_fmt = "yuv420p"
        codec.time_base = VIDEO_TIME_BASE
        codec.framerate = fractions.Fraction(self.fps, 1)
        codec.bit_rate = self.spec.bitrate
        codec.profile = "Baseline"
        keyint = self.fps * GOP_SECONDS
        codec.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "level": "31",
            "forced-idr": "1",
            "threads": "1",
            "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:repeat-headers=1",
        }
        return codec

    def encode(self, frame: VideoFrame, pts: int, force: bool) -> list[av.Packet[Any]]:
        """Encode ``frame`` (any size; scaled here) and return the H.264 packets.

        The output size follows the source: when the publisher's picture changes size
        (a browser raises its resolution as its bandwidth estimate grows), the encoder is
        reopened at the new size and starts with a keyframe carrying the new SPS.
        """
        source = (frame.width, frame.height)
        if source != self._source_size:
            self._source_size = source
            size = self._target_size(*source)
            if size != self.size:
                self.size = size
                self._codec = None
        assert self.size is not None
        width, height = self.size
        if frame.width != width or frame.height != height or frame.format.name != "yuv420p":
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        if self._codec is None:
            self._codec = self._open_codec(width, height)
            force = True
        frame.pts = pts
        frame.time_base = VIDEO_TIME_BASE
        frame.pict_type = PictureType.I if force else PictureType.NONE
        return list(self._codec.encode(frame))


class VideoPipeline(Pipeline):
    """Encodes one publisher's video once per resolution for all viewers and the recording.

    The top rendition (up to ``max_size``, 1280x720 by default) goes to the recording, the
    HLS top variant and every viewer who has not been moved to a smaller one. With
    ``low`` set, a second, smaller rendition is encoded from the same decoded frame, on
    the same thread, whenever the publisher's picture is larger than it: one extra
    encoder per track, whatever the number of viewers.
    """

    kind = "video"

    def __init__(
        self,
        clock: StageClock,
        executor: ThreadPoolExecutor,
        on_source_ended: Callable[[Pipeline, MediaStreamTrack], None],
        bitrate: int = 1_000_000,
        max_size: tuple[int, int] = (1280, 720),
        fps: int = 30,
        low: RenditionSpec | None = None,
    ) -> None:
        super().__init__(clock, executor, on_source_ended)
        self.bitrate = bitrate
        self.max_size = max_size
        self.fps = fps
        self.top = Rendition(RenditionSpec("hd", max_size, bitrate), fps)
        self.subscribers = self.top.subscribers  # the base class's fan-out list
        self.low = Rendition(low, fps) if low is not None else None
        self.low_active = False  # the source is larger than the low rendition
        self._low_change: bool | None = None
        self._last_pts = -1

    @property
    def renditions(self) -> list[Rendition]:
        """The renditions encoded now (the low one only while the source is larger)."""
        if self.low is not None and self.low_active:
            return [self.top, self.low]
        return [self.top]

    @property
    def keyframes_forced(self) -> int:
        """Forced keyframes of the top rendition (joins, PLI/FIR, segment cuts)."""
        return self.top.keyframes_forced

    def attach(self, track: MediaStreamTrack) -> None:
        """Swap the source and make the next frame a keyframe so viewers recover at once."""
        super().attach(track)
        now = self.clock.now()
        for rendition in (self.top, self.low):
            if rendition is not None:
                rendition.request_keyframe(now)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Remove a viewer's stream from whichever rendition holds it."""
        for rendition in (self.top, self.low):
            if rendition is None:
                continue
            for group in (rendition.subscribers, rendition.pending):
                if subscriber in group:
                    group.remove(subscriber)

    def request_keyframe(self) -> None:
        """A keyframe in every rendition, at most every 0.5 s (a burst of joins shares one)."""
        for rendition in self.renditions:
            rendition.request_keyframe()

    def rendition_of(self, subscriber: Subscriber) -> str:
        """Name of the rendition ``subscriber`` gets now (or is switching to)."""
        for rendition in (self.top, self.low):
            if rendition is not None and (
                subscriber in rendition.pending or subscriber in rendition.subscribers
            ):
                return rendition.name
        return ""

    def select(self, subscriber: Subscriber, name: str) -> str:
        """Move a viewer's stream to rendition ``name`` ("hd" or "low") at its next keyframe.

        Returns the rendition the viewer will get: "low" falls back to "hd" while the
        publisher's picture is not larger than the low rendition (nothing to switch to).
        """
        target = (
            self.low if name == "low" and self.low is not None and self.low_active else self.top
        )
        if subscriber in target.subscribers:
            for rendition in (self.top, self.low):
                if rendition is not None and subscriber in rendition.pending:
                    rendition.pending.remove(subscriber)
            return target.name
        if subscriber not in target.pending:
            for rendition in (self.top, self.low):
                if rendition is not None and subscriber in rendition.pending:
                    rendition.pending.remove(subscriber)
            target.pending.append(subscriber)
        target.request_keyframe()
        return target.name

    def _keep(self, source: MediaStreamTrack) -> bool:
        # Drop stale frames instead of queueing latency when encoding falls behind.
        queue = getattr(source, "_queue", None)
        return queue is None or queue.qsize() < 6

    def _prepare(self, frame: av.frame.Frame) -> Callable[[], list[tuple[Target, EncodedFrame]]]:
        assert isinstance(frame, VideoFrame)
        now = self.clock.now()
        pts = max(self._last_pts + 1, round(now * VIDEO_CLOCK))
        self._last_pts = pts
        force_top = self.top.force_now(now)
        force_low = self.low.force_now(now) if self.low is not None else False
        return lambda: self._encode(frame, pts, force_top, force_low)

    def _encode(
        self, frame: VideoFrame, pts: int, force_top: bool, force_low: bool
    ) -> list[tuple[Target, EncodedFrame]]:
        out: list[tuple[Target, EncodedFrame]] = []
        for packet in self.top.encode(frame, pts, force_top):
            out.append((self.top, self._packetize(packet)))
            if self.recorder is not None and self.top.size is not None:
                self.recorder.write_video(packet, *self.top.size)
        low = self.low
        if low is not None:
            active = not low.fits(frame.width, frame.height)
            if active != self.low_active:
                self.low_active = active
                self._low_change = active  # applied where the viewers live (_fanout_all)
            if active:
                for packet in low.encode(frame, pts, force_low):
                    out.append((low, self._packetize(packet)))
                    if self.low_recorder is not None and low.size is not None:
                        self.low_recorder.write_video(packet, *low.size)
        return out

    def _fanout_all(self, encoded: list[tuple[Target, EncodedFrame]]) -> None:
        change, self._low_change = self._low_change, None
        if change is not None:
            self._low_changed(change)
        super()._fanout_all(encoded)

    def _low_changed(self, active: bool) -> None:
        """The source crossed the low rendition's size: start it, or send its viewers back."""
        assert self.low is not None
        if active:
            self.low.request_keyframe(self.clock.now())
            return
        self.top.pending.extend(self.low.subscribers + self.low.pending)
        self.low.subscribers.clear()
        self.low.pending.clear()
        self.top.request_keyframe()

    def _packetize(self, packet: av.Packet[Any]) -> EncodedFrame:
        data = bytes(packet)
        payloads = packetize_h264(data)
        assert packet.pts is not None
        return EncodedFrame(
            payloads=payloads,
            timestamp=packet.pts,
            ntp=self.clock.ntp(packet.pts / VIDEO_CLOCK),
            abs_send_time=abs_send_time_now(),
            keyframe=packet.is_keyframe,
            run_start=equal_run_start(payloads),
        )

    def _fanout(self, frame: EncodedFrame, subscribers: list[Subscriber]) -> None:
        """Send to a rendition's viewers; at its keyframe, viewers switching to it join."""
        for rendition in (self.top, self.low):
            if rendition is not None and rendition.subscribers is subscribers:
                rendition.frames_out += 1
                if frame.keyframe and rendition is self.top and self.low_active:
                    self.adapt(self.clock.now())
                if frame.keyframe and rendition.pending:
                    self._switch_in(rendition)
        super()._fanout(frame, subscribers)

    def adapt(self, now: float) -> None:
        """Move "auto" viewers between renditions (at every top keyframe, ~2 s apart).

        Deliberately simple: a viewer who lost video since the last check (its socket
        backlog overflowed, or its receiver report says > 5 % loss) goes to the low
        rendition; one who has been fine there for :data:`UPGRADE_AFTER` seconds is
        offered HD again (and comes back down at the next loss). Viewers who chose
        "hd" or "low" stay where they are.
        """
        assert self.low is not None
        for subscriber in list(self.top.subscribers):
            stream: Any = subscriber
            if getattr(stream, "quality", "") == "auto" and stream.congested():
                stream.switched_at = now
                self.select(subscriber, "low")
        for subscriber in list(self.low.subscribers):
            stream = subscriber
            if getattr(stream, "quality", "") != "auto":
                continue
            if stream.congested():
                stream.switched_at = now
            elif now - stream.switched_at >= UPGRADE_AFTER:
                stream.switched_at = now
                self.select(subscriber, "hd")

    def choose(self, subscriber: Subscriber, quality: str) -> str:
        """The viewer's own choice: "auto", "hd" or "low"; returns the rendition it gets."""
        stream: Any = subscriber
        stream.quality = quality
        if quality == "auto":
            return self.rendition_of(subscriber)
        return self.select(subscriber, quality)

    def _switch_in(self, rendition: Rendition) -> None:
        for subscriber in rendition.pending:
            for other in (self.top, self.low):
                if other is not None and other is not rendition and subscriber in other.subscribers:
                    other.subscribers.remove(subscriber)
            if subscriber not in rendition.subscribers:
                rendition.subscribers.append(subscriber)
        rendition.pending.clear()


class AudioPipeline(Pipeline):
    """Encodes one publisher's audio once with Opus for all viewers (AAC for the recording)."""

    kind = "audio"

    def __init__(
        self,
        clock: StageClock,
        executor: ThreadPoolExecutor,
        on_source_ended: Callable[[Pipeline, MediaStreamTrack], None],
        bitrate: int = 64_000,
    ) -> None:
        super().__init__(clock, executor, on_source_ended)
        self.bitrate = bitrate
        self._codec: av.audio.codeccontext.AudioCodecContext | None = None
        self._resampler = AudioResampler(
            format="s16", layout="stereo", rate=AUDIO_CLOCK, frame_size=960
        )
        self._next_ts: int | None = None  # 48 kHz timestamp of the next Opus packet

    def _prepare(self, frame: av.frame.Frame) -> Callable[[], list[tuple[Target, EncodedFrame]]]:
        assert isinstance(frame, AudioFrame)
        wall = round(self.clock.now() * AUDIO_CLOCK)
        return lambda: [(self, item) for item in self._encode(frame, wall)]

    def _open_codec(self) -> av.audio.codeccontext.AudioCodecContext:
        codec = av.CodecContext.create("libopus", "w")
        assert isinstance(codec, av.audio.codeccontext.AudioCodecContext)
        codec.bit_rate = self.bitrate
        codec.format = "s16"
        codec.layout = "stereo"
        codec.sample_rate = AUDIO_CLOCK
        codec.time_base = fractions.Fraction(1, AUDIO_CLOCK)
        codec.options = {"application": "voip"}
        return codec

    def _encode(self, frame: AudioFrame, wall: int) -> list[EncodedFrame]:
        # Continue the sample count while audio flows; after a gap of more than 200 ms
        # (publisher paused or reconnected) jump forward to the wall clock.
        if self._next_ts is None or wall - self._next_ts > AUDIO_CLOCK // 5:
            self._next_ts = wall
        start = self._next_ts
        if self.recorder is not None:
            self.recorder.write_audio(frame, start)
        if self.low_recorder is not None:  # the low HLS variant carries the sound too
            self.low_recorder.write_audio(frame, start)
        if self._codec is None:
            self._codec = self._open_codec()
        frame.pts = None
        out: list[EncodedFrame] = []
        for chunk in self._resampler.resample(frame):
            chunk.pts = None
            for packet in self._codec.encode(chunk):
                ts = self._next_ts
                self._next_ts += packet.duration or 960
                out.append(
                    EncodedFrame(
                        payloads=(bytes(packet),),
                        timestamp=ts,
                        ntp=self.clock.ntp(ts / AUDIO_CLOCK),
                        abs_send_time=abs_send_time_now(),
                        keyframe=True,
                        run_start=1,
                    )
                )
        return out
