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
import asyncio
import base64
import contextlib
import functools
import json
import os
import platform
import random
import resource
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from array import array
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HIST_MS = 60_000  # latency histogram: 1 ms buckets up to 60 s


def raise_open_files() -> int:
    """Thousands of sockets need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --------------------------------------------------------------------------- server


def serve(args: argparse.Namespace) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    from fair.realtime import UVICORN_WS_OPTIONS, ChannelLimits, InProcessHub, serve_channel
    from fair.realtime.hub import Hub, RedisHub

    raise_open_files()
    hub: Hub
    if args.redis:
        hub = RedisHub(args.redis, batch_interval=args.interval)
    else:
        hub = InProcessHub(batch_interval=args.interval)
    # Everyone connects from 127.0.0.1 here, so the per-address cap is lifted.
    limits = ChannelLimits(max_per_address=1_000_000)

    async def room(websocket: WebSocket) -> None:
        async def on_message(event: dict[str, Any]) -> None:
            await hub.publish("room", {"type": "chat", **event})

        await serve_channel(websocket, "room", hub, on_message, limits)

    async def stats(request: Request) -> JSONResponse:
        fanout = hub.fanouts.get("room")
        return JSONResponse(
            {
                "members": len(fanout) if fanout else 0,
                "batches": fanout.batches_sent if fanout else 0,
                "frames_sent_directly": fanout.frames_sent if fanout else 0,
                "blocked": fanout.blocked if fanout else 0,
                "evicted": fanout.evicted if fanout else 0,
                "flush_ms_mean": round(
                    1000 * fanout.flush_seconds_total / max(1, fanout.batches_sent), 1
                )
                if fanout
                else 0,
                "flush_ms_max": round(1000 * fanout.flush_seconds_max, 1) if fanout else 0,
                "flush_cpu_us_per_frame": round(
                    1e6 * fanout.flush_cpu_seconds_total / max(1, fanout.frames_sent), 2
                )
                if fanout
                else 0,
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.close()

    from starlette.middleware import Middleware

    from fair.realtime.rawframes import ServerSendMiddleware

    app = Starlette(
        routes=[WebSocketRoute("/ws/room", room), Route("/stats", stats)],
        lifespan=lifespan,
        middleware=[Middleware(ServerSendMiddleware)] if args.raw_frames == "on" else [],
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        backlog=4096,
        **UVICORN_WS_OPTIONS,
    )


# --------------------------------------------------------------------------- clients


class Stats:
    def __init__(self) -> None:
        self.hist = array("q", bytes(8 * HIST_MS))
        self.received = 0
        self.closed: dict[str, int] = {}
        self.connect_errors = 0
        self.sent = 0
        self.frames = 0
        self._last_payload = b""
        self._last_times: list[float] = []

    def times_of(self, payload: bytes) -> list[float]:
        """Send times in one frame; identical frames (the usual case) are parsed once."""
        if payload != self._last_payload:
            self._last_payload = payload
            self._last_times = [e["t"] for e in json.loads(payload) if "t" in e]
        return self._last_times


class BenchClient(asyncio.Protocol):
    """A bare RFC 6455 client: handshake, unmasked server frames, pong, masked sends."""

    def __init__(self, stats: Stats, host: str, path: str, ready: asyncio.Future[None]) -> None:
        self.stats = stats
        self.host = host
        self.path = path
        self.ready = ready
        self.buf = bytearray()
        self.open = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.open:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            del self.buf[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self._fail("handshake " + head.split(b"\r\n", 1)[0].decode(errors="replace"))
                return
            self.open = True
            if not self.ready.done():
                self.ready.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf = self.buf
        pos = 0
        size = len(buf)
        stats = self.stats
        while size - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = struct.unpack_from("!H", buf, pos + 2)[0]
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if opcode == 1:
                now = time.time()
                stats.frames += 1
                hist = stats.hist
                for sent_at in stats.times_of(payload):
                    ms = int((now - sent_at) * 1000)
                    hist[ms if ms < HIST_MS else HIST_MS - 1] += 1
                    stats.received += 1
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self._closed(f"close {code} {payload[2:].decode(errors='replace')}")
                return
        del buf[:pos]

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        key = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        self.transport.write(header + mask + masked)

    def _closed(self, why: str) -> None:
        self.stats.closed[why] = self.stats.closed.get(why, 0) + 1
        self.open = False
        if self.transport is not None:
            self.transport.close()

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(why))
        self._closed(why)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.open:
            self._closed("connection lost")
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("lost during handshake"))


def _same(client: BenchClient) -> BenchClient:
    return client


async def run_clients(args: argparse.Namespace) -> None:
    raise_open_files()
    loop = asyncio.get_running_loop()
    stats = Stats()
    clients: list[BenchClient] = []
    gate = asyncio.Semaphore(64)

    async def one() -> None:
        async with gate:
            for attempt in range(5):
                ready: asyncio.Future[None] = loop.create_future()
                client = BenchClient(stats, f"127.0.0.1:{args.port}", "/ws/room", ready)
                try:
                    await loop.create_connection(
                        functools.partial(_same, client), "127.0.0.1", args.port
                    )
                    await asyncio.wait_for(ready, 30)
                except (OSError, TimeoutError):
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                clients.append(client)
                return
            stats.connect_errors += 1

    await asyncio.gather(*(one() for _ in range(args.n)))
    open_clients = [c for c in clients if c.open]
    print(json.dumps({"ready": len(open_clients)}), flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    start = float(line.split()[1])
    await asyncio.sleep(max(0.0, start - time.time()))
    senders = open_clients[: args.senders]

    async def sender(index: int, client: BenchClient) -> None:
        # Each sender keeps its own random phase, so 20 senders do not fire in lock-step.
        phase = random.random()
        seq = 0
        while (at := start + phase + seq) < start + args.duration:
            await asyncio.sleep(max(0.0, at - time.time()))
            client.send_text(
                json.dumps({"text": "hello everyone", "t": time.time(), "s": index, "q": seq})
            )
            stats.sent += 1
            seq += 1

    await asyncio.gather(*(sender(args.sender_base + i, c) for i, c in enumerate(senders)))
    await asyncio.sleep(args.drain)
    print(
        json.dumps(
            {
                "sent": stats.sent,
                "received": stats.received,
                "frames": stats.frames,
                "clients": len(open_clients),
                "still_open": sum(1 for c in clients if c.open),
                "closed": stats.closed,
                "connect_errors": stats.connect_errors,
                "hist": [(i, n) for i, n in enumerate(stats.hist) if n],
            }
        ),
        flush=True,
    )


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
