"""Encoded frames as every viewer gets them: packetized once, timed by one stage clock.

An :class:`EncodedFrame` is made once per encoded frame (see :mod:`.video_pipeline` and
:mod:`.audio_pipeline`) and handed read-only to every viewer's stream
(:mod:`sessions.live.fanout`), to the fan-out helpers (:mod:`sessions.live.relay`) and,
as its ``av.Packet``, to the recorder. All timestamps count from one :class:`StageClock`
per stage, so audio and video of all publishers stay in sync for the browser.
"""

from __future__ import annotations

import fractions
import time
from dataclasses import dataclass
from typing import Protocol

from aiortc.codecs.h264 import H264Encoder

VIDEO_CLOCK = 90000
AUDIO_CLOCK = 48000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
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


class Subscribers:
    """The viewers' streams of one feed, for a pipeline and a fan-out helper's feed alike.

    The subclass sets ``self.subscribers = []`` in its constructor."""

    subscribers: list[Subscriber]

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a viewer's stream; it gets every frame from the next one on."""
        self.subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Remove a viewer's stream (its peer closed)."""
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)


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
