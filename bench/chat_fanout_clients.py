"""The chat fan-out benchmark's load generator: bare RFC 6455 clients that record each
message's delay into a 1 ms histogram (``bench/chat_fanout.py`` starts them in
processes of their own; ``bench/pages_load.py`` reuses the client)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import json
import os
import random
import resource
import struct
import sys
import time
from array import array
from typing import cast

HIST_MS = 60_000  # latency histogram: 1 ms buckets up to 60 s


def raise_open_files() -> int:
    """Thousands of sockets need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


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
