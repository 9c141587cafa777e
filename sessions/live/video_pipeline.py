"""The video pipeline of one publisher: decode once, encode once per rendition, share.

The encoded frames go to every subscribed viewer (each in exactly one rendition), the top
rendition's packets to the recording and the HLS top variant, the low rendition's to the
low HLS variant. See :mod:`sessions.live.media` for the loop every pipeline shares.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import av
from aiortc.mediastreams import MediaStreamTrack
from av.video.frame import VideoFrame

from .frames import (
    VIDEO_CLOCK,
    EncodedFrame,
    StageClock,
    Subscriber,
    Target,
    abs_send_time_now,
    equal_run_start,
    packetize_h264,
)
from .media import Pipeline
from .renditions import UPGRADE_AFTER, Rendition, RenditionSpec

#: How far a frame's own time may run from the stage clock before the clock takes over.
MAX_SKEW = VIDEO_CLOCK  # 1 s: longer than the stalls seen (0.4-0.7 s), short beside a pause
#: Decoded frames waiting beyond this many are dropped (half a second at 30 fps).
STALE_FRAMES = 15


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
        self._anchor: int | None = None  # stage clock minus the source's clock, in ticks

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
        self._anchor = None  # a new source has a clock of its own
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
        # Drop stale frames instead of queueing latency when encoding falls behind for
        # longer than half a second; a shorter stall (a burst of joins, a GC pause) is
        # caught up in a few encodes, every frame kept and stamped with its own time.
        queue = getattr(source, "_queue", None)
        return queue is None or queue.qsize() < STALE_FRAMES

    def _prepare(self, frame: av.frame.Frame) -> Callable[[], list[tuple[Target, EncodedFrame]]]:
        assert isinstance(frame, VideoFrame)
        now = self.clock.now()
        pts = max(self._last_pts + 1, self._stamp(frame, round(now * VIDEO_CLOCK)))
        self._last_pts = pts
        force_top = self.top.force_now(now)
        force_low = self.low.force_now(now) if self.low is not None else False
        return lambda: self._encode(frame, pts, force_top, force_low)

    def _stamp(self, frame: VideoFrame, wall: int) -> int:
        """The frame's time on the stage clock, spaced as the publisher captured it.

        A stall on this side (the loop busy with a burst of joining viewers) delays when a
        frame is decoded, not when it was taken: stamped by the wall clock, the frames of a
        0.4 s stall would bunch into the next second of the recording (measured: 18 then 37
        pictures). The source's own timestamps keep the spacing; the least-delayed frame
        anchors them to the stage clock, and the wall clock takes over after a gap or a drift
        of more than MAX_SKEW (a paused or reconnected publisher), as audio does.
        """
        if frame.pts is None or frame.time_base is None:
            return wall
        source = round(frame.pts * frame.time_base * VIDEO_CLOCK)
        anchor = self._anchor
        if anchor is None or abs(wall - (anchor + source)) > MAX_SKEW or wall - source < anchor:
            anchor = self._anchor = wall - source
        return anchor + source

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
