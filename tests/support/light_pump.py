"""What a light receiver does with its packets: one epoll pump per event loop counts
every viewer's SRTP packets and video frames at the socket (no decryption, no decoding)
and hands STUN, DTLS and RTCP on to aioice; the counters become :class:`ViewerStats`.
The peers around it are :mod:`tests.support.light_receiver`'s."""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

PUMP_INTERVAL = 0.005  # s between drains: bounds wake-ups to 200/s whatever the count
MAX_ERRORS_KEPT = 10


def percentile(values: list[float], share: float) -> float | None:
    """The value below which ``share`` of ``values`` lie (nearest rank); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@dataclass
class ViewerStats:
    """One reading of a group of viewers, over the window since the previous reading."""

    fps: list[float]  # per viewer that joined: video frames per second in the window
    fps_p10: float
    fps_median: float
    packets: int  # RTP packets received by all viewers in the window
    bytes: int  # their size on the wire (SRTP, UDP payload)
    joined: int  # viewers whose connection came up
    failed: int  # viewers that never joined, or whose connection failed later
    glass_to_glass_p95_ms: float | None  # from the sampled decoder; None when not sampling
    glass_to_glass_median_ms: float | None = None
    seconds: float = 0.0  # length of the window
    decoded_frames: int = 0  # pictures the sampled viewer decoded with a readable stamp
    order_errors: int = 0  # decoded pictures whose counter went backwards
    errors: list[str] = field(default_factory=list)  # the first few reasons for failures

    @classmethod
    def build(
        cls,
        fps: list[float],
        *,
        packets: int,
        bytes: int,
        joined: int,
        failed: int,
        delays_ms: list[float] | None,
        seconds: float,
        decoded_frames: int = 0,
        order_errors: int = 0,
        errors: list[str] | None = None,
    ) -> ViewerStats:
        """Stats with the percentiles computed from the raw lists."""
        return cls(
            fps=fps,
            fps_p10=percentile(fps, 0.10) or 0.0,
            fps_median=statistics.median(fps) if fps else 0.0,
            packets=packets,
            bytes=bytes,
            joined=joined,
            failed=failed,
            glass_to_glass_p95_ms=percentile(delays_ms, 0.95) if delays_ms else None,
            glass_to_glass_median_ms=statistics.median(delays_ms) if delays_ms else None,
            seconds=seconds,
            decoded_frames=decoded_frames,
            order_errors=order_errors,
            errors=list(errors or [])[:MAX_ERRORS_KEPT],
        )

    @classmethod
    def combine(cls, parts: list[ViewerStats]) -> ViewerStats:
        """Readings of several groups (e.g. processes) taken at the same time, as one.

        At most one group samples, so its delay percentiles are taken as they are.
        """
        fps = [value for part in parts for value in part.fps]
        sampled = [part for part in parts if part.glass_to_glass_p95_ms is not None]
        combined = cls.build(
            fps,
            packets=sum(part.packets for part in parts),
            bytes=sum(part.bytes for part in parts),
            joined=sum(part.joined for part in parts),
            failed=sum(part.failed for part in parts),
            delays_ms=None,
            seconds=max((part.seconds for part in parts), default=0.0),
            decoded_frames=sum(part.decoded_frames for part in parts),
            order_errors=sum(part.order_errors for part in parts),
            errors=[error for part in parts for error in part.errors],
        )
        if sampled:
            combined.glass_to_glass_p95_ms = sampled[0].glass_to_glass_p95_ms
            combined.glass_to_glass_median_ms = sampled[0].glass_to_glass_median_ms
        return combined

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ViewerStats:
        return cls(**data)


class CountedStream:
    """Counters of one light viewer's socket, updated by the pump for every datagram."""

    __slots__ = ("bytes", "frames", "packets", "protocol", "sock", "video_ssrcs")

    def __init__(self, protocol: Any, sock: socket.socket) -> None:
        self.frames = 0
        self.packets = 0
        self.bytes = 0
        self.video_ssrcs: frozenset[bytes] = frozenset()  # 4 bytes each, from the answer
        self.protocol = protocol  # aioice's StunProtocol: STUN, DTLS and RTCP go there
        self.sock = sock


class SocketPump:
    """Reads every light viewer's UDP socket of one event loop through one epoll set.

    asyncio would wake up, call ``recvfrom`` and run aioice's STUN parser per datagram;
    here one wake-up drains all sockets that have data (at most every
    :data:`PUMP_INTERVAL`), reading each datagram into one reused buffer. Level-triggered
    rounds of ``epoll.poll(0)`` read one datagram per ready socket, so no call ever ends
    in ``EAGAIN``.
    """

    _pumps: dict[asyncio.AbstractEventLoop, SocketPump] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._epoll = select.epoll()
        self._streams: dict[int, CountedStream] = {}
        self._buffer = bytearray(65536)
        self._armed = False

    @classmethod
    def of_running_loop(cls) -> SocketPump:
        loop = asyncio.get_running_loop()
        pump = cls._pumps.get(loop)
        if pump is None or pump._epoll.closed:
            pump = cls._pumps[loop] = cls(loop)
        return pump

    def take(self, protocol: Any) -> CountedStream:
        """Move one aioice protocol's socket from asyncio's selector to this pump."""
        original = protocol.transport.get_extra_info("socket")
        protocol.transport.pause_reading()  # asyncio's selector stops reading it
        sock = socket.fromfd(original.fileno(), original.family, socket.SOCK_DGRAM)  # a dup
        sock.setblocking(False)
        stream = CountedStream(protocol, sock)
        self._streams[sock.fileno()] = stream
        self._epoll.register(sock.fileno(), select.EPOLLIN)
        if not self._armed:
            self._arm()
        return stream

    def release(self, stream: CountedStream) -> None:
        fd = stream.sock.fileno()
        if self._streams.pop(fd, None) is not None:
            with contextlib.suppress(OSError):
                self._epoll.unregister(fd)
        stream.sock.close()
        if not self._streams:
            self._disarm()
            self._epoll.close()
            self._pumps.pop(self._loop, None)

    def _arm(self) -> None:
        self._armed = True
        self._loop.add_reader(self._epoll.fileno(), self._ready)

    def _disarm(self) -> None:
        if self._armed:
            self._loop.remove_reader(self._epoll.fileno())
            self._armed = False

    def _ready(self) -> None:
        """Data waits: drain now, then sleep one interval before listening again."""
        self._disarm()
        try:
            self.drain()
        finally:
            self._loop.call_later(PUMP_INTERVAL, self._rearm)

    def _rearm(self) -> None:
        if self._streams and not self._armed and not self._epoll.closed:
            self._arm()

    def drain(self) -> None:
        """Read every waiting datagram; count RTP, hand everything else to aioice."""
        buffer = self._buffer
        streams = self._streams
        poll = self._epoll.poll
        for _ in range(256):  # bounded, so a socket that never empties cannot hang the loop
            events = poll(0)
            if not events:
                return
            for fd, _ in events:
                stream = streams.get(fd)
                if stream is None:
                    continue
                try:
                    size, address = stream.sock.recvfrom_into(buffer)
                except OSError:  # EAGAIN, or an ICMP error reported once: nothing to read
                    continue
                first = buffer[0]
                second = buffer[1]
                if 127 < first < 192 and size >= 12 and not 191 < second < 224:
                    stream.packets += 1
                    stream.bytes += size
                    if second & 0x80 and bytes(buffer[8:12]) in stream.video_ssrcs:
                        stream.frames += 1
                    continue
                stream.protocol.datagram_received(bytes(buffer[:size]), address)
