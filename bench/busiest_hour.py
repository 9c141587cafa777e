"""Benchmark: the busiest hour of the fair in one run, and what each part of it costs.

Not a test. Against one real ``fair serve`` on the demo fair (SQLite or a throwaway
PostgreSQL), for ``--seconds`` each, with the parts of ``--parts`` together:

* ``pages``: ``--visitors`` visitors opening a page every ``--every`` s, of them
  ``--logged-in`` logged in (attendee accounts), each on its own connection;
* ``chat``: ``--chat`` clients in one open talk's chat, ``--chat-senders`` writing a
  message a second (delivery latency per message and client, lost count);
* ``qa``: attendees asking and voting in the same talk's Q&A (bench/qa_load.py);
* ``exhibitors``: ``--exhibitors`` exhibitors editing their booths and uploading material
  through the real forms (bench/exhibitor_load.py); every write invalidates pages;
* ``live``: the same talk live, a synthetic speaker and ``--viewers`` WebRTC viewers
  (bench/live_load.py), then the talk ends and the recording's frame rate is read; each
  viewer's page polls the talk's status (``/sessions/{id}/live``) every 3 s, as
  ``live-viewer.js`` does.

Before measuring, every page is requested once anonymously and once logged in (the
first attendee account), so the figures show a running fair, not its first renders
(``--no-warm`` measures from a cold cache).

A ``/healthz`` probe every 50 ms runs always, in a process of its own
(bench/loop_probe.py). Server CPU is sampled per process (web,
live media worker, fan-out helpers; psutil) over the measured time. ``--alone`` first runs
every part alone (its own cost), ``--without-cache`` repeats the whole run with the page
cache off (``FAIR_PAGE_CACHE_BYTES=0``). Load generators run in processes of their own.

    flock /tmp/fair-bench.lock .venv/bin/python bench/busiest_hour.py run --alone --without-cache
    flock /tmp/fair-bench.lock .venv/bin/python bench/busiest_hour.py run --database postgresql
    flock /tmp/fair-bench.lock .venv/bin/python bench/busiest_hour.py run --baseline ../main
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import exhibitor_load, live_load, qa_load  # noqa: E402
from bench.chat_fanout import free_port, raise_open_files  # noqa: E402
from bench.exhibitor_load import client  # noqa: E402
from bench.loop_probe import LoopProbe  # noqa: E402
from bench.pages import (  # noqa: E402
    chat,
    get_json,
    page_urls,
    prepare_database,
    start_server,
    visitors,
)

PARTS = ("pages", "chat", "qa", "exhibitors", "live")
LIVE_POLL_EVERY = 3.0  # static/js/live-viewer.js POLL_MS
ROLES = ("web", "live worker", "fan-out helpers", "load generators")

# --------------------------------------------------------------------------- the load child


async def warm(port: int, urls: list[str], cookies: list[str] | None) -> dict[str, Any]:
    """Every page once anonymously and once with the first account's cookie (four at a
    time): the cache holds them when the measurement starts."""
    gate = asyncio.Semaphore(4)
    began, errors = time.monotonic(), 0
    headers = [{}, *([{"Cookie": cookies[0]}] if cookies else [])]

    async def one(http: Any, url: str, extra: dict[str, str]) -> None:
        nonlocal errors
        async with gate:
            response = await http.get(url, headers=extra)
            errors += response.status_code != 200

    async with client(port, "10.121.0.1") as http:
        await asyncio.gather(*(one(http, url, extra) for extra in headers for url in urls))
    return {
        "pages": len(urls) * len(headers),
        "errors": errors,
        "s": round(time.monotonic() - began, 1),
    }


async def load(job: dict[str, Any]) -> dict[str, Any]:
    """The HTTP and socket parts in one process: set up, say "ready", measure."""
    raise_open_files()
    args = argparse.Namespace(**job["args"])
    port, parts, session_id, seconds = job["port"], job["parts"], job["session_id"], args.seconds
    cookies = exhibitors = attendees = None
    if "pages" in parts and args.logged_in:
        cookies = await exhibitor_load.logged_in_cookies(port, args.attendee_accounts)
    if "exhibitors" in parts:
        exhibitors = await exhibitor_load.prepare_exhibitors(port, job["booths"])
    if "qa" in parts:
        attendees = await qa_load.prepare_attendees(
            port, session_id, args.qa_askers + args.qa_voters
        )
    warmed = None
    if "pages" in parts and args.warm:
        warmed = await warm(port, job["urls"], cookies)
    ready, go = asyncio.Event(), asyncio.Event()
    tasks: dict[str, Any] = {}
    if "chat" in parts:
        path = f"/ws/sessions/{session_id}"
        tasks["chat"] = asyncio.create_task(
            chat(port, path, args.chat, args.chat_senders, seconds, ready, go)
        )
        await ready.wait()
    print(json.dumps({"ready": True}), flush=True)
    go.set()
    # the stall probe in a process of its own: this process's clients stall its loop too
    tasks["loop"] = asyncio.create_task(LoopProbe.start(port, seconds).wait())
    if "pages" in parts:
        urls = job["urls"]
        anonymous = args.visitors - (args.logged_in if cookies else 0)
        tasks["pages"] = asyncio.create_task(visitors(port, urls, anonymous, args.every, seconds))
        if cookies:
            tasks["pages_logged_in"] = asyncio.create_task(
                visitors(port, urls, args.logged_in, args.every, seconds, cookies)
            )
    if exhibitors is not None:
        tasks["exhibitors"] = asyncio.create_task(
            exhibitor_load.exhibitors_at_work(exhibitors, seconds, args)
        )
    if attendees is not None:
        tasks["qa"] = asyncio.create_task(
            qa_load.questions_and_votes(port, session_id, attendees, seconds, args)
        )
    if "live" in parts:  # every viewer's page polls the talk's live status
        status = [f"/sessions/{session_id}/live"]
        tasks["live_poll"] = asyncio.create_task(
            visitors(port, status, args.viewers, LIVE_POLL_EVERY, seconds)
        )
    results = {name: await task for name, task in tasks.items()}
    return {**results, "warmed": warmed}


def load_main() -> None:
    result = asyncio.run(load(json.loads(sys.stdin.read())))
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------- CPU


def role_of(process: psutil.Process, server_pid: int) -> str:
    if process.pid == server_pid:
        return "web"
    command = " ".join(process.cmdline())
    if "sessions.live.worker" in command:
        return "live worker"
    if "relay" in command or "fanout" in command:
        return "fan-out helpers"
    return "other"


def cpu_seconds(server_pid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of the server's processes and of this benchmark's own."""
    found: dict[int, tuple[str, float]] = {}
    server = psutil.Process(server_pid)
    own = psutil.Process()
    served = [server, *server.children(recursive=True)]
    server_pids = {p.pid for p in served}
    generators = [p for p in own.children(recursive=True) if p.pid not in server_pids]
    for role, processes in (("server", served), ("load generators", [own, *generators])):
        for process in processes:
            try:
                times = process.cpu_times()
                name = role_of(process, server_pid) if role == "server" else role
                found[process.pid] = (name, times.user + times.system)
            except psutil.Error:
                continue
    return found


def cpu_share(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], seconds: float
) -> dict[str, float]:
    """Percent of one core per role over ``seconds``."""
    shares: dict[str, float] = {}
    for pid, (role, used) in after.items():
        earlier = before.get(pid, (role, 0.0))[1]
        shares[role] = shares.get(role, 0.0) + (used - earlier) / seconds * 100
    return {role: round(share, 1) for role, share in sorted(shares.items())}


# --------------------------------------------------------------------------- one run


async def open_talks(port: int, url: str) -> list[int]:
    """Talks still open and recorded: each run with ``live`` ends one, so it takes a new one."""
    from sqlalchemy import text

    from fair.db import Database

    now = datetime.now(UTC)
    open_ids = [
        int(s["id"])
        for s in get_json(port, "/api/sessions")["sessions"]
        if not s["cancelled"] and datetime.fromisoformat(s["ends_at"]) > now
    ]
    database = Database(url)
    try:
        async with database.session() as db:
            recorded = set(
                await db.scalars(
                    text(
                        "SELECT id FROM programme_sessions WHERE NOT do_not_record"
                        " AND NOT recording_opt_out AND live_state <> 'ended'"
                    )
                )
            )
    finally:
        await database.dispose()
    return [sid for sid in open_ids if sid in recorded]


async def one_run(
    name: str,
    parts: list[str],
    server: Any,
    port: int,
    url: str,
    workdir: Path,
    job: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    session_id = (await open_talks(port, url))[0]
    result: dict[str, Any] = {"what": name, "parts": parts, "session_id": session_id}
    audience = speaker = None
    if "live" in parts:
        speaker = live_load.Speaker(port, session_id)
        await speaker.start()
        audience = await live_load.join_viewers(
            f"http://127.0.0.1:{port}", session_id, args.viewers, args.join_seconds, args.receiver
        )
        result["receiver"] = audience.kind
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "load",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 24,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps({**job, "parts": parts, "session_id": session_id}).encode())
    child.stdin.close()
    ready = await child.stdout.readline()
    if not ready:
        raise RuntimeError(f"{name}: the load process exited during set-up")
    before, began = cpu_seconds(server.pid), time.monotonic()
    if audience is not None:
        await audience.snapshot()
    line = await child.stdout.readline()
    elapsed = time.monotonic() - began
    after = cpu_seconds(server.pid)
    await child.wait()
    if not line:
        raise RuntimeError(f"{name}: the load process exited while measuring")
    result.update(json.loads(line))
    result["cpu_percent_of_a_core"] = cpu_share(before, after, elapsed)
    result["measured_s"] = round(elapsed, 1)
    if audience is not None and speaker is not None:
        result["viewers"] = await audience.stop()
        await speaker.end()
        result["recording"] = await live_load.recording_fps(url, workdir / "storage", session_id)
    return result


async def runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-busiest-"))
    os.environ["FAIR_LIVE_LOOPBACK_ICE"] = "true"
    # the light receiver signals all its viewers from one address (the loadgen
    # receivers and every other part send their own addresses)
    os.environ["FAIR_LIVE_OFFERS_PER_MINUTE"] = "1000000"
    url, cluster = prepare_database(args.database, workdir)
    booths = await exhibitor_load.create_accounts(url, args.exhibitors, args.attendee_accounts)
    parts = [p for p in args.parts.split(",") if p]
    plan: list[tuple[str, list[str], bool]] = []
    if args.alone:
        plan += [(f"{part} alone", [part], True) for part in parts]
    plan.append((" + ".join(parts), parts, True))
    if args.without_cache:
        plan.append((" + ".join(parts) + ", page cache off", parts, False))
    results: list[dict[str, Any]] = []
    server = None
    try:
        for cache in (True, False):
            steps = [step for step in plan if step[2] is cache]
            if not steps:
                continue
            os.environ["FAIR_PAGE_CACHE_BYTES"] = str(64 << 20 if cache else 0)
            port = free_port()
            source = Path(args.baseline).resolve() if args.baseline else None
            server = await asyncio.to_thread(start_server, url, workdir, port, source)
            urls = [p for group in page_urls(port).values() for p in group if "schedule" not in p]
            job = {"port": port, "urls": urls, "booths": booths, "args": vars(args)}
            for name, step_parts, _ in steps:
                print(f"# {name}: load {os.getloadavg()}", file=sys.stderr, flush=True)
                result = await one_run(name, step_parts, server, port, url, workdir, job, args)
                result["load_average"] = [round(v, 2) for v in os.getloadavg()]
                print(json.dumps(result), flush=True)
                results.append(result)
            server.terminate()
            server.wait(30)
            server = None
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if cluster is not None:
            cluster.stop()
    return results


# --------------------------------------------------------------------------- report


def _cell(row: dict[str, Any] | None, *keys: str, unit: str = "") -> str:
    if not row:
        return "–"
    values = [row.get(key) for key in keys]
    return " / ".join("–" if v is None else f"{v}" for v in values) + unit


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"{args.database}, {platform.node()}, {os.cpu_count()} cores, {args.seconds:.0f} s per run",
        "",
        "| run | pages/s | page p50 / p99 ms anonymous | logged in | page errors"
        " | chat p95 ms | chat lost | Q&A delivery p95 ms | Q&A errors"
        " | exhibitor write p95 ms | writes | write errors | viewers fps p10 / median"
        " | glass-to-glass p95 ms | recording fps median / min"
        " | live status poll p50 / p99 ms, errors"
        " | CPU % of a core: web / live worker / fan-out / load generators | loop p99 / max ms |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|---|",
    ]
    for r in results:
        pages, logged = r.get("pages"), r.get("pages_logged_in")
        chat_row, qa_row, ex, viewers = r.get("chat"), r.get("qa"), r.get("exhibitors"), None
        viewers = r.get("viewers")
        cpu = r["cpu_percent_of_a_core"]
        per_second = (pages or {}).get("pages_per_s", 0) + (logged or {}).get("pages_per_s", 0)
        lost = chat_row["expected"] - chat_row["received"] if chat_row else None
        writes = (ex["edits"] + ex["uploads"]) if ex else None
        page_errors = sum(row["errors"] for row in (pages, logged) if row) if pages else None
        lines.append(
            f"| {r['what']} | {per_second or '–'} | {_cell(pages, 'p50_ms', 'p99_ms')}"
            f" | {_cell(logged, 'p50_ms', 'p99_ms')} | {page_errors if pages else '–'}"
            f" | {_cell(chat_row, 'p95_ms')} | {'–' if lost is None else lost}"
            f" | {_cell(qa_row, 'delivery_p95_ms')} | {_cell(qa_row, 'errors')}"
            f" | {_cell(ex, 'write_p95_ms')} | {'–' if writes is None else writes}"
            f" | {_cell(ex, 'errors')} | {_cell(viewers, 'fps_p10', 'fps_median')}"
            f" | {_cell(viewers, 'glass_to_glass_p95_ms')}"
            f" | {_cell(r.get('recording'), 'recording_fps_median', 'recording_fps_min')}"
            f" | {_cell(r.get('live_poll'), 'p50_ms', 'p99_ms', 'errors')}"
            f" | {' / '.join(str(cpu.get(role, 0)) for role in ROLES)}"
            f" | {_cell(r['loop'], 'p99_ms', 'max_ms')} |"
        )
    return "\n".join(lines)


def check_counts(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse counts the load cannot be split into, with the argument's name, before any
    server starts (``--logged-in`` above ``--visitors`` left a negative number of
    anonymous visitors and crashed the load process mid-run)."""
    for name in ("visitors", "logged_in", "attendee_accounts", "chat", "chat_senders"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
    if args.logged_in > args.visitors:
        parser.error(
            f"--logged-in ({args.logged_in}) must not exceed --visitors ({args.visitors}):"
            " the logged-in visitors are some of the visitors"
        )
    if args.logged_in and not args.attendee_accounts:
        parser.error("--logged-in needs --attendee-accounts of at least 1")
    if args.chat_senders > args.chat:
        parser.error(f"--chat-senders ({args.chat_senders}) must not exceed --chat ({args.chat})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    run.add_argument("--parts", default=",".join(PARTS), help="comma-separated, run together")
    run.add_argument("--alone", action="store_true", help="first run every part alone")
    run.add_argument("--without-cache", action="store_true", help="repeat with no page cache")
    run.add_argument("--seconds", type=float, default=60.0, help="measured time per run")
    run.add_argument("--visitors", type=int, default=550)
    run.add_argument("--logged-in", type=int, default=275, help="of the visitors")
    run.add_argument("--attendee-accounts", type=int, default=50)
    run.add_argument("--every", type=float, default=3.0, help="seconds between pages")
    run.add_argument("--chat", type=int, default=550)
    run.add_argument("--chat-senders", type=int, default=20)
    run.add_argument("--qa-askers", type=int, default=50)
    run.add_argument("--ask-every", type=float, default=30.0)
    run.add_argument("--qa-voters", type=int, default=200)
    run.add_argument("--vote-every", type=float, default=20.0)
    run.add_argument("--exhibitors", type=int, default=70)
    run.add_argument("--edit-every", type=float, default=25.0)
    run.add_argument("--upload-every", type=float, default=90.0)
    run.add_argument("--upload-bytes", type=int, default=300_000)
    run.add_argument("--viewers", type=int, default=100)
    run.add_argument("--join-seconds", type=float, default=10.0)
    run.add_argument("--receiver", choices=["auto", "light", "loadgen"], default="auto")
    run.add_argument(
        "--baseline", help="serve another checkout's code (e.g. main's worktree), same load"
    )
    run.add_argument(
        "--no-warm", dest="warm", action="store_false", help="measure from a cold page cache"
    )
    sub.add_parser("load", help="(internal) the load process")
    args = parser.parse_args(argv)
    if args.command == "load":
        load_main()
        return
    check_counts(parser, args)
    print(f"# load before: {os.getloadavg()}", file=sys.stderr, flush=True)
    results = asyncio.run(runs(args))
    print("\n" + table(results, args))
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
