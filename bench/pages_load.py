"""The page benchmark's load generators: ``wrk`` runs, one-at-a-time round trips, and the
busy hour's open-loop visitors, chat clients and event-loop probe. ``bench/pages.py``
runs them and reports."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bench.chat_fanout import percentile
from bench.chat_fanout_clients import BenchClient, Stats, raise_open_files
from bench.pages_server import get_json

WRK_MIX = """
local urls = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", urls[(i %% #urls) + 1], {["Accept-Encoding"] = "gzip"})
end
"""


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
