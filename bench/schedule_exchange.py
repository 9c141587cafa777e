"""How long schedule.xml import and the exports take for a large programme (not a test).

Builds a fresh SQLite database, imports a generated frab schedule.xml with N sessions over
5 days and 6 stages (2 speakers each), re-imports it (update path), then times each export
through the real app over ASGI. Usage: ``python bench/schedule_exchange.py [N ...]``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from fair.app import create_app
from fair.db import Database
from fair.migrate import upgrade_database
from fair.settings import Settings
from sessions.importers import import_schedule


def schedule_xml(count: int) -> bytes:
    days: dict[int, list[str]] = {}
    for n in range(count):
        day, slot = n % 5, n // 5
        stage = slot % 6
        minutes = 8 * 60 + (slot // 6) * 5
        start = f"2027-03-0{day + 1}T{minutes // 60:02d}:{minutes % 60:02d}:00+01:00"
        days.setdefault(day, []).append(
            f'<event id="{n + 1}" guid="{uuid.uuid5(uuid.NAMESPACE_URL, str(n))}">'
            f"<room>Bühne {stage}</room><title>Beitrag {n}</title><type>talk</type>"
            f"<date>{start}</date><duration>00:05</duration><track>Thema {n % 12}</track>"
            f"<abstract>Worum es in Beitrag {n} geht.</abstract>"
            f"<persons><person>Person {n % 300}</person><person>Person {(n + 7) % 300}</person>"
            "</persons></event>"
        )
    body = "".join(
        f'<day index="{d + 1}" date="2027-03-0{d + 1}"><room name="x">'
        f"{''.join(events)}</room></day>"
        for d, events in sorted(days.items())
    )
    return (
        "<schedule><conference><title>Bench</title><acronym>bench</acronym>"
        f"<time_zone_name>Europe/Berlin</time_zone_name></conference>{body}</schedule>"
    ).encode()


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        database = Database(url)
        await upgrade_database(database)
        data = schedule_xml(count)
        timings: list[tuple[str, float, int]] = []
        for label in ("import (create)", "import (update)"):
            started = time.perf_counter()
            async with database.session() as db:
                await import_schedule(db, data, default_time_zone="Europe/Berlin")
                await db.commit()
            timings.append((label, time.perf_counter() - started, len(data)))
        await database.dispose()
        settings = Settings(
            database_url=url, storage_url=f"file://{tmp}/s", spool_dir=f"{tmp}/spool"
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                for path in ("/schedule.xml", "/schedule.json", "/schedule.ics", "/api/sessions"):
                    await client.get(path)  # warm
                    started = time.perf_counter()
                    response = await client.get(path)
                    timings.append((path, time.perf_counter() - started, len(response.content)))
        print(f"\n{count} sessions")
        for label, seconds, size in timings:
            print(f"  {label:18} {seconds * 1000:8.0f} ms  {size / 1024:8.0f} KiB")


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [100, 1000]:
        asyncio.run(run(n))
