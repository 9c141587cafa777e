"""Renditions of a video pipeline: one encoder per picture size, never one per viewer.

A :class:`~sessions.live.video_pipeline.VideoPipeline` encodes the top rendition (the
publisher's picture up to 1280x720) and, for larger cameras, :data:`LOW_RENDITION`
(640x360) from the same decoded frame. Each rendition paces its own keyframes and holds
the viewers that get it.
"""

from __future__ import annotations

import fractions
from dataclasses import dataclass
from typing import Any

import av
from av.video.frame import PictureType, VideoFrame

from .frames import VIDEO_TIME_BASE, Subscriber

KEYFRAME_MIN_INTERVAL = 0.5  # seconds between forced keyframes, however many ask
GOP_SECONDS = 2  # natural keyframe spacing: recording fragments and seek points


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
