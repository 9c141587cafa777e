"""Benchmark: one chat channel, N WebSocket clients, 20 senders at one message per second.

Not a test. It answers "how late does a chat message reach 5,000 people, and what does it
cost the server?" for ``fair.realtime`` as deployed: a real uvicorn process with
``UVICORN_WS_OPTIONS`` (websockets-sansio, no per-message deflate), ``serve_channel`` and
the in-process hub (or ``--redis URL`` for the Redis hub).

Clients live in two separate processes (``--client-procs``) so they compete with the server
for the machine's cores like real load would, and are a minimal asyncio WebSocket protocol
(no compression, no library overhead) so that more of the CPU is left for the server. Each
message carries its send time; each client records ``receive time - send time`` for every
event into a 1 ms histogram. Counts give lost deliveries: every client should get every
message sent in the window.

    .venv/bin/python bench/chat_fanout.py run --clients 550 2000 5000 --duration 30

Sub-commands ``server`` and ``clients`` are what ``run`` starts; they are not for humans.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_fanout_clients import (  # noqa: E402
    BenchClient,
    Stats,
    raise_open_files,
    run_clients,
)
from bench.chat_fanout_server import serve  # noqa: E402

# Other scripts import these from here (``bench.busiest_hour``, ``bench.pages``).
__all__ = ["BenchClient", "Stats", "free_port", "percentile", "raise_open_files", "split"]


# --------------------------------------------------------------------------- orchestration


def percentile(hist: dict[int, int], q: float) -> float:
    total = sum(hist.values())
    if not total:
        return float("nan")
    target = q * total
    seen = 0
    for ms in sorted(hist):
        seen += hist[ms]
        if seen >= target:
            return float(ms)
    return float(max(hist))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run_one(n: int, args: argparse.Namespace, redis_url: str) -> dict[str, Any]:
    """One measurement: start the server instance(s) and client processes, collect."""
    import psutil

    here = str(Path(__file__).resolve())
    ports = [free_port() for _ in range(args.instances)]
    servers = []
    for port in ports:
        cmd = [sys.executable, here, "server", "--port", str(port)]
        cmd += ["--interval", str(args.interval), "--raw-frames", args.raw_frames]
        if redis_url:
            cmd += ["--redis", redis_url]
        servers.append(subprocess.Popen(cmd))
    procs: list[subprocess.Popen[str]] = []
    try:
        for port in ports:
            wait_for_http(f"http://127.0.0.1:{port}/stats")
        base = 0
        counts = split(n, args.client_procs)
        senders = split(args.senders, args.client_procs)
        for i, (count, k) in enumerate(zip(counts, senders, strict=True)):
            port = ports[i % len(ports)]
            cmd = [sys.executable, here, "clients", "--port", str(port), "--n", str(count)]
            cmd += ["--senders", str(k), "--sender-base", str(base)]
            cmd += ["--duration", str(args.duration), "--drain", str(args.drain)]
            base += k
            procs.append(
                subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        t_connect = time.time()
        ready = [json.loads(p.stdout.readline())["ready"] for p in procs]  # type: ignore[union-attr]
        connect_s = time.time() - t_connect
        time.sleep(args.settle)
        sprocs = [psutil.Process(s.pid) for s in servers]
        cprocs = [psutil.Process(p.pid) for p in procs]
        start = time.time() + 0.5
        for p in procs:
            p.stdin.write(f"GO {start}\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        time.sleep(max(0.0, start - time.time()) + 2.0)  # skip the first 2 s of sending
        t0 = time.time()
        machine0 = psutil.cpu_times()
        cpu0 = [s.cpu_times() for s in sprocs]
        ccpu0 = [c.cpu_times() for c in cprocs]
        time.sleep(args.duration - 3.0)
        wall = time.time() - t0
        cpu1 = [s.cpu_times() for s in sprocs]
        machine1 = psutil.cpu_times()
        ccpu1 = [c.cpu_times() for c in cprocs]
        rss = [s.memory_info().rss for s in sprocs]
        stats = [
            json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats").read())
            for port in ports
        ]
        results = [json.loads(p.stdout.readline()) for p in procs]  # type: ignore[union-attr]
        for p in procs:
            p.wait(10)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for server in servers:
            server.terminate()
            server.wait(10)
    hist: dict[int, int] = {}
    for r in results:
        for ms, count in r["hist"]:
            hist[ms] = hist.get(ms, 0) + count
    sent = sum(r["sent"] for r in results)
    connected = sum(ready)
    expected = sent * connected
    received = sum(r["received"] for r in results)
    closed: dict[str, int] = {}
    for r in results:
        for why, count in r["closed"].items():
            closed[why] = closed.get(why, 0) + count

    def busy(t: Any) -> float:
        return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))

    def cpu(a: Any, b: Any) -> float:
        return round(100 * ((b.user - a.user) + (b.system - a.system)) / wall, 1)

    return {
        "clients": n,
        "connected": connected,
        "connect_s": round(connect_s, 1),
        "sent": sent,
        "deliveries_expected": expected,
        "deliveries": received,
        "lost": expected - received,
        "p50_ms": percentile(hist, 0.50),
        "p95_ms": percentile(hist, 0.95),
        "p99_ms": percentile(hist, 0.99),
        "max_ms": float(max(hist)) if hist else float("nan"),
        "server_cpu_pct": [cpu(a, b) for a, b in zip(cpu0, cpu1, strict=True)],
        "server_rss_mb": [round(r / 2**20) for r in rss],
        "client_cpu_pct": [cpu(a, b) for a, b in zip(ccpu0, ccpu1, strict=True)],
        # Everything the machine did in the window (100 = one core): others' load shows here.
        "machine_busy_pct": round(100 * (busy(machine1) - busy(machine0)) / wall, 1),
        "closed": closed,
        "connect_errors": sum(r["connect_errors"] for r in results),
        "server": stats,
    }


def wait_until_quiet(limit_pct: float, patience: float = 600.0) -> None:
    """On a shared machine, wait (a while) until others use less than ``limit_pct``."""
    import psutil

    deadline = time.time() + patience
    while True:
        load = psutil.cpu_percent(interval=3.0) * (os.cpu_count() or 1)
        if load < limit_pct or time.time() > deadline:
            print(f"# machine load before run: {load:.0f}% of one core", flush=True)
            return
        time.sleep(5.0)


def orchestrate(args: argparse.Namespace) -> None:
    raise_open_files()
    with contextlib.ExitStack() as stack:
        redis_url = args.redis
        if args.instances > 1 and not redis_url:
            from tests.support.redis_server import running_redis

            redis_url = stack.enter_context(running_redis()).url
        _orchestrate(args, redis_url)


def _orchestrate(args: argparse.Namespace, redis_url: str) -> None:
    print(
        f"# {platform.platform()} | {os.cpu_count()} cores | Python {platform.python_version()}"
        f" | interval {args.interval}s | duration {args.duration}s"
        f" | hub {'redis' if redis_url else 'in-process'} | instances {args.instances}",
        flush=True,
    )
    variants = ["off", "on"] if args.compare_raw_frames else ["on"]
    for n in args.clients:
        for variant in variants:  # side by side: ASGI send per client vs one prepared frame
            wait_until_quiet(args.quiet_pct, args.patience)
            result = run_one(
                n, argparse.Namespace(**{**vars(args), "raw_frames": variant}), redis_url
            )
            print(json.dumps({"raw_frames": variant, **result}), flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the benchmark for each --clients value")
    run.add_argument("--clients", type=int, nargs="+", default=[550, 2000, 5000])
    run.add_argument("--senders", type=int, default=20)
    run.add_argument(
        "--compare-raw-frames",
        action="store_true",
        help="run each size twice: ASGI send per client, then one prepared frame for all",
    )
    run.add_argument("--duration", type=float, default=30.0)
    run.add_argument("--drain", type=float, default=3.0)
    run.add_argument("--settle", type=float, default=2.0)
    run.add_argument("--client-procs", type=int, default=2)
    run.add_argument("--interval", type=float, default=0.1, help="batch interval, seconds")
    run.add_argument("--redis", default="", help="redis:// URL: use the Redis hub")
    run.add_argument(
        "--instances",
        type=int,
        default=1,
        help="server processes sharing the channel through Redis (a private redis-server"
        " is started unless --redis is given); client process i uses instance i mod K",
    )
    run.add_argument(
        "--quiet-pct", type=float, default=20.0, help="wait for other load below this first"
    )
    run.add_argument("--patience", type=float, default=600.0, help="… but at most this long, s")
    srv = sub.add_parser("server")
    srv.add_argument("--port", type=int, required=True)
    srv.add_argument("--interval", type=float, default=0.1)
    srv.add_argument("--raw-frames", choices=("on", "off"), default="on")
    srv.add_argument("--redis", default="")
    cli = sub.add_parser("clients")
    cli.add_argument("--port", type=int, required=True)
    cli.add_argument("--n", type=int, required=True)
    cli.add_argument("--senders", type=int, required=True)
    cli.add_argument("--sender-base", type=int, default=0)
    cli.add_argument("--duration", type=float, required=True)
    cli.add_argument("--drain", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.cmd == "server":
        serve(args)
    elif args.cmd == "clients":
        import uvloop

        uvloop.run(run_clients(args))
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
