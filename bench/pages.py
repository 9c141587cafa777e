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
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_fanout import BenchClient, Stats, free_port, percentile, raise_open_files  # noqa: E402

FAIR = str(Path(sys.executable).with_name("fair"))
WRK_MIX = """
local urls = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", urls[(i %% #urls) + 1], {["Accept-Encoding"] = "gzip"})
end
"""


# --------------------------------------------------------------------------- server


def prepare_database(kind: str, workdir: Path) -> tuple[str, Any]:
    """A database URL holding the demo fair, and what to stop afterwards."""
    if kind == "postgresql":
        from tests.support import pg_server

        cluster = pg_server.start_cluster()
        cluster.psql("CREATE DATABASE bench")
        url = cluster.url("bench")
    else:
        cluster = None
        url = f"sqlite+aiosqlite:///{workdir / 'fair.db'}"
    env = server_env(url, workdir)
    subprocess.run([FAIR, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    return url, cluster


def server_env(url: str, workdir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FAIR_DATABASE_URL=url,
        FAIR_STORAGE_URL=f"file://{workdir / 'storage'}",
        FAIR_SPOOL_DIR=str(workdir / "spool"),
        FAIR_SECRET_KEY="bench-secret",
        **extra,
    )
    return env


def start_server(
    url: str, workdir: Path, port: int, source: Path | None = None
) -> subprocess.Popen[bytes]:
    """``fair serve``; ``source`` runs another checkout's code (a baseline) instead."""
    log = (workdir / f"server-{port}.log").open("wb")
    extra = {"PYTHONPATH": str(source)} if source else {}
    process = subprocess.Popen(
        [FAIR, "serve", "--port", str(port)],
        env=server_env(url, workdir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("fair serve did not start")


def get_json(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


def page_urls(port: int) -> dict[str, list[str]]:
    booths = [b["url"].split("/booths/", 1)[1] for b in get_json(port, "/api/booths")["booths"]]
    sessions = [s["id"] for s in get_json(port, "/api/sessions")["sessions"]]
    recordings = [r["id"] for r in get_json(port, "/api/recordings")["recordings"]]
    return {
        "home": ["/"],
        "programme": ["/programme"],
        "hall": ["/booths"],
        "booth": [f"/booths/{slug}" for slug in booths],
        "session": [f"/sessions/{sid}" for sid in sessions],
        "recordings": ["/recordings"],
        "recording": [f"/recordings/{rid}" for rid in recordings],
        "search": ["/search?q=digital", "/search?q=Schulanmeldung", "/search?q=Verwaltung"],
        "schedule.ics": ["/schedule.ics"],
        "api/sessions": ["/api/sessions"],
    }


# --------------------------------------------------------------------------- wrk

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(
    port: int,
    path: str,
    *,
    seconds: int,
    connections: int,
    script: str | None = None,
    headers: Sequence[str] = (),
) -> dict[str, Any]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers:
        args += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        args += ["-s", lua.name]
    args.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    result: dict[str, Any] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for q in ("50", "90", "99"):
        found = re.search(rf"\s{q}%\s+([\d.]+(?:us|ms|s))", out)
        result[f"p{q}_ms"] = _ms(found.group(1)) if found else None
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    result["socket_errors"] = socket_errors.group(1) if socket_errors else ""
    return result


# --------------------------------------------------------------------------- logged in


def login_cookie(port: int) -> str:
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode(
        {"email": "aussteller.krz@example.org", "password": "demo-passwort", "csrf_token": token}
    ).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def sequential_ms(port: int, path: str, cookie: str, count: int) -> list[float]:
    """Round trips of one request at a time over one keep-alive connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n").encode()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        writer.write(request)
        status = await _read_response(reader)
        if status != 200:
            raise RuntimeError(f"{path}: status {status}")
        times.append((time.perf_counter() - started) * 1000)
    writer.close()
    return times


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)content-length: (\d+)", head)
    if length:
        await reader.readexactly(int(length.group(1)))
    elif b"chunked" in head.lower():
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- the busy hour


async def visitors(
    port: int,
    urls: list[str],
    count: int,
    every: float,
    seconds: float,
    cookies: Sequence[str] = (),
) -> dict[str, Any]:
    """``count`` visitors, each on its own connection, opening a page every ``every`` s;
    with ``cookies``, visitor i is logged in with ``cookies[i % len(cookies)]``."""
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def visitor(index: int) -> None:
        nonlocal errors
        cookie = f"Cookie: {cookies[index % len(cookies)]}\r\n" if cookies else ""
        await asyncio.sleep(random.random() * every)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        next_at = time.monotonic()
        while next_at < stop:
            path = random.choice(urls)
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n{cookie}\r\n"
            )
            started = time.perf_counter()
            try:
                writer.write(request.encode())
                status = await asyncio.wait_for(_read_response(reader), 10)
                if status != 200:
                    errors += 1
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append((time.perf_counter() - started) * 1000)
            next_at += every
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        writer.close()

    await asyncio.gather(*(visitor(i) for i in range(count)))
    return {
        "pages": len(latencies),
        "pages_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(quantile(latencies, 0.5), 1),
        "p99_ms": round(quantile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "errors": errors,
    }


class ChatStats(Stats):
    """Send times travel in the chat text (``t=<epoch>``): fair stores and relays it."""

    def times_of(self, payload: bytes) -> list[float]:
        if payload != self._last_payload:
            self._last_payload = payload
            events = json.loads(payload)
            self._last_times = [
                float(e["text"][2:])
                for e in events
                if isinstance(e, dict)
                and e.get("type") == "chat"
                and e.get("text", "").startswith("t=")
            ]
        return self._last_times


class ForwardedClient(BenchClient):
    """Each chat client comes from its own address (X-Forwarded-For through uvicorn's
    proxy headers), as real visitors do; fair limits connections per address."""

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = address

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        import base64

        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(  # type: ignore[attr-defined]
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"X-Forwarded-For: {self.address}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )


async def chat(
    port: int,
    path: str,
    count: int,
    senders: int,
    seconds: float,
    ready: asyncio.Event,
    go: asyncio.Event,
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    stats = ChatStats()
    clients: list[ForwardedClient] = []
    gate = asyncio.Semaphore(32)

    async def one(index: int) -> None:
        async with gate:
            done: asyncio.Future[None] = loop.create_future()
            address = f"10.{index // 250}.{index % 250}.1"
            client = ForwardedClient(stats, f"127.0.0.1:{port}", path, done, address=address)
            try:
                await loop.create_connection(
                    functools.partial(lambda c: c, client), "127.0.0.1", port
                )
                await asyncio.wait_for(done, 30)
                clients.append(client)
            except (OSError, TimeoutError, ConnectionError):
                stats.connect_errors += 1

    await asyncio.gather(*(one(i) for i in range(count)))
    ready.set()
    await go.wait()
    start = time.time()

    async def sender(client: ForwardedClient) -> None:
        phase = random.random()
        seq = 0
        while (at := start + phase + seq) < start + seconds:
            await asyncio.sleep(max(0.0, at - time.time()))
            client.send_text(
                json.dumps({"type": "chat", "name": "Bench", "text": f"t={time.time()}"})
            )
            stats.sent += 1
            seq += 1

    await asyncio.gather(*(sender(c) for c in clients[:senders]))
    await asyncio.sleep(3)
    hist = {i: n for i, n in enumerate(stats.hist) if n}
    open_clients = sum(1 for c in clients if c.open)
    for client in clients:
        if client.transport is not None:
            client.transport.close()
    return {
        "clients": len(clients),
        "still_open": open_clients,
        "sent": stats.sent,
        "received": stats.received,
        "expected": stats.sent * len(clients),
        "p50_ms": percentile(hist, 0.5),
        "p95_ms": percentile(hist, 0.95),
        "p99_ms": percentile(hist, 0.99),
        "connect_errors": stats.connect_errors,
        "closed": stats.closed,
    }


async def loop_probe(port: int, seconds: float, every: float = 0.05) -> dict[str, Any]:
    """``/healthz`` every 50 ms on one keep-alive connection: it needs nothing but the
    server's event loop, so its latency is how long a page render (or anything else)
    held the loop that also carries the chat frames."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    times: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        began = time.monotonic()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        times.append((time.monotonic() - began) * 1000)
        await asyncio.sleep(max(0.0, every - (time.monotonic() - began)))
    writer.close()
    times.sort()
    return {
        "probes": len(times),
        "p50_ms": round(quantile(times, 0.5), 2),
        "p99_ms": round(quantile(times, 0.99), 2),
        "max_ms": round(times[-1], 2) if times else None,
    }


def chat_session(port: int) -> int:
    """A talk whose chat is open (not over yet): an ended talk's chat is read-only."""
    now = datetime.now(UTC)
    for session in get_json(port, "/api/sessions")["sessions"]:
        if not session["cancelled"] and datetime.fromisoformat(session["ends_at"]) > now:
            return int(session["id"])
    raise SystemExit("no talk of the demo fair is still open: run on or before its last day")


async def busy_hour(
    port: int, urls: list[str], args: argparse.Namespace, chat_path: str = "/ws/sessions/1"
) -> dict[str, Any]:
    raise_open_files()
    ready, go = asyncio.Event(), asyncio.Event()
    chat_task = asyncio.create_task(
        chat(port, chat_path, args.chat, args.chat_senders, args.seconds, ready, go)
    )
    await ready.wait()
    go.set()
    probe = asyncio.create_task(loop_probe(port, args.seconds))
    pages = await visitors(port, urls, args.visitors, args.every, args.seconds)
    return {"pages": pages, "chat": await chat_task, "loop": await probe}


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
