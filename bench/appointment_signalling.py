"""Appointment call signalling: how long one signal takes from one participant to another,
both on one app instance versus on two instances sharing one Redis.

Two real uvicorn processes (``tests.support.app_server``) serve the demo fair from one SQLite
file with ``FAIR_REDIS_URL`` set; one booked appointment whose room is open. A visitor
(websockets client) sends ``signal`` messages to a peer; the time until the peer
receives each is measured. Messages are paced under the room's rate limit (2/s).

    .venv/bin/python bench/appointment_signalling.py --messages 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from booths import appointments as service  # noqa: E402
from booths.queries import get_booth  # noqa: E402
from fair.app import demo_seeders  # noqa: E402
from fair.db import Database  # noqa: E402
from fair.migrate import upgrade_database  # noqa: E402
from fair.seed import seed_demo_fair  # noqa: E402
from tests.support.app_server import start_app_server  # noqa: E402
from tests.support.appointment_helpers import OWN, slot_at  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

SECRET = "bench-secret"


async def _welcome(ws: ClientConnection) -> str:
    await ws.send(json.dumps({"type": "hello"}))
    while True:
        for event in json.loads(await ws.recv()):
            if event["type"] == "welcome":
                return str(event["peer"])


async def measure(url_a: str, url_b: str, count: int) -> list[float]:
    """Milliseconds from send on ``url_a`` to receipt on ``url_b`` for ``count`` signals."""
    async with connect(url_a) as sender, connect(url_b) as receiver:
        await _welcome(sender)
        target = await _welcome(receiver)
        times = []
        for i in range(count):
            sdp = f"v=0\r\no=- {i} 2 IN IP4 127.0.0.1\r\n" + "a=x\r\n" * 400  # ~2.5 KB
            started = time.perf_counter()
            message = {"type": "offer", "sdp": sdp}
            await sender.send(json.dumps({"type": "signal", "to": target, "description": message}))
            done = False
            while not done:
                for event in json.loads(await receiver.recv()):
                    if event.get("type") == "signal" and event["description"]["sdp"] == sdp:
                        done = True
            times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.55)
        return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fair-bench-signal-"))
    url = f"sqlite+aiosqlite:///{work / 'fair.db'}"
    database = Database(url)
    await upgrade_database(database)
    await seed_demo_fair(database, password="demo-passwort", seeders=demo_seeders())
    slot = await slot_at(database, OWN, timedelta(minutes=1))
    async with database.session() as db:
        booth = await get_booth(db, OWN)
        data = service.BookingInput(slot, "Bench", "bench@example.org", "Bench", True)
        booking = await service.book(db, booth, data, secret_key=SECRET)
        await db.commit()
    await database.dispose()
    (work / "a").mkdir()
    (work / "b").mkdir()
    redis = RedisServer()
    redis.start()
    env = {"FAIR_REDIS_URL": redis.url, "FAIR_LIVE_WORKER": "false", "FAIR_SECRET_KEY": SECRET}
    a = start_app_server(work / "a", url, extra_env=env)
    b = start_app_server(work / "b", url, extra_env=env)
    try:
        path = f"/ws/appointments/{booking.token}"
        ws_a = a.base_url.replace("http://", "ws://") + path
        ws_b = b.base_url.replace("http://", "ws://") + path
        same = await measure(ws_a, ws_a, args.messages)
        cross = await measure(ws_a, ws_b, args.messages)
    finally:
        a.stop()
        b.stop()
        redis.stop()
    for name, values in (("one instance", same), ("two instances, Redis", cross)):
        q = statistics.quantiles(values, n=10)
        print(
            f"{name:22} n={len(values)} median {statistics.median(values):.1f} ms"
            f"  p10 {q[0]:.1f}  p90 {q[-1]:.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
