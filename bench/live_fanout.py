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
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from sessions.live import LiveStage, rtc_configuration
from sessions.live.ice import allow_loopback_candidates
from tests.support.loadgen import PublisherProcess, ViewerProcess


class LeanServer:
    """The design under test: one LiveStage."""

    name = "lean"

    def __init__(self, spool: Path, bitrate: int, fanout: int = 0) -> None:
        self.stage = LiveStage(
            "bench", spool_dir=spool, record=True, video_bitrate=bitrate,
            fanout_processes=fanout, fanout_args=["--loopback"],
        )  # fmt: skip

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


@dataclass
class Point:
    design: str
    viewers: int
    server_cpu: float = 0.0  # % of one core
    machine_cpu: float = 0.0  # % of all cores
    others_cpu: float | None = None  # % of one core used by processes not in the bench
    video_kbps: float | None = None
    server_pps: float = 0.0  # RTP packets/s sent to all viewers together
    encoded_fps: float | None = None  # frames/s the shared encoder produced (lean)
    send_cpu: float | None = None  # % of a core in the per-viewer send loop (lean)
    fps_median: float = 0.0
    fps_min: float = 0.0
    audio_pps_median: float = 0.0
    latency_median: float | None = None
    latency_p95: float | None = None
    first_frame_max: float | None = None
    connected: int = 0
    notes: list[str] = field(default_factory=list)


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


def fit_packets(points: list[Point]) -> tuple[float, float] | None:
    """Least squares server CPU (% of a core) = fixed + cost * (packets sent per second)."""
    usable = [p for p in points if not p.notes or "failed" not in p.notes[0]]
    if len(usable) < 2:
        return None
    xs = [p.server_pps for p in usable]
    ys = [p.server_cpu for p in usable]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    return mean_y - slope * mean_x, slope


def fit(points: list[Point]) -> tuple[float, float] | None:
    """Least squares server CPU = fixed + marginal * viewers over the measured points."""
    usable = [p for p in points if p.fps_median >= 25 and not p.notes]
    if len(usable) < 2:
        return None
    xs = [p.viewers for p in usable]
    ys = [p.server_cpu for p in usable]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    return mean_y - slope * mean_x, slope


def table(points: list[Point]) -> list[str]:
    lines = [
        "| design | viewers | server CPU (% of a core) | machine CPU (% of 2 cores) "
        "| other processes (% of a core) | video kbit/s per viewer "
        "| encoder fps | packets/s sent (all viewers) | send loop CPU (% of a core) "
        "| send loop µs per packet "
        "| fps/viewer median (min) | audio pkts/s | latency median / p95 ms "
        "| first frame ≤ s | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in points:
        latency = (
            f"{p.latency_median:.0f} / {p.latency_p95:.0f}"
            if p.latency_median is not None and p.latency_p95 is not None
            else "–"
        )
        first = f"{p.first_frame_max:.2f}" if p.first_frame_max is not None else "–"
        per_packet = (
            f"{10_000 * p.send_cpu / p.server_pps:.1f}"
            if p.send_cpu is not None and p.server_pps
            else "–"
        )
        lines.append(
            f"| {p.design} | {p.viewers} | {p.server_cpu:.1f} | {p.machine_cpu:.0f} "
            f"| {'–' if p.others_cpu is None else f'{p.others_cpu:.0f}'} "
            f"| {'–' if p.video_kbps is None else f'{p.video_kbps:.0f}'} "
            f"| {'–' if p.encoded_fps is None else f'{p.encoded_fps:.1f}'} "
            f"| {p.server_pps:.0f} "
            f"| {'–' if p.send_cpu is None else f'{p.send_cpu:.1f}'} "
            f"| {per_packet} "
            f"| {p.fps_median:.1f} ({p.fps_min:.1f}) | {p.audio_pps_median:.0f} | {latency} "
            f"| {first} | {'; '.join(p.notes)} |"
        )
    return lines


def report(
    points: list[Point],
    args: argparse.Namespace,
    started: float,
    isolated: list[dict[str, float]],
) -> str:
    out = [
        "# Live stage fan-out benchmark",
        "",
        "Generated by `bench/live_fanout.py` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}"
        f" in {time.time() - started:.0f} s.",
        "",
        "Command: `.venv/bin/python bench/live_fanout.py " + " ".join(sys.argv[1:]) + "`",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, loopback only. Publisher: one aiortc peer in "
        "its own process, synthetic 640x360 at 30 fps (moving noise, so the encoder works "
        "at its bitrate cap) plus a 48 kHz tone. Viewers: receive-only aiortc peers, "
        f"{args.per_process} per process; they count complete frames before the decoder, "
        "the first one decodes and reads the counter and send time drawn into each picture.",
        "",
        "- *server CPU*: this process only (all threads), over a steady "
        f"{args.window:.0f} s window after {args.warmup:.0f} s warm-up. **Measured.**",
        "- *machine CPU*: everything, load generators included; near 100 % the viewers,"
        " not the server, are the limit.",
        "- *latency*: capture (time drawn into the picture by the publisher) to decoded"
        " frame at the decoding viewer: publisher VP8 encode, server decode + encode, viewer"
        " jitter buffer and decode; no display. **Measured.**",
        "- lean = `sessions.live.LiveStage` (recording on); lean-2proc = the same with"
        " `fanout_processes=2` (viewers' peers in two helper processes, whose CPU is added to"
        " the server's); naive = aiortc `MediaRelay` per viewer, stock sender encoding VP8"
        " per viewer.",
        "",
        "## Measured",
        "",
        *table(points),
        "",
        "## Fitted and extrapolated (labelled: not measured)",
        "",
    ]
    for design in ("lean", "lean-2proc", "naive"):
        subset = [p for p in points if p.design == design]
        line = fit(subset)
        if line is None:
            out.append(f"- {design}: per viewer: not enough points at >= 25 fps to fit.")
        else:
            fixed, marginal = line
            out.append(
                f"- {design}, per viewer (points at >= 25 fps only): server CPU ≈ {fixed:.1f} %"
                f" + {marginal:.3f} % per viewer."
            )
        sends = [p for p in subset if p.send_cpu and p.server_pps and p.viewers >= 10]
        single_point = next((p for p in subset if p.viewers == 1 and p.server_pps), None)
        if sends and single_point is not None:
            micro = statistics.median(10_000 * p.send_cpu / p.server_pps for p in sends)  # type: ignore[operator]
            per_viewer_send = micro * single_point.server_pps / 10_000
            out.append(
                f"- {design}, send loop measured directly (thread CPU inside the fan-out, "
                f"median over N >= 10): {micro:.1f} µs per packet, i.e. {per_viewer_send:.3f} % "
                f"of a core per viewer at {single_point.server_pps:.0f} packets/s. "
                f"**Extrapolated:** sending to 550 viewers ≈ {per_viewer_send * 550:.0f} % of "
                "one core, on top of the fixed decode/encode/record cost (the N = 1 row), "
                "which runs on other threads."
            )
        per_packet = fit_packets(subset)
        single = next((p for p in subset if p.viewers == 1 and p.server_pps), None)
        if per_packet is None or single is None:
            continue
        fixed, cost = per_packet
        full_rate = single.server_pps  # one viewer at full frame rate
        per_viewer = cost * full_rate
        at550 = fixed + per_viewer * 550
        one_core = (100 - fixed) / per_viewer if per_viewer > 0 else float("inf")
        out.append(
            f"- {design}, per packet (all points, robust to frame-rate drops): server CPU ≈ "
            f"{fixed:.1f} % + {cost * 10_000:.1f} µs per packet sent. One viewer at full rate "
            f"receives {full_rate:.0f} packets/s, so ≈ {per_viewer:.3f} % of a core per viewer."
            f" **Extrapolated:** 550 viewers at 30 fps ≈ {at550:.0f} % of one core; one core "
            f"carries ≈ {one_core:.0f} viewers."
        )
    if isolated:
        out += [
            "",
            "## Send path in isolation (measured, no peers)",
            "",
            "`ViewerStream.push` for N server-side viewer streams (real SRTP sessions and UDP"
            " sockets, receivers drained in the same process), fed 640x360 x264 frames at 1"
            " Mbit/s and 50 Opus packets/s per viewer as fast as it goes; thread CPU time.",
            "",
            "| viewers | packets per viewer and s | µs per packet | % of a core per viewer "
            "| % of a core for all at 30 fps |",
            "|---:|---:|---:|---:|---:|",
        ]
        for row in isolated:
            out.append(
                f"| {row['viewers']:.0f} | {row['packets_per_viewer_second']:.0f} "
                f"| {row['us_per_packet']:.1f} | {row['core_percent_per_viewer']:.3f} "
                f"| {row['core_percent_per_viewer'] * row['viewers']:.0f} |"
            )
    out += [
        "",
        "The send path of one stage runs on one event loop, so one process is bounded by"
        " one core; the encoder and aiortc's decoder run in their own threads. Where the"
        " load generators filled the machine (machine CPU near 100 %), larger N could not"
        " be measured here and the 550-viewer figure is the extrapolation above.",
        "",
    ]
    return "\n".join(out)


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


# ----- send path in isolation ------------------------------------------------------------


async def send_path(viewers: int, seconds: float) -> dict[str, float]:
    """CPU of ``ViewerStream.push`` alone: real SRTP sessions, UDP sockets and x264 frames.

    No peers, no load generators: each "viewer" is a server-side datagram transport with
    its own SRTP session sending to a receiving socket in this process that is drained
    between frames. Isolates the per-viewer cost from the machine's other load.
    """
    import fractions
    import socket
    from types import SimpleNamespace

    import av
    import pylibsrtp
    from aiortc.rtcdtlstransport import State
    from aiortc.rtcrtpparameters import (
        RTCRtpCodecParameters,
        RTCRtpHeaderExtensionParameters,
        RTCRtpParameters,
    )
    from aiortc.rtp import HeaderExtensionsMap

    from sessions.live.fanout import ViewerStream
    from sessions.live.media import EncodedFrame, equal_run_start, packetize_h264

    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = 640, 360, "yuv420p"
    codec.time_base = fractions.Fraction(1, 90000)
    codec.framerate = fractions.Fraction(30, 1)
    codec.bit_rate = 1_000_000
    codec.options = {"preset": "ultrafast", "tune": "zerolatency", "x264-params": "keyint=60"}
    texture = os.urandom(700 * 420)
    video: list[EncodedFrame] = []
    for index in range(60):
        frame = av.VideoFrame(640, 360, "yuv420p")
        frame.planes[0].update(
            b"".join(
                texture[(y + index) * 700 + index : (y + index) * 700 + index + 640]
                for y in range(360)
            )
        )
        for plane in frame.planes[1:]:
            plane.update(b"\x80" * plane.buffer_size)
        frame.pts = index * 3000
        for packet in codec.encode(frame):
            payloads = packetize_h264(bytes(packet))
            video.append(EncodedFrame(payloads, index * 3000, 0, b"\x00\x00\x00",
                                      packet.is_keyframe, equal_run_start(payloads)))  # fmt: skip
    audio = EncodedFrame((os.urandom(160),), 0, 0, b"\x00\x00\x00", True, 1)

    loop = asyncio.get_running_loop()
    ext_map = HeaderExtensionsMap()
    ext_map.configure(RTCRtpParameters(headerExtensions=[
        RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
        RTCRtpHeaderExtensionParameters(
            id=3, uri="http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
    ]))  # fmt: skip
    streams: list[tuple[ViewerStream, ViewerStream]] = []
    sinks: list[socket.socket] = []
    transports = []
    for _ in range(viewers):
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))
        sink.setblocking(False)
        sinks.append(sink)
        transport, _protocol = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        transports.append(transport)
        policy = pylibsrtp.Policy(
            key=os.urandom(30), ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND,
            srtp_profile=pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
        )  # fmt: skip
        pair = SimpleNamespace(protocol=SimpleNamespace(transport=transport),
                               remote_addr=sink.getsockname())  # fmt: skip
        dtls = SimpleNamespace(_state=State.CONNECTED, _tx_srtp=pylibsrtp.Session(policy),
                               transport=SimpleNamespace(_connection=SimpleNamespace(
                                   _nominated={1: pair})))  # fmt: skip
        pair_streams = []
        for kind, payload_type in (("video", 102), ("audio", 111)):
            sender = SimpleNamespace(
                transport=dtls, _ssrc=int.from_bytes(os.urandom(4), "big"), _rtx_ssrc=1,
                _RTCRtpSender__rtx_payload_type=None, _RTCRtpSender__mid="0",
                _RTCRtpSender__rtp_header_extensions_map=ext_map,
            )  # fmt: skip
            parameters = RTCRtpCodecParameters(mimeType=f"{kind}/x", clockRate=90000,
                                               payloadType=payload_type)  # fmt: skip
            pair_streams.append(ViewerStream(sender, parameters, kind))  # type: ignore[arg-type]
        streams.append((pair_streams[0], pair_streams[1]))

    def drain() -> None:
        for sink in sinks:
            try:
                while True:
                    sink.recv(65536)
            except BlockingIOError:
                pass

    frames = int(seconds * 30)
    cpu = 0.0
    packets = 0
    for index in range(frames):
        frame = video[index % len(video)]
        started = time.thread_time()
        for video_stream, audio_stream in streams:
            video_stream.push(frame)
            audio_stream.push(audio)
            if index % 3 != 2:  # 50 audio packets per 30 video frames
                audio_stream.push(audio)
        cpu += time.thread_time() - started
        drain()
        await asyncio.sleep(0)
    for video_stream, audio_stream in streams:
        packets += video_stream.packets + audio_stream.packets
    for transport in transports:
        transport.close()
    for sink in sinks:
        sink.close()
    per_packet = cpu / packets * 1e6
    per_viewer_second = cpu / viewers / (frames / 30)
    return {"viewers": viewers, "packets": packets, "us_per_packet": per_packet,
            "core_percent_per_viewer": 100 * per_viewer_second,
            "packets_per_viewer_second": packets / viewers / (frames / 30)}  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
