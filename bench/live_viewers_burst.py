"""A join burst through the real server: ``bench/live_viewers.py --burst N``.

For each row a fresh ``fair serve`` (web process, live worker, ``--fanout`` fan-out
helpers, ``FAIR_LIVE_LOOPBACK_ICE``) serves the demo fair, a speaker publishes synthetic
640x360 at 30 fps (counter and send time drawn into every picture) from a child process
over ``/live/publish``, and one viewer (decoding for real, in a process of its own)
watches from before the burst. Then N light viewers (``--processes`` child processes)
join over ``/live/watch`` spread evenly over ``--burst-seconds``; every viewer process
reports its viewers' frame counts every second. ``--after`` seconds after the last join
settled the speaker ends the talk over ``/live/end``, the server stores the recording
(``recordings/<session>/<seat>.mp4`` in its file storage) and the benchmark reads the
speaker's stamps back from it. Per-second figures: ``bench/live_burst_report.py``.

Rows alternate between the media thread's raised priority (``raised``: the server as
root, so nice -10 is granted) and ``normal`` (the server started under
``setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice``, like a service without
``CAP_SYS_NICE``); the server's log line "live media priority" is checked for each row.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench import live_burst_report as report
from bench.live_viewers import Fair, cpu_seconds, uptime
from sessions.live.medialoop import PRIORITY_FALLBACK, PRIORITY_RAISED
from tests.support.light_receiver import LightViewerProcess
from tests.support.media import recording_stamps

WITHOUT_SYS_NICE = ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice"]
#: The speaker stands for a browser on a machine of its own: when this process may, it
#: gets a higher priority than anything else here, so a starved load generator does not
#: pass for a starved server (both rows alike; the frames it made are counted anyway).
SPEAKER_NICE = -15
HOG = "while True: sum(range(10_000))"


@dataclass
class Burst:
    priority: str
    said: str = ""  # the server's "live media priority" line
    joined: int = 0
    failed: int = 0
    answers_seconds: float = 0.0  # first offer until every viewer process settled
    receiving_seconds: float | None = None  # first offer until all joined receive video
    rows: list[report.Second] = field(default_factory=list)
    window: tuple[int, int] = (0, 0)
    missing: str = ""
    server_cpu: float = 0.0  # % of one core over the burst window, all server processes
    machine_cpu: float = 0.0  # % of all cores
    load: str = ""
    notes: list[str] = field(default_factory=list)


def renice_threads(pid: int, value: int) -> bool:
    """Give every thread of ``pid`` the nice ``value`` (nice is per thread on Linux;
    threads started later inherit it from the thread that starts them)."""
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            os.setpriority(os.PRIO_PROCESS, int(task.name), value)
    except OSError:
        return False
    return True


def _sizes(total: int, processes: int) -> list[int]:
    processes = max(1, min(processes, total))
    return [total // processes + (1 if i < total % processes else 0) for i in range(processes)]


def _all_receiving(ticks: list[list[tuple[float, list[int]]]], start: float) -> float | None:
    """Seconds from ``start`` until every viewer that joined (by the last tick) in every
    process had a frame; None if some never did."""
    done = []
    for process_ticks in ticks:
        joined = len(process_ticks[-1][1]) if process_ticks else 0
        full = [at for at, c in process_ticks if c and len(c) == joined and min(c) > 0]
        if not full:
            return None
        done.append(full[0])
    return max(done) - start


async def _recording(fair: Fair, timeout: float = 120.0) -> Path:
    """The stored recording of the talk, once the server has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted((fair.work / "storage").rglob(f"recordings/{fair.session_id}/*.mp4"))
        if found:
            await asyncio.sleep(1.0)  # written in one piece, but let the rename settle
            return found[0]
        await asyncio.sleep(0.5)
    raise TimeoutError(f"no recording of session {fair.session_id} within {timeout:.0f} s")


async def burst(args: argparse.Namespace, priority: str) -> Burst:
    result = Burst(priority)
    prefix = WITHOUT_SYS_NICE if priority == "normal" and os.geteuid() == 0 else None
    fair = Fair(args, prefix)
    watching: LightViewerProcess | None = None
    viewers: list[LightViewerProcess] = []
    try:
        await fair.start()
        speaker = fair.speaker.process if fair.speaker else None
        if speaker is None or not renice_threads(speaker.pid, SPEAKER_NICE):
            result.notes.append("speaker at normal priority")
        said = [line for line in fair.server.log().splitlines() if "live media priority" in line]
        result.said = said[-1] if said else "(not said)"
        expected = PRIORITY_FALLBACK if priority == "normal" else PRIORITY_RAISED
        if priority == "normal" and expected not in result.said:
            result.notes.append("the server did not report the fallback priority")
        base, session = fair.server.base_url, fair.session_id
        watching = LightViewerProcess(base, session, 1, join_seconds=0, sample_decoder=True, tick=1)
        await watching.start()
        await asyncio.sleep(args.warmup)
        viewers = [
            LightViewerProcess(base, session, size, join_seconds=args.burst_seconds, tick=1)
            for size in _sizes(args.burst, args.processes)
        ]
        server = fair.server_processes()
        cpu0, machine0 = cpu_seconds(server), psutil.cpu_times()
        start = time.time()
        await asyncio.gather(*(viewer.start() for viewer in viewers))
        result.answers_seconds = time.time() - start
        await asyncio.sleep(args.after)
        cpu1, machine1, elapsed = cpu_seconds(server), psutil.cpu_times(), time.time() - start
        result.server_cpu = 100 * sum(cpu1[p] - cpu0[p] for p in cpu1 if p in cpu0) / elapsed
        busy = [sum(m) - m.idle - m.iowait for m in (machine0, machine1)]
        total = sum(machine1) - sum(machine0)
        result.machine_cpu = 100 * (busy[1] - busy[0]) / total if total else 0.0
        result.load = uptime().split("load average:")[-1].strip()
        for viewer in [*viewers, watching]:
            stats = await viewer.stop()
            if viewer is not watching:
                result.joined += stats.joined
                result.failed += stats.failed
                result.notes.extend(sorted(set(stats.errors))[:2])
        ended = await fair.signalling.end() if fair.signalling else None
        if ended is None or ended.status_code >= 400:
            result.notes.append(f"end answered {ended.status_code if ended else '–'}")
        stamps = await asyncio.to_thread(recording_stamps, await _recording(fair))
        burst_ticks = [viewer.ticks for viewer in viewers]
        result.receiving_seconds = _all_receiving(burst_ticks, start)
        # the burst lasts until the last offer is answered (all viewers may never receive)
        last = math.ceil(max(args.burst_seconds, result.answers_seconds))
        result.window = (0, last)
        result.rows = report.seconds(
            start, -int(args.warmup) + 1, int(elapsed), stamps, burst_ticks, watching.ticks
        )
        result.missing = report.missing_frames(stamps, start, start + last + 1)
    except Exception as exc:  # a run that breaks is a finding: report it
        result.notes.append(f"failed: {type(exc).__name__}: {exc}")
    finally:
        for viewer in [*viewers, *([watching] if watching else [])]:
            viewer.kill()
        await fair.stop()
    return result


def summary_table(bursts: list[Burst]) -> list[str]:
    lines = [
        "| media priority | joined (failed at the join or later) | answers took s "
        "| all receiving after s "
        "| speaker sent fps per s (min / median) | encoder fps per s (min / median) "
        "| recording fps per s (min / median) "
        "| viewers fps p10 per s (min / median) | viewer watching since before (min / median) "
        "| speaker frames missing | server CPU % of a core | machine % | load average | notes |",
        "|---|---:|---:|---:|---|---|---|---|---|---:|---:|---:|---|---|",
    ]
    for b in bursts:
        s = report.summary(b.rows, *b.window)
        receiving = "–" if b.receiving_seconds is None else f"{b.receiving_seconds:.1f}"
        lines.append(
            f"| {b.priority} | {b.joined} ({b.failed}) | {b.answers_seconds:.1f} | {receiving} "
            f"| {s['sent']} | {s['encoder']} | {s['recorded']} | {s['viewers_p10']} "
            f"| {s['watching']} "
            f"| {b.missing} | {b.server_cpu:.0f} | {b.machine_cpu:.0f} | {b.load} "
            f"| {'; '.join(b.notes)} |"
        )
    return lines


async def run_bursts(args: argparse.Namespace) -> None:
    """Rows alternating the priorities for ``--rounds``, then the tables."""
    priorities = [p for p in args.priorities.split(",") if p]
    if os.geteuid() != 0 and "raised" in priorities:
        print("not root: nice -10 is refused, so only the 'normal' rows run", flush=True)
        priorities = ["normal"]
    print(f"before: {uptime()}", flush=True)
    started = time.time()
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(args.hogs)]
    bursts: list[Burst] = []
    try:
        for _ in range(args.rounds):
            for priority in priorities:
                bursts.append(await burst(args, priority))
                print("\n".join(summary_table(bursts[-1:])[2:]), f"[{uptime()}]", flush=True)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    print(f"after: {uptime()}\n")
    print(
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
        f"{time.time() - started:.0f} s; {os.cpu_count()} cores; {args.burst} viewers joining "
        f"over {args.burst_seconds:.0f} s in {args.processes} processes; "
        f"FAIR_LIVE_FANOUT_PROCESSES={args.fanout}; speaker {args.size} 30 fps + tone; "
        f"{args.hogs} busy processes beside the run."
    )
    print("Command: `flock /tmp/fair-bench.lock .venv/bin/python bench/live_viewers.py "
          + " ".join(sys.argv[1:]) + "`\n")  # fmt: skip
    print("\n".join(summary_table(bursts)))
    for b in bursts:
        print(f"\n{b.priority}: {b.said}\n")
        print("\n".join(report.second_table(b.rows)))
