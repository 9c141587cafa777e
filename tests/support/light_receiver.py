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
which proves the picture is real and gives the glass-to-glass delay. The pump and the
counters are in :mod:`tests.support.light_pump`.

Readings are windows: each :meth:`LightViewers.snapshot` (and :meth:`LightViewers.stop`)
reports the frame rates and delays since the previous reading (the first one since all
joins finished), so a benchmark can warm up, read once, wait, and read again. A join
burst needs readings *while* viewers join: a child started with ``tick`` also reports
every viewer's frame count every ``tick`` seconds from its first offer on
(:attr:`LightViewerProcess.ticks`), which gives frame rates per second of the burst.

Child processes (``python -m tests.support.light_receiver``, from the repository root)
host viewers apart from the caller; :class:`LightViewerProcess` is the parent side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from aiortc import RTCPeerConnection, RTCSessionDescription

from sessions.live.ice import allow_loopback_candidates
from tests.support.light_pump import MAX_ERRORS_KEPT, CountedStream, SocketPump, ViewerStats
from tests.support.live_speaker import csrf_token
from tests.support.loadgen import ProbeViewer, _ssrcs_by_kind, receiving_peer

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
JOIN_TIMEOUT = 60.0  # s for one viewer's offer, ICE and DTLS on a loaded machine


class LightViewer:
    """One receive-only peer whose media is counted at the socket."""

    def __init__(self) -> None:
        self.pc = receiving_peer()
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
    on_created: Callable[[LightViewers], None] | None = None,
) -> LightViewers:
    """Join ``count`` viewers to the live talk ``session_id`` of the server at ``base_url``.

    Joins are spread evenly over ``join_seconds``; returns when every join has succeeded
    or failed (failures are counted, not raised). With ``sample_decoder`` the first viewer
    decodes for real (see the module docstring). The first reading's window starts here.
    ``on_created`` gets the group before the first offer (to watch the joins as they go).
    Loopback ICE candidates are allowed for this process (the server needs
    ``FAIR_LIVE_LOOPBACK_ICE`` on a loopback-only machine).
    """
    allow_loopback_candidates()
    signalling = Signalling(base_url, session_id)
    await signalling.open()
    sampled = ProbeViewer(decode=True) if sample_decoder and count > 0 else None
    light = [LightViewer() for _ in range(count - (1 if sampled is not None else 0))]
    viewers = LightViewers(light, sampled, signalling)
    if on_created is not None:
        on_created(viewers)
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
    ``{"cmd": "stop"}`` with the last one before it exits. With ``tick`` it also prints
    ``{"tick": unix time, "frames": [...]}`` every ``tick`` seconds (frames received so
    far per joined viewer, in the order they joined), collected in :attr:`ticks`.
    """

    def __init__(
        self,
        base_url: str,
        session_id: int,
        count: int,
        *,
        join_seconds: float = 10.0,
        sample_decoder: bool = False,
        tick: float = 0.0,
    ) -> None:
        self.ticks: list[tuple[float, list[int]]] = []
        self.args = [
            "--base-url", base_url, "--session", str(session_id), "--count", str(count),
            "--join-seconds", str(join_seconds),
        ]  # fmt: skip
        if sample_decoder:
            self.args.append("--sample-decoder")
        if tick:
            self.args += ["--tick", str(tick)]
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
        while True:
            line = await self.process.stdout.readline()
            if not line:
                raise RuntimeError("light viewer process exited")
            message: dict[str, Any] = json.loads(line)
            if "tick" not in message:
                return message
            self.ticks.append((message["tick"], message["frames"]))

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

    ticking: list[asyncio.Task[None]] = []

    async def tick(group: LightViewers) -> None:
        while True:
            emit({"tick": time.time(), "frames": group.frames_received()})
            await asyncio.sleep(args.tick)

    def watch_joins(group: LightViewers) -> None:
        if args.tick > 0:
            ticking.append(asyncio.create_task(tick(group)))

    viewers = await run_light_viewers(
        args.base_url,
        args.session,
        args.count,
        join_seconds=args.join_seconds,
        sample_decoder=args.sample_decoder,
        on_created=watch_joins,
    )
    emit({"joined": len(viewers._joined), "failed": viewers.failed})
    while line := await reader.readline():
        command = json.loads(line).get("cmd")
        if command == "snapshot":
            emit({"stats": viewers.snapshot().to_json()})
        elif command == "stop":
            break
    for task in ticking:
        task.cancel()
        emit({"tick": time.time(), "frames": viewers.frames_received()})  # the last one
    emit({"stats": (await viewers.stop()).to_json()})


def main() -> None:
    """Entry point of a light viewer child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--session", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--join-seconds", type=float, default=10.0)
    parser.add_argument("--sample-decoder", action="store_true")
    parser.add_argument("--tick", type=float, default=0.0, help="report frames every s")
    asyncio.run(_child(parser.parse_args()))


if __name__ == "__main__":
    main()
