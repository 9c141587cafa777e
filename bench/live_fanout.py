"""Live stage fan-out benchmark: encode once + lean sender vs. aiortc MediaRelay per viewer.

One synthetic publisher (640x360, 30 fps, counter and send time drawn into the picture,
plus a 48 kHz tone) in its own process publishes to a server running in *this* process;
N receive-only aiortc viewers run in other processes (``tests.support.loadgen``). Viewers
count complete video frames before the decoder; the first viewer decodes for real and
reads the stamps (order and capture-to-decode latency). Server CPU is this process's own
(all its threads: receive/decode, encode, send), sampled over a steady window.

    .venv/bin/python bench/live_fanout.py --out docs/benchmarks-live.md

Designs:
  lean   sessions.live.LiveStage: decode once, libx264 once, packetize once, per viewer
         only header rewrite + SRTP + sendto (recording on, as in production)
  naive  aiortc MediaRelay of the decoded track to each viewer; aiortc's stock sender
         encodes per viewer (VP8, as the viewer offers it first); no recording
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from bench.live_fanout_report import Point, report, table
from bench.live_fanout_send_path import send_path
from fair.rtc.config import rtc_configuration
from sessions.live import LiveStage
from sessions.live.config import LiveConfig
from sessions.live.ice import allow_loopback_candidates
from tests.support.loadgen import PublisherProcess, ViewerProcess


class LeanServer:
    """The design under test: one LiveStage."""

    name = "lean"

    def __init__(self, spool: Path, bitrate: int, fanout: int = 0) -> None:
        config = LiveConfig(spool, video_bitrate=bitrate, fanout_processes=fanout, loopback=True)
        self.stage = LiveStage("bench", config)

    async def publish(self, sdp: str, kind: str) -> RTCSessionDescription:
        return await self.stage.publish(sdp, kind, "speaker")

    async def watch(self, sdp: str, kind: str) -> RTCSessionDescription:
        return await self.stage.watch(sdp, kind)

    async def close(self) -> None:
        await self.stage.end()


class NaiveServer:
    """aiortc's server example pattern: MediaRelay + stock sender per viewer (re-encodes)."""

    name = "naive"

    def __init__(self, spool: Path, bitrate: int) -> None:
        self.relay = MediaRelay()
        self.tracks: dict[str, MediaStreamTrack] = {}
        self.pcs: list[RTCPeerConnection] = []

    async def publish(self, sdp: str, kind: str) -> RTCSessionDescription:
        pc = RTCPeerConnection(rtc_configuration([]))
        self.pcs.append(pc)
        pc.on("track", lambda track: self.tracks.setdefault(track.kind, track))
        await pc.setRemoteDescription(RTCSessionDescription(sdp, kind))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription

    async def watch(self, sdp: str, kind: str) -> RTCSessionDescription:
        pc = RTCPeerConnection(rtc_configuration([]))
        self.pcs.append(pc)
        await pc.setRemoteDescription(RTCSessionDescription(sdp, kind))
        for transceiver in pc.getTransceivers():
            track = self.tracks.get(transceiver.kind)
            if track is not None:
                pc.addTrack(self.relay.subscribe(track, buffered=False))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription

    async def close(self) -> None:
        await asyncio.gather(*(pc.close() for pc in self.pcs), return_exceptions=True)


def machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as stat:
        values = [float(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def bench_cpu(pids: list[int]) -> float:
    """CPU seconds of the bench's child processes (0 if psutil is missing)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


async def measure(
    design: str, viewers: int, per_process: int, warmup: float, window: float, bitrate: int
) -> Point:
    spool = Path(tempfile.mkdtemp(prefix="fair-bench-"))
    server: LeanServer | NaiveServer
    if design == "naive":
        server = NaiveServer(spool, bitrate)
    else:
        server = LeanServer(spool, bitrate, fanout=2 if design == "lean-2proc" else 0)
    publisher = PublisherProcess(640, 360, 30)
    await publisher.start(server.publish)
    await asyncio.sleep(1.0)
    sizes = [per_process] * (viewers // per_process)
    if viewers % per_process:
        sizes.append(viewers % per_process)
    processes = [ViewerProcess(size, decode=1 if i == 0 else 0) for i, size in enumerate(sizes)]
    point = Point(design, viewers)
    try:
        await asyncio.wait_for(
            asyncio.gather(*(p.start(server.watch) for p in processes)), 30 + viewers * 0.2
        )
        await asyncio.sleep(warmup)
        before = [r for p in processes for r in await p.report()]
        pids = [p.process.pid for p in [publisher, *processes] if p.process is not None]
        octets0 = sent_octets(server)
        packets0, encoded0 = sent_packets(server), encoded_frames(server)
        send0 = send_seconds(server)
        kids0 = bench_cpu(pids)
        helpers = server.stage.fanout_pids if isinstance(server, LeanServer) else []
        helpers0 = bench_cpu(helpers)
        cpu0, (busy0, total0), t0 = cpu_seconds(), machine_busy(), time.monotonic()
        await asyncio.sleep(window)
        cpu1, (busy1, total1), t1 = cpu_seconds(), machine_busy(), time.monotonic()
        kids1 = bench_cpu(pids)
        helpers1 = bench_cpu(helpers)
        octets1 = sent_octets(server)
        packets1, encoded1 = sent_packets(server), encoded_frames(server)
        send1 = send_seconds(server)
        after = [r for p in processes for r in await p.report()]
        elapsed = t1 - t0
        point.server_cpu = 100 * ((cpu1 - cpu0) + (helpers1 - helpers0)) / elapsed
        point.machine_cpu = 100 * (busy1 - busy0) / max(1.0, total1 - total0)
        if kids1:
            ticks = os.sysconf("SC_CLK_TCK")
            machine_core_seconds = (busy1 - busy0) / ticks
            ours = (cpu1 - cpu0) + (kids1 - kids0) + (helpers1 - helpers0)
            point.others_cpu = max(0.0, 100 * (machine_core_seconds - ours) / elapsed)
        point.server_pps = (packets1 - packets0) / elapsed
        if send0 is not None and send1 is not None:
            point.send_cpu = 100 * (send1 - send0) / elapsed
        if encoded0 is not None and encoded1 is not None:
            point.encoded_fps = (encoded1 - encoded0) / elapsed
        if octets1 is not None and octets0 is not None and viewers and octets1 > octets0:
            point.video_kbps = (octets1 - octets0) * 8 / elapsed / 1000 / viewers
        fps = [
            (a["video_frames"][0] - b["video_frames"][0]) / elapsed
            for a, b in zip(after, before, strict=True)
        ]
        pps = [
            (a["audio_frames"][0] - b["audio_frames"][0]) / elapsed
            for a, b in zip(after, before, strict=True)
        ]
        point.fps_median = statistics.median(fps)
        point.fps_min = min(fps)
        point.audio_pps_median = statistics.median(pps)
        point.connected = sum(1 for a in after if a["state"] == "connected")
        decoding = after[0]
        point.latency_median = decoding["latency_ms_median"]
        point.latency_p95 = decoding["latency_ms_p95"]
        firsts = [a["first_video_s"][0] for a in after if a["first_video_s"][0] is not None]
        point.first_frame_max = max(firsts) if firsts else None
        if decoding["order_errors"]:
            point.notes.append(f"{decoding['order_errors']} frames out of order")
    except (TimeoutError, RuntimeError) as exc:
        point.notes.append(f"failed: {type(exc).__name__} {exc}")
    finally:
        await asyncio.gather(*(p.close() for p in processes), return_exceptions=True)
        await server.close()
        await publisher.close()
        for path in spool.rglob("*"):
            if path.is_file():
                path.unlink()
    return point


def sent_octets(server: LeanServer | NaiveServer) -> int | None:
    if not isinstance(server, LeanServer):
        return None
    return sum(
        getattr(stream, "octets", 0)
        for seat in server.stage._seats
        for stream in seat.video.subscribers
    )


def sent_packets(server: LeanServer | NaiveServer) -> int:
    """RTP packets sent to viewers so far (both designs keep aiortc's sender counters)."""
    if isinstance(server, LeanServer):
        return sum(
            getattr(stream, "packets", 0)
            for seat in server.stage._seats
            for pipeline in (seat.video, seat.audio)
            for stream in pipeline.subscribers
        )
    total = 0
    for pc in server.pcs[1:]:
        for sender in pc.getSenders():
            total += getattr(sender, "_RTCRtpSender__packet_count", 0)
    return total


def send_seconds(server: LeanServer | NaiveServer) -> float | None:
    if not isinstance(server, LeanServer) or server.stage.fanout_pids:
        return None
    return sum(s.video.send_seconds + s.audio.send_seconds for s in server.stage._seats)


def encoded_frames(server: LeanServer | NaiveServer) -> int | None:
    if not isinstance(server, LeanServer) or not server.stage._seats:
        return None
    return server.stage._seats[0].video.frames_out


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default="1,10,50,100,200")
    parser.add_argument("--naive-counts", default="1,5,10,20")
    parser.add_argument(
        "--relay-counts", default="1,50,100", help="lean with 2 fan-out processes ('' to skip)"
    )
    parser.add_argument("--per-process", type=int, default=40)
    parser.add_argument("--warmup", type=float, default=4)
    parser.add_argument("--window", type=float, default=10)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--bitrate", type=int, default=1_000_000, help="lean video bitrate")
    parser.add_argument(
        "--send-path",
        type=int,
        metavar="N",
        help="only measure ViewerStream.push for N viewers, no peers",
    )
    args = parser.parse_args()
    if args.send_path:
        print(await send_path(args.send_path, 10))
        return
    allow_loopback_candidates()
    started = time.time()
    points: list[Point] = []
    designs = (("lean", args.counts), ("lean-2proc", args.relay_counts),
               ("naive", args.naive_counts))  # fmt: skip
    for design, counts in designs:
        for count in [int(c) for c in counts.split(",") if c]:
            point = await measure(
                design, count, args.per_process, args.warmup, args.window, args.bitrate
            )
            points.append(point)
            print(table([point])[-1], flush=True)
            if design == "naive" and point.fps_median < 15:
                break
    isolated = [await send_path(count, 6) for count in (100, 550)]
    text = report(points, args, started, isolated)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
