"""Light WebRTC receivers: hundreds of real viewers of a live talk on one core.

A full aiortc receiver (``tests.support.loadgen``) costs ~0.7 % of a core per viewer, so
a load generator filled this 2-core machine at 100–150 viewers before the server did.
Here aiortc still does what makes a viewer real to the server (the HTTP offer to the
talk's ``/live/watch`` endpoint, ICE, DTLS, RTCP, consent), but once the peer's UDP
socket exists it is taken out of asyncio's selector and read by one :class:`SocketPump`
per event loop: an epoll set over every viewer's socket, drained at most every few
milliseconds. The RTP header is not encrypted in SRTP, so each packet is only counted
(packets, bytes, and a video frame whenever the marker bit is set on the video SSRC):
no decryption, no jitter buffer, no decoder. STUN, DTLS and RTCP datagrams are handed
on to aioice unchanged. One *sampled* viewer (a :class:`~tests.support.loadgen.ProbeViewer`)
decodes for real and reads the stamps the synthetic speaker draws into each picture,
which proves the picture is real and gives the glass-to-glass delay.

Readings are windows: each :meth:`LightViewers.snapshot` (and :meth:`LightViewers.stop`)
reports the frame rates and delays since the previous reading (the first one since all
joins finished), so a benchmark can warm up, read once, wait, and read again.

Child processes (``python -m tests.support.light_receiver``, from the repository root)
host viewers apart from the caller; :class:`LightViewerProcess` is the parent side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import select
import socket
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from sessions.live.ice import allow_loopback_candidates
from tests.support.live_speaker import csrf_token
from tests.support.loadgen import ProbeViewer, _ssrcs_by_kind

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
PUMP_INTERVAL = 0.005  # s between drains: bounds wake-ups to 200/s whatever the count
JOIN_TIMEOUT = 60.0  # s for one viewer's offer, ICE and DTLS on a loaded machine
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


class LightViewer:
    """One receive-only peer whose media is counted at the socket."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.streams: list[CountedStream] = []

    @property
    def frames(self) -> int:
        return sum(stream.frames for stream in self.streams)

    @property
    def packets(self) -> int:
        return sum(stream.packets for stream in self.streams)

    @property
    def bytes(self) -> int:
        return sum(stream.bytes for stream in self.streams)

    @property
    def up(self) -> bool:
        return self.pc.connectionState == "connected"

    async def connect(self, signal: Any) -> None:
        """Offer, let ``signal(sdp, type)`` fetch the answer, count from then on."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        answer: RTCSessionDescription = await signal(offer.sdp, offer.type)
        await self.pc.setRemoteDescription(answer)
        # the camera's seat is the first video m-line (its SSRC and its RTX SSRC)
        video = frozenset(
            ssrc.to_bytes(4, "big") for ssrc in _ssrcs_by_kind(answer.sdp)["video"][0]
        )
        ice: Any = self.pc.getTransceivers()[0].receiver.transport.transport
        pump = SocketPump.of_running_loop()
        for protocol in list(ice._connection._protocols):
            stream = pump.take(protocol)
            stream.video_ssrcs = video
            self.streams.append(stream)
        await _connected(self.pc, JOIN_TIMEOUT)

    async def close(self) -> None:
        pump = SocketPump._pumps.get(asyncio.get_running_loop())
        for stream in self.streams:
            if pump is not None:
                pump.release(stream)
            else:
                stream.sock.close()
        await self.pc.close()


async def _connected(pc: RTCPeerConnection, timeout: float) -> None:
    """Wait until ``pc`` is connected; raise if it fails or takes longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed"):
            raise ConnectionError(f"connection {pc.connectionState}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"not connected within {timeout:.0f} s ({pc.connectionState})")
        await asyncio.sleep(0.05)


class Signalling:
    """Offers to a talk's ``/live/watch`` endpoint, as the session page's player sends them."""

    def __init__(self, base_url: str, session_id: int) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url, timeout=JOIN_TIMEOUT, limits=httpx.Limits(max_connections=20)
        )
        self.session_id = session_id
        self.token = ""

    async def open(self) -> None:
        """Fetch the talk's page for its cookie and CSRF token, like a browser."""
        self.token = csrf_token(await self.client.get(f"/sessions/{self.session_id}"))

    async def answer(self, sdp: str, kind: str) -> RTCSessionDescription:
        response = await self.client.post(
            f"/sessions/{self.session_id}/live/watch",
            json={"sdp": sdp, "type": kind},
            headers={"X-CSRF-Token": self.token, "Accept": "application/json"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"watch answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        return RTCSessionDescription(body["sdp"], body["type"])

    async def close(self) -> None:
        await self.client.aclose()


class LightViewers:
    """A running group of light viewers (and at most one sampled decoder)."""

    def __init__(
        self, light: list[LightViewer], sampled: ProbeViewer | None, signalling: Signalling
    ) -> None:
        self._light = light
        self._sampled = sampled
        self._signalling = signalling
        self._joined: list[LightViewer | ProbeViewer] = []
        self.failed = 0
        self.errors: list[str] = []
        self._window_start = time.monotonic()
        self._frames_at: dict[int, int] = {}
        self._packets_at = 0
        self._bytes_at = 0
        self._delays_at = 0
        self._decoded_at = 0
        self._order_errors_at = 0
        self._stopped: ViewerStats | None = None

    def _mark_joined(self, viewer: LightViewer | ProbeViewer) -> None:
        self._joined.append(viewer)

    def _mark_failed(self, error: BaseException) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(f"{type(error).__name__}: {error}")

    def _start_window(self) -> None:
        self.snapshot()

    def frames_received(self) -> list[int]:
        """Video frames each joined viewer has received so far (not reset by readings)."""
        return [self._frames_of(viewer) for viewer in self._joined]

    @staticmethod
    def _frames_of(viewer: LightViewer | ProbeViewer) -> int:
        if isinstance(viewer, LightViewer):
            return viewer.frames
        return int(viewer.video_frames[0])

    def snapshot(self) -> ViewerStats:
        """Frame rates, packets and delays since the previous reading; starts the next."""
        if self._stopped is not None:
            return self._stopped
        now = time.monotonic()
        seconds = max(now - self._window_start, 1e-9)
        fps: list[float] = []
        failed_later = 0
        for viewer in self._joined:
            frames = self._frames_of(viewer)
            fps.append((frames - self._frames_at.get(id(viewer), 0)) / seconds)
            self._frames_at[id(viewer)] = frames
            if viewer.pc.connectionState in ("failed", "closed"):
                failed_later += 1
        light = [viewer for viewer in self._joined if isinstance(viewer, LightViewer)]
        packets = sum(viewer.packets for viewer in light)
        size = sum(viewer.bytes for viewer in light)
        delays: list[float] | None = None
        decoded = order_errors = 0
        if self._sampled is not None:
            probe = self._sampled
            delays = [float(d) for d in probe.latencies_ms[self._delays_at :]]
            self._delays_at = len(probe.latencies_ms)
            decoded = len(probe.counters) - self._decoded_at
            self._decoded_at = len(probe.counters)
            order_errors = probe.order_errors - self._order_errors_at
            self._order_errors_at = probe.order_errors
        stats = ViewerStats.build(
            fps,
            packets=packets - self._packets_at,
            bytes=size - self._bytes_at,
            joined=len(self._joined),
            failed=self.failed + failed_later,
            delays_ms=delays,
            seconds=seconds,
            decoded_frames=decoded,
            order_errors=order_errors,
            errors=self.errors,
        )
        self._packets_at, self._bytes_at = packets, size
        self._window_start = now
        return stats

    async def stop(self) -> ViewerStats:
        """The last reading, then close every peer and the signalling client."""
        if self._stopped is not None:
            return self._stopped
        stats = self.snapshot()
        self._stopped = stats
        peers: list[LightViewer | ProbeViewer] = [*self._light]
        if self._sampled is not None:
            peers.append(self._sampled)
        await asyncio.gather(*(peer.close() for peer in peers), return_exceptions=True)
        await self._signalling.close()
        return stats


async def run_light_viewers(
    base_url: str,
    session_id: int,
    count: int,
    *,
    join_seconds: float = 10.0,
    sample_decoder: bool = True,
) -> LightViewers:
    """Join ``count`` viewers to the live talk ``session_id`` of the server at ``base_url``.

    Joins are spread evenly over ``join_seconds``; returns when every join has succeeded
    or failed (failures are counted, not raised). With ``sample_decoder`` the first viewer
    decodes for real (see the module docstring). The first reading's window starts here.
    Loopback ICE candidates are allowed for this process (the server needs
    ``FAIR_LIVE_LOOPBACK_ICE`` on a loopback-only machine).
    """
    allow_loopback_candidates()
    signalling = Signalling(base_url, session_id)
    await signalling.open()
    sampled = ProbeViewer(decode=True) if sample_decoder and count > 0 else None
    light = [LightViewer() for _ in range(count - (1 if sampled is not None else 0))]
    viewers = LightViewers(light, sampled, signalling)
    peers: list[LightViewer | ProbeViewer] = [*([sampled] if sampled else []), *light]
    gap = join_seconds / count if count else 0.0
    started = time.monotonic()

    async def join(index: int, peer: LightViewer | ProbeViewer) -> None:
        await asyncio.sleep(max(0.0, started + index * gap - time.monotonic()))
        try:
            await peer.connect(signalling.answer)
            if isinstance(peer, ProbeViewer):
                await _connected(peer.pc, JOIN_TIMEOUT)
        except Exception as exc:  # counted: a benchmark reports failures, it does not stop
            viewers._mark_failed(exc)
        else:
            viewers._mark_joined(peer)

    await asyncio.gather(*(join(index, peer) for index, peer in enumerate(peers)))
    viewers._start_window()
    return viewers


# --- child processes -----------------------------------------------------------------


class LightViewerProcess:
    """Parent side of a child process running :func:`run_light_viewers`.

    The child speaks JSON lines: it prints ``{"joined": n, "failed": m}`` once its joins
    are settled, answers ``{"cmd": "snapshot"}`` with a :class:`ViewerStats` and
    ``{"cmd": "stop"}`` with the last one before it exits.
    """

    def __init__(
        self,
        base_url: str,
        session_id: int,
        count: int,
        *,
        join_seconds: float = 10.0,
        sample_decoder: bool = False,
    ) -> None:
        self.args = [
            "--base-url", base_url, "--session", str(session_id), "--count", str(count),
            "--join-seconds", str(join_seconds),
        ]  # fmt: skip
        if sample_decoder:
            self.args.append("--sample-decoder")
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self) -> None:
        """Spawn the child; return once its viewers have joined (or failed to)."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.light_receiver", *self.args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=1 << 22, cwd=REPOSITORY_ROOT,
        )  # fmt: skip
        await self._read()

    async def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("light viewer process exited")
        message: dict[str, Any] = json.loads(line)
        return message

    async def _ask(self, command: str) -> ViewerStats:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps({"cmd": command}).encode() + b"\n")
        await self.process.stdin.drain()
        return ViewerStats.from_json((await self._read())["stats"])

    async def snapshot(self) -> ViewerStats:
        return await self._ask("snapshot")

    async def stop(self) -> ViewerStats:
        """The child's last reading; it closes its peers and exits (killed if it hangs)."""
        assert self.process is not None
        try:
            stats = await self._ask("stop")
            await asyncio.wait_for(self.process.wait(), 20)
            return stats
        except (TimeoutError, RuntimeError, ConnectionError):
            self.kill()
            raise

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


async def _child(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def emit(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    viewers = await run_light_viewers(
        args.base_url,
        args.session,
        args.count,
        join_seconds=args.join_seconds,
        sample_decoder=args.sample_decoder,
    )
    emit({"joined": len(viewers._joined), "failed": viewers.failed})
    while line := await reader.readline():
        command = json.loads(line).get("cmd")
        if command == "snapshot":
            emit({"stats": viewers.snapshot().to_json()})
        elif command == "stop":
            break
    emit({"stats": (await viewers.stop()).to_json()})


def main() -> None:
    """Entry point of a light viewer child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--session", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--join-seconds", type=float, default=10.0)
    parser.add_argument("--sample-decoder", action="store_true")
    asyncio.run(_child(parser.parse_args()))


if __name__ == "__main__":
    main()
