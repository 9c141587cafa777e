"""Benchmark: fair's pages under load, against a real ``fair serve`` on the demo fair.

Not a test. One run measures, side by side on the same machine:

1. ``/healthz`` (the framework ceiling) and each page type for anonymous visitors, with
   ``wrk`` (Debian package): requests/s and latency percentiles; then all page types
   mixed (a Lua script walks a list of URLs).
2. A logged-in page: server time p50/p99 of sequential requests (one at a time, so the
   time is the server's, not a queue's), and its requests/s under ``wrk``.
3. The busy hour: N visitors opening a page every few seconds (open loop, one connection
   each) while N chat clients sit in one session's chat and 20 of them write a message a
   second; page latency p50/p99, errors, and chat delivery p95 (send to receive).

    .venv/bin/python bench/pages.py run                     # SQLite (the embedded default)
    .venv/bin/python bench/pages.py run --database postgresql

The database is the demo fair, created fresh in a temporary directory (PostgreSQL: a
throwaway cluster from ``tests/support/pg_server.py``). Figures go to stdout as JSON lines and a
Markdown table; docs/benchmarks.md holds measured runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_fanout import free_port  # noqa: E402
from bench.pages_load import (  # noqa: E402
    WRK_MIX,
    busy_hour,
    chat,
    chat_session,
    loop_probe,
    quantile,
    sequential_ms,
    visitors,
    wrk,
)
from bench.pages_server import (  # noqa: E402
    get_json,
    login_cookie,
    page_urls,
    prepare_database,
    start_server,
)

# Other scripts import these from here (``bench.busiest_hour``, ``bench.qa_load``, …).
__all__ = [
    "busy_hour",
    "chat",
    "chat_session",
    "get_json",
    "login_cookie",
    "loop_probe",
    "page_urls",
    "prepare_database",
    "quantile",
    "sequential_ms",
    "start_server",
    "visitors",
    "wrk",
]


# --------------------------------------------------------------------------- the busy hour


def busy_hour_process(port: int, urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """The load generators run in a process of their own, beside the server's."""
    chat_path = f"/ws/sessions/{chat_session(port)}"
    payload = json.dumps({"port": port, "urls": urls, "args": vars(args), "chat_path": chat_path})
    out = subprocess.run(
        [sys.executable, __file__, "busy"],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def busy_main() -> None:
    job = json.loads(sys.stdin.read())
    args = argparse.Namespace(**job["args"])
    chat_path = job.get("chat_path", "/ws/sessions/1")
    result = asyncio.run(busy_hour(job["port"], job["urls"], args, chat_path))
    print(json.dumps({**result, "chat_path": chat_path}), flush=True)


# --------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-pages-"))
    url, cluster = prepare_database(args.database, workdir)
    port = free_port()
    server = start_server(url, workdir, port)
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        urls = page_urls(port)
        for group in urls.values():  # warm: the first request of a page renders it
            for path in group:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read()
        w = functools.partial(wrk, port, seconds=args.wrk_seconds, connections=args.connections)
        rows.append(("/healthz", w("/healthz")))
        for name, group in urls.items():
            if len(group) == 1:
                rows.append((f"{name} (anonymous)", w(group[0], headers=["Accept-Encoding: gzip"])))
            else:
                script = WRK_MIX % ", ".join(f'"{p}"' for p in group)
                rows.append((f"{name}, all {len(group)} (anonymous)", w("/", script=script)))
        everything = [p for group in urls.values() for p in group]
        script = WRK_MIX % ", ".join(f'"{p}"' for p in everything)
        rows.append((f"mixed, {len(everything)} URLs (anonymous)", w("/", script=script)))
        cookie = login_cookie(port)
        for path in ("/programme", urls["booth"][0]):
            times = asyncio.run(sequential_ms(port, path, cookie, 300))
            rows.append(
                (
                    f"{path} logged in, one at a time",
                    {
                        "p50_ms": round(quantile(times, 0.5), 2),
                        "p99_ms": round(quantile(times, 0.99), 2),
                    },
                )
            )
            rows.append((f"{path} logged in", w(path, headers=[f"Cookie: {cookie}"])))
        for name, row in rows:
            print(json.dumps({"what": name, **row}), flush=True)
        busy_urls = [p for group in urls.values() for p in group if "schedule" not in p]
        busy = busy_hour_process(port, busy_urls, args)
        print(json.dumps({"what": "busy hour", **busy}), flush=True)
    finally:
        server.terminate()
        server.wait(20)
        if cluster is not None:
            cluster.stop()
    ceiling = rows[0][1]["rps"]
    print(
        f"\n{args.database}, {platform.node()}, {os.cpu_count()} cores,"
        f" wrk -t1 -c{args.connections} -d{args.wrk_seconds}s\n"
    )
    print("| what | requests/s | share of ceiling | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, row in rows:
        rps = row.get("rps")
        share = f"{rps / ceiling:.2f}" if rps else ""
        print(f"| {name} | {rps or ''} | {share} | {row.get('p50_ms')} | {row.get('p99_ms')} |")
    print(f"\nbusy hour: {json.dumps(busy)}")


def logged_in(args: argparse.Namespace) -> None:
    """Logged-in pages one request at a time, this checkout beside a baseline checkout.

    Both servers share one database; rounds alternate between them so the machine's load
    falls on both alike. Round trip over one keep-alive connection (server time plus
    loopback), ``--count`` requests per page and server.
    """
    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-logged-in-"))
    url, cluster = prepare_database(args.database, workdir)
    sources: dict[str, Path | None] = {"this checkout": None}
    if args.baseline:
        sources = {"baseline": Path(args.baseline).resolve(), **sources}
    servers = {}
    try:
        for name, source in sources.items():
            port = free_port()
            servers[name] = (port, start_server(url, workdir, port, source))
        first_port = next(iter(servers.values()))[0]
        urls = page_urls(first_port)
        paths = ["/", "/programme", "/booths", urls["booth"][0], urls["session"][0]]
        cookies = {name: login_cookie(port) for name, (port, _) in servers.items()}
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for path in paths:
                for name, (port, _) in servers.items():
                    batch = asyncio.run(
                        sequential_ms(port, path, cookies[name], args.count // args.rounds)
                    )
                    times.setdefault((name, path), []).extend(batch)
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(20)
        if cluster is not None:
            cluster.stop()
    print(f"\n{args.database}, {os.cpu_count()} cores, load average {os.getloadavg()}\n")
    print("| page, logged in | " + " | ".join(f"{n} p50 / p99 ms" for n in sources) + " |")
    print("|---|" + "---:|" * len(sources))
    for path in paths:
        cells = []
        for name in sources:
            values = times[(name, path)]
            row = {"p50_ms": quantile(values, 0.5), "p99_ms": quantile(values, 0.99)}
            print(json.dumps({"what": f"{path} logged in", "server": name, **row}), flush=True)
            cells.append(f"{row['p50_ms']:.2f} / {row['p99_ms']:.1f}")
        print(f"| {path} | " + " | ".join(cells) + " |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    run_parser.add_argument("--wrk-seconds", type=int, default=10)
    run_parser.add_argument("--connections", type=int, default=50)
    run_parser.add_argument("--visitors", type=int, default=550)
    run_parser.add_argument(
        "--every", type=float, default=3.0, help="seconds between a visitor's pages"
    )
    run_parser.add_argument("--chat", type=int, default=550, help="chat clients in one session")
    run_parser.add_argument(
        "--chat-senders",
        type=int,
        default=20,
        help="chat clients that each post a message a second",
    )
    run_parser.add_argument(
        "--seconds", type=float, default=30.0, help="length of the busy hour run"
    )
    sub.add_parser("busy")
    logged_in_parser = sub.add_parser("logged-in", help="logged-in pages, one at a time")
    logged_in_parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    logged_in_parser.add_argument(
        "--baseline", help="another checkout (e.g. `git archive main`) measured beside this one"
    )
    logged_in_parser.add_argument("--count", type=int, default=300)
    logged_in_parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "busy":
        busy_main()
    elif args.command == "logged-in":
        logged_in(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
