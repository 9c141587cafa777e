"""Hundreds of WebRTC viewers of one live talk, measured end to end through the product.

A real server (``fair serve`` via ``tests.support.app_server``: web process, live worker,
``FAIR_LIVE_FANOUT_PROCESSES`` fan-out helpers) serves the seeded demo fair; a speaker
logs in and publishes a synthetic picture (counter and send time drawn in) plus a tone
from a child process over ``/live/publish``; light viewers
(``tests.support.light_receiver``) in ``--processes`` child processes join over
``/live/watch``, count packets and frames at the socket, and one of them decodes for
real (glass-to-glass delay). CPU is read with psutil per group over a steady window:
the server (web process and all its children), the receivers, the speaker.

    flock /tmp/fair-bench.lock .venv/bin/python bench/live_viewers.py --counts 550,1000
    flock /tmp/fair-bench.lock .venv/bin/python bench/live_viewers.py --compare 100

``--compare N`` runs the old receiver (``tests.support.loadgen``, aiortc's receive path
with counting at its protocol) and the light receiver at the same N against the same
server, one after the other, and reports each one's CPU per viewer.

``--burst N`` (``bench/live_viewers_burst.py``) has N viewers join within
``--burst-seconds`` instead, and reads per second the shared encoder's and the
recording's frame rates from the finished recording and the viewers' fps, once with the
media thread's raised priority (root) and once without ``CAP_SYS_NICE``:

    flock /tmp/fair-bench.lock .venv/bin/python bench/live_viewers.py --burst 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from sessions.live.ice import allow_loopback_candidates
from tests.support.light_receiver import LightViewerProcess, Signalling, ViewerStats
from tests.support.live_speaker import SpeakerSignalling
from tests.support.loadgen import PublisherProcess, ViewerProcess

SPEAKER = "henning.wiebusch@example.org"


@dataclass
class Row:
    receiver: str
    viewers: int
    joined: int = 0
    failed: int = 0
    join_seconds: float = 0.0
    fps_p10: float = 0.0
    fps_median: float = 0.0
    fps_min: float = 0.0
    g2g_median: float | None = None
    g2g_p95: float | None = None
    server_cpu: float = 0.0  # % of one core: web + worker + fan-out helpers
    server_parts: dict[str, float] = field(default_factory=dict)
    receiver_cpu: float = 0.0  # % of one core, the counting receivers' processes
    counting: int = 0  # viewers in those processes
    decoder_cpu: float = 0.0  # % of one core, the sampled decoder's process
    speaker_cpu: float = 0.0
    machine_cpu: float = 0.0  # % of all cores, everything
    mbit_per_viewer: float | None = None
    server_viewers: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def per_receiver(self) -> float:
        return self.receiver_cpu / self.counting if self.counting else 0.0


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds (user + system) per pid; processes gone are left out."""
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
        except psutil.Error:
            pass
    return seconds


def name_of(process: psutil.Process) -> str:
    try:
        line = " ".join(process.cmdline())
    except psutil.Error:
        return "gone"
    if "relay_process" in line:
        return "fan-out helper"
    if "fair.cli" in line:
        return "web"
    if "sessions.live.worker" in line:
        return "live worker"
    return "other"


class Fair:
    """The server, its database and the speaker's child process."""

    def __init__(self, args: argparse.Namespace, prefix: list[str] | None = None) -> None:
        self.args = args
        self.prefix = prefix  # e.g. setpriv without CAP_SYS_NICE
        self.work = Path(tempfile.mkdtemp(prefix="fair-bench-viewers-"))
        self.server: Any = None
        self.speaker: PublisherProcess | None = None
        self.signalling: SpeakerSignalling | None = None
        self.session_id = 0

    async def start(self) -> None:
        from tests.support.app import DEMO_PASSWORD, _prepare
        from tests.support.app_server import start_app_server
        from tests.support.stage import speaker_session

        url = f"sqlite+aiosqlite:///{self.work / 'fair.db'}"
        await _prepare(url, seeded=True)
        self.session_id = speaker_session(self.work / "fair.db", SPEAKER)
        env = {
            "FAIR_LIVE_FANOUT_PROCESSES": str(self.args.fanout),
            # every viewer here comes from 127.0.0.1, and more than the HLS switch-over
            "FAIR_LIVE_OFFERS_PER_MINUTE": "1000000",
            "FAIR_LIVE_WEBRTC_MAX_VIEWERS": "5000",
            "FAIR_LIVE_MAX_VIEWERS": "5000",
        }
        self.server = await asyncio.to_thread(
            start_app_server, self.work, url, extra_env=env, prefix=self.prefix
        )
        width, height = (int(v) for v in self.args.size.split("x"))
        self.speaker = PublisherProcess(width, height, 30)
        self.signalling = SpeakerSignalling(
            self.server.base_url, self.session_id, SPEAKER, DEMO_PASSWORD
        )
        await self.signalling.open()
        await self.speaker.start(self.signalling.answer)

    def server_processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.server.process.pid)
        return [root, *root.children(recursive=True)]

    async def status(self) -> dict[str, Any]:
        import httpx

        async with httpx.AsyncClient(base_url=self.server.base_url) as client:
            result: dict[str, Any] = (await client.get(f"/sessions/{self.session_id}/live")).json()
            return result

    async def stop(self) -> None:
        if self.signalling is not None:
            await self.signalling.close()
        if self.speaker is not None:
            await self.speaker.close()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)


async def measure(fair: Fair, receiver: str, viewers: int, args: argparse.Namespace) -> Row:
    row = Row(receiver, viewers)
    # the sampled decoder has a process of its own, so the counting receivers' CPU is
    # measured apart from it (decoding 30 fps costs more than a hundred light viewers)
    rest = viewers - 1
    processes = max(1, min(args.processes, rest))
    sizes = [1] + [rest // processes + (1 if i < rest % processes else 0) for i in range(processes)]
    sizes = [size for size in sizes if size]
    light = [
        LightViewerProcess(
            fair.server.base_url, fair.session_id, size,
            join_seconds=args.join_seconds, sample_decoder=index == 0,
        )
        for index, size in enumerate(sizes)
    ]  # fmt: skip
    old = [ViewerProcess(size, decode=1 if index == 0 else 0) for index, size in enumerate(sizes)]
    signalling = Signalling(fair.server.base_url, fair.session_id)
    await signalling.open()
    started = time.monotonic()
    try:
        if receiver == "light":
            await asyncio.gather(*(p.start() for p in light))
            pids = [p.pid for p in light]
        else:
            await asyncio.gather(*(p.start(signalling.answer) for p in old))
            pids = [p.process.pid for p in old if p.process is not None]
        row.join_seconds = time.monotonic() - started
        await asyncio.sleep(args.warmup)
        every = [psutil.Process(pid) for pid in pids if pid is not None]
        decoder, receivers = every[:1], every[1:]
        publisher = fair.speaker.process if fair.speaker else None
        speaker = [psutil.Process(publisher.pid)] if publisher is not None else []
        server = fair.server_processes()
        if receiver == "light":
            await asyncio.gather(*(p.snapshot() for p in light))  # the window starts now
        else:
            before = [r for p in old for r in await p.report()]
        cpu0 = cpu_seconds(server + every + speaker)
        machine0, t0 = psutil.cpu_times(), time.monotonic()
        await asyncio.sleep(args.window)
        cpu1 = cpu_seconds(server + every + speaker)
        machine1, t1 = psutil.cpu_times(), time.monotonic()
        elapsed = t1 - t0

        def share(group: list[psutil.Process]) -> float:
            pids_ = [p.pid for p in group if p.pid in cpu0 and p.pid in cpu1]
            return 100 * sum(cpu1[p] - cpu0[p] for p in pids_) / elapsed

        row.server_cpu = share(server)
        for process in server:
            part = name_of(process)
            row.server_parts[part] = row.server_parts.get(part, 0.0) + share([process])
        row.receiver_cpu = share(receivers)
        row.decoder_cpu = share(decoder)
        row.counting = sum(sizes[1:])
        row.speaker_cpu = share(speaker)
        busy0 = sum(machine0) - machine0.idle - machine0.iowait
        busy1 = sum(machine1) - machine1.idle - machine1.iowait
        total = sum(machine1) - sum(machine0)
        row.machine_cpu = 100 * (busy1 - busy0) / total if total else 0.0
        row.server_viewers = int((await fair.status()).get("viewers", 0))
        if receiver == "light":
            stats = ViewerStats.combine(list(await asyncio.gather(*(p.snapshot() for p in light))))
            row.joined, row.failed = stats.joined, stats.failed
            row.fps_p10, row.fps_median = stats.fps_p10, stats.fps_median
            row.fps_min = min(stats.fps) if stats.fps else 0.0
            row.g2g_median, row.g2g_p95 = (
                stats.glass_to_glass_median_ms,
                stats.glass_to_glass_p95_ms,
            )
            if stats.joined:
                row.mbit_per_viewer = (
                    stats.bytes * 8 / stats.seconds / 1e6 / max(1, stats.joined - 1)
                )
            if stats.order_errors:
                row.notes.append(f"{stats.order_errors} decoded frames out of order")
            row.notes.extend(sorted(set(stats.errors))[:3])
        else:
            after = [r for p in old for r in await p.report()]
            fps = sorted(
                (a["video_frames"][0] - b["video_frames"][0]) / elapsed
                for a, b in zip(after, before, strict=True)
            )
            row.joined = sum(1 for a in after if a["state"] == "connected")
            row.failed = viewers - row.joined
            row.fps_p10 = fps[int(len(fps) * 0.1)]
            row.fps_median = statistics.median(fps)
            row.fps_min = fps[0]
            row.g2g_median, row.g2g_p95 = after[0]["latency_ms_median"], after[0]["latency_ms_p95"]
    except Exception as exc:  # a run that breaks is a finding: report it
        row.notes.append(f"failed: {type(exc).__name__}: {exc}")
    finally:
        if receiver == "light":
            for process in light:
                try:
                    await process.stop()
                except Exception:
                    process.kill()
        else:
            await asyncio.gather(*(p.close() for p in old), return_exceptions=True)
        await signalling.close()
    await asyncio.sleep(3)  # the server notices the peers are gone
    return row


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| receiver | viewers | joined (failed) | joins took s | fps per viewer p10 / median (min) "
        "| glass-to-glass median / p95 ms | server CPU % of a core (web + worker + fan-out) "
        "| counting receivers CPU % of a core | per receiver % of a core | sampled decoder % "
        "| speaker % | machine % of all cores | Mbit/s per viewer | notes |",
        "|---|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        parts = " + ".join(f"{v:.0f}" for _, v in sorted(row.server_parts.items()))
        g2g = (
            f"{row.g2g_median:.0f} / {row.g2g_p95:.0f}"
            if row.g2g_median is not None and row.g2g_p95 is not None
            else "–"
        )
        names = ", ".join(sorted(row.server_parts))
        lines.append(
            f"| {row.receiver} | {row.viewers} | {row.joined} ({row.failed}) "
            f"| {row.join_seconds:.0f} "
            f"| {row.fps_p10:.1f} / {row.fps_median:.1f} ({row.fps_min:.1f}) | {g2g} "
            f"| {row.server_cpu:.0f} ({names}: {parts}) | {row.receiver_cpu:.0f} "
            f"| {row.per_receiver:.3f} | {row.decoder_cpu:.0f} | {row.speaker_cpu:.0f} "
            f"| {row.machine_cpu:.0f} "
            f"| {'–' if row.mbit_per_viewer is None else f'{row.mbit_per_viewer:.2f}'} "
            f"| {'; '.join(row.notes)} |"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="", help="viewer counts for the light receiver")
    parser.add_argument("--compare", type=int, default=0, help="old vs light at this count")
    parser.add_argument("--processes", type=int, default=2, help="receiver processes")
    parser.add_argument("--fanout", type=int, default=2, help="FAIR_LIVE_FANOUT_PROCESSES")
    parser.add_argument("--join-seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--burst", type=int, default=0, help="viewers joining in a burst")
    parser.add_argument("--burst-seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1, help="burst: rounds of each priority")
    parser.add_argument(
        "--priorities", default="raised,normal", help="burst: raised (root), normal (no nice)"
    )
    parser.add_argument("--after", type=float, default=15.0, help="burst: s after the joins")
    parser.add_argument("--hogs", type=int, default=0, help="burst: busy processes beside it")
    args = parser.parse_args()
    allow_loopback_candidates()
    if args.burst:
        from bench.live_viewers_burst import run_bursts

        await run_bursts(args)
        return
    print(f"before: {uptime()}", flush=True)
    started = time.time()
    fair = Fair(args)
    rows: list[Row] = []
    try:
        await fair.start()
        await asyncio.sleep(3)
        plan = []
        if args.compare:
            plan += [("old", args.compare), ("light", args.compare)]
        plan += [("light", int(n)) for n in args.counts.split(",") if n]
        for receiver, count in plan:
            row = await measure(fair, receiver, count, args)
            rows.append(row)
            print("\n".join(table([row])[2:]), f"  [{uptime()}]", flush=True)
    finally:
        await fair.stop()
    print(f"after: {uptime()}")
    print()
    print(
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
        f"{time.time() - started:.0f} s; {os.cpu_count()} cores ({platform.machine()}), "
        f"Python {platform.python_version()}, loopback only; speaker {args.size} 30 fps + tone; "
        f"FAIR_LIVE_FANOUT_PROCESSES={args.fanout}; {args.processes} receiver processes; "
        f"joins spread over {args.join_seconds:.0f} s, {args.warmup:.0f} s warm-up, "
        f"{args.window:.0f} s window."
    )
    print("Command: `flock /tmp/fair-bench.lock .venv/bin/python bench/live_viewers.py "
          + " ".join(sys.argv[1:]) + "`")  # fmt: skip
    print()
    print("\n".join(table(rows)))


if __name__ == "__main__":
    asyncio.run(main())
