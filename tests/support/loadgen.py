"""Receive-only aiortc viewers for tests and the benchmark, in-process or in child processes.

Not used by the app, so it lives outside the app package. A :class:`ProbeViewer` offers
``seats`` recvonly video+audio pairs, counts video frames *before* decoding (decoding is
what makes load generators expensive) and, with ``decode=True``, decodes for real and
reads the stamps drawn by :class:`~tests.support.synthetic.SyntheticVideoTrack` to check
order and latency.

Child processes (``python -m tests.support.loadgen``, started from the repository root)
host many viewers and speak JSON lines on stdin/stdout; :class:`ViewerProcess` is the
parent side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from sessions.live.ice import allow_loopback_candidates
from tests.support.synthetic import read_stamp

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
Answerer = Callable[[str, str], Awaitable[RTCSessionDescription]]


def _ssrcs_by_kind(sdp: str) -> dict[str, list[list[int]]]:
    """The SSRCs announced per m-line of ``sdp``, grouped by kind in m-line order."""
    found: dict[str, list[list[int]]] = {"audio": [], "video": []}
    for section in sdp.split("\nm=")[1:]:
        kind = section.split(" ", 1)[0]
        ssrcs = sorted(
            {
                int(line.split(":", 1)[1].split()[0])
                for line in section.splitlines()
                if line.startswith("a=ssrc:")
            }
        )
        if kind in found:
            found[kind].append(ssrcs)
    return found


def bundled_peer() -> RTCPeerConnection:
    """A peer as the tests' browsers make one: no ICE servers (loopback), one transport."""
    return RTCPeerConnection(
        RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


def receiving_peer(seats: int = 1) -> RTCPeerConnection:
    """A :func:`bundled_peer` offering ``seats`` receive-only video+audio pairs."""
    pc = bundled_peer()
    for _ in range(seats):
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")
    return pc


class ProbeViewer:
    """One viewer peer; statistics in :meth:`report`."""

    def __init__(self, seats: int = 1, decode: bool = False) -> None:
        self.seats = seats
        self.decode = decode
        self.pc = receiving_peer(seats)
        self.created = time.time()
        self.video_frames = [0] * seats
        self.audio_frames = [0] * seats
        self.first_video_at: list[float | None] = [None] * seats
        self.latencies_ms: list[int] = []
        self.counters: list[int] = []
        self.order_errors = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _video_index(self, track: MediaStreamTrack) -> int:
        kinds = [t for t in self.pc.getTransceivers() if t.kind == track.kind]
        for index, transceiver in enumerate(kinds):
            if transceiver.receiver.track is track:
                return index
        return 0

    def _on_track(self, track: MediaStreamTrack) -> None:
        index = self._video_index(track)
        if not self.decode:
            return  # counted at the socket, see count_only
        if track.kind == "audio":
            self._tasks.append(asyncio.ensure_future(self._drain_audio(track, index)))
        else:
            self._tasks.append(asyncio.ensure_future(self._read_video(track, index)))

    def count_only(self) -> None:
        """Count RTP packets at the socket, before SRTP, jitter buffer and decoder.

        A full aiortc receive path costs the load generator ~200 µs per packet, which would
        fill this machine long before the server; the RTP header is not encrypted, so the
        marker bit (last packet of a video frame) and the SSRC can be read directly. RTCP,
        DTLS and STUN still go through aiortc.
        """
        description = self.pc.remoteDescription
        assert description is not None
        ssrcs = _ssrcs_by_kind(description.sdp)
        video = {ssrc: i for i, group in enumerate(ssrcs["video"]) for ssrc in group}
        audio = {ssrc: i for i, group in enumerate(ssrcs["audio"]) for ssrc in group}
        transport: Any = self.pc.getTransceivers()[0].receiver.transport
        for protocol in transport.transport._connection._protocols:
            protocol.datagram_received = self._counter(protocol.datagram_received, video, audio)

    def _counter(
        self, original: Callable[[bytes, Any], None], video: dict[int, int], audio: dict[int, int]
    ) -> Callable[[bytes, Any], None]:
        def datagram_received(data: bytes, addr: Any) -> None:
            if len(data) >= 12 and 127 < data[0] < 192 and not 192 <= data[1] <= 208:
                ssrc = int.from_bytes(data[8:12], "big")
                index = video.get(ssrc)
                if index is not None:
                    if data[1] & 0x80:
                        self._count_video(index)
                    return
                index = audio.get(ssrc)
                if index is not None:
                    self.audio_frames[index] += 1
                    return
            original(data, addr)

        return datagram_received

    def _count_video(self, index: int) -> None:
        self.video_frames[index] += 1
        if self.first_video_at[index] is None:
            self.first_video_at[index] = time.time()

    async def _drain_audio(self, track: MediaStreamTrack, index: int) -> None:
        try:
            while True:
                await track.recv()
                self.audio_frames[index] += 1
        except MediaStreamError:
            pass

    async def _read_video(self, track: MediaStreamTrack, index: int) -> None:
        try:
            while True:
                frame = await track.recv()
                self._count_video(index)
                stamp = read_stamp(frame)  # type: ignore[arg-type]
                if stamp is None:
                    continue
                counter, sent = stamp
                self.latencies_ms.append(int(time.time() * 1000) - sent)
                if self.counters and counter <= self.counters[-1]:
                    self.order_errors += 1
                self.counters.append(counter)
        except MediaStreamError:
            pass

    async def connect(self, answerer: Answerer) -> None:
        """Offer, get the answer from ``answerer(sdp, type)``, apply it."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        answer = await answerer(offer.sdp, offer.type)
        await self.pc.setRemoteDescription(answer)
        self.created = time.time()  # first-frame delay counts from the answer
        if not self.decode:
            self.count_only()

    def report(self) -> dict[str, Any]:
        """Counts so far; latency as median and 95th percentile in ms."""
        lat = sorted(self.latencies_ms)
        return {
            "video_frames": list(self.video_frames),
            "audio_frames": list(self.audio_frames),
            "first_video_s": [
                None if t is None else round(t - self.created, 3) for t in self.first_video_at
            ],
            "first_video_at": list(self.first_video_at),  # epoch seconds, None before
            "decoded": len(self.counters),
            "order_errors": self.order_errors,
            "latency_ms_median": statistics.median(lat) if lat else None,
            "latency_ms_p95": lat[int(len(lat) * 0.95)] if lat else None,
            "state": self.pc.connectionState,
        }

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


class ViewerProcess:
    """A child process hosting ``count`` viewers; the parent answers their offers."""

    def __init__(self, count: int, seats: int = 1, decode: int = 0, loopback: bool = True) -> None:
        self.count = count
        self.seats = seats
        self.decode = decode
        self.loopback = loopback
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, answerer: Answerer) -> None:
        """Spawn the child and negotiate all its viewers through ``answerer``."""
        await self._spawn(
            "--viewers", str(self.count), "--seats", str(self.seats), "--decode", str(self.decode)
        )
        for _ in range(self.count):
            message = await self._read()
            answer = await answerer(message["sdp"], message["type"])
            await self._write({"id": message["id"], "sdp": answer.sdp, "type": answer.type})
        await self._read()  # {"connected": n}

    async def _spawn(self, *options: str) -> None:
        """``python -m tests.support.loadgen`` with ``options``, talking JSON lines on its
        standard input and output."""
        args = [sys.executable, "-m", "tests.support.loadgen", *options]
        if self.loopback:
            args.append("--loopback")
        self.process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 22,
            cwd=REPOSITORY_ROOT,  # ``-m tests.support.loadgen`` resolves from there
        )

    async def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("viewer process exited")
        result: dict[str, Any] = json.loads(line)
        return result

    async def _write(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        await self.process.stdin.drain()

    async def report(self) -> list[dict[str, Any]]:
        """Every viewer's :meth:`ProbeViewer.report`."""
        await self._write({"cmd": "report"})
        reports: list[dict[str, Any]] = (await self._read())["reports"]
        return reports

    async def close(self) -> None:
        """Ask the child to close its peers and exit; kill it if it does not."""
        if self.process is None:
            return
        try:
            await self._write({"cmd": "quit"})
            await asyncio.wait_for(self.process.wait(), 10)
        except (TimeoutError, ConnectionError, RuntimeError):
            self.process.kill()
            await self.process.wait()


async def _child(viewers: int, seats: int, decode: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    probes = [ProbeViewer(seats, decode=i < decode) for i in range(viewers)]

    def emit(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    for index, probe in enumerate(probes):

        async def answerer(sdp: str, kind: str, index: int = index) -> RTCSessionDescription:
            emit({"id": index, "sdp": sdp, "type": kind})
            message = json.loads(await reader.readline())
            return RTCSessionDescription(message["sdp"], message["type"])

        await probe.connect(answerer)
    emit({"connected": len(probes)})
    async for _ in _report_requests(reader):
        emit({"reports": [probe.report() for probe in probes]})
    await asyncio.gather(*(probe.close() for probe in probes), return_exceptions=True)


async def _report_requests(reader: asyncio.StreamReader) -> AsyncIterator[None]:
    """A child's commands from its parent: one item per "report"; ends at "quit" or when
    the parent closes the pipe."""
    while True:
        line = await reader.readline()
        if not line:
            return
        command = json.loads(line).get("cmd")
        if command == "report":
            yield None
        elif command == "quit":
            return


async def _publisher_child(width: int, height: int, fps: int) -> None:
    from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pc = bundled_peer()
    video = SyntheticVideoTrack(width, height, fps)
    pc.addTrack(video)
    pc.addTrack(ToneAudioTrack())
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription
    sys.stdout.write(json.dumps({"id": 0, "sdp": offer.sdp, "type": offer.type}) + "\n")
    sys.stdout.flush()
    message = json.loads(await reader.readline())
    await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], message["type"]))
    sys.stdout.write(json.dumps({"connected": 1}) + "\n")
    sys.stdout.flush()
    async for _ in _report_requests(reader):
        reports = [{"frames_sent": video.counter, "state": pc.connectionState}]
        sys.stdout.write(json.dumps({"reports": reports}) + "\n")
        sys.stdout.flush()
    await pc.close()


class PublisherProcess(ViewerProcess):
    """A child process publishing synthetic video (counter and time drawn in) and a tone."""

    def __init__(self, width: int = 640, height: int = 360, fps: int = 30) -> None:
        super().__init__(1)
        self.size = (width, height, fps)

    async def start(self, answerer: Answerer) -> None:
        """Spawn the publisher and negotiate it through ``answerer`` (e.g. a publish call)."""
        width, height, fps = self.size
        await self._spawn("--publish", f"{width}x{height}@{fps}")
        message = await self._read()
        answer = await answerer(message["sdp"], message["type"])
        await self._write({"id": 0, "sdp": answer.sdp, "type": answer.type})
        await self._read()


def main() -> None:
    """Entry point of a viewer child process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--viewers", type=int, default=1)
    parser.add_argument("--seats", type=int, default=1)
    parser.add_argument("--decode", type=int, default=0, help="how many viewers decode")
    parser.add_argument("--loopback", action="store_true")
    parser.add_argument("--publish", help="publish WxH@FPS synthetic media instead")
    args = parser.parse_args()
    if args.loopback:
        allow_loopback_candidates()
    if args.publish:
        size, fps = args.publish.split("@")
        width, height = size.split("x")
        asyncio.run(_publisher_child(int(width), int(height), int(fps)))
    else:
        asyncio.run(_child(args.viewers, args.seats, args.decode))


if __name__ == "__main__":
    main()
