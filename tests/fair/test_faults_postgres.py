"""PostgreSQL restarted under load: a real ``fair serve`` on its own cluster answers page
requests and Q&A posts while the cluster stops and starts again.

While it is down every request gets a clear 503 naming the database (never a 500 with a
stack), the pool heals by itself once it is back, every question the client got a 2xx
for is in the database, and none is there twice.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from fair.db import Database
from sessions.models import ProgrammeSession, Question
from tests.support import pg_server
from tests.support.app import DEMO_PASSWORD, TemplateDatabases
from tests.support.app_server import start_app_server

pytestmark = [pytest.mark.slow]
PAGES = ["/", "/programme", "/booths", "/sessions/{session}"]
EXHIBITOR = "aussteller.krz@example.org"


def _pg_ctl(cluster: pg_server.PostgresCluster, *args: str) -> None:
    subprocess.run(
        pg_server._as_postgres(
            [str(pg_server.PG_BIN / "pg_ctl"), "-D", str(cluster.directory / "data"), *args]
        ),
        check=True,
        capture_output=True,
    )


def _restart_options(cluster: pg_server.PostgresCluster) -> str:
    return (
        f"-p {cluster.port} -k {cluster.directory / 'sock'} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    last_ok: float = 0.0
    unavailable: list[float] = field(default_factory=list)

    def record(self, response: httpx.Response, what: str, named: str = "Datenbank") -> None:
        self.statuses[response.status_code] += 1
        if response.status_code in (200, 303):
            self.last_ok = time.monotonic()
        elif response.status_code == 503:
            self.unavailable.append(time.monotonic())
            if named not in response.text or "Traceback" in response.text:
                self.bad.append(f"{what}: 503 without the database named: {response.text[:300]}")
            if response.headers.get("retry-after") != "5":
                self.bad.append(f"{what}: 503 without Retry-After")
        else:
            self.bad.append(f"{what}: {response.status_code} {response.text[:300]}")


async def _csrf(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    marker = '<meta name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


async def _reader(
    base: str, session_id: int, stop: asyncio.Event, out: Outcome, number: int
) -> None:
    """Reader 0 is logged in (its user is loaded per request), reader 1 reads English."""
    login = number == 0
    query, named = ("?lang=en", "database") if number == 1 else ("", "Datenbank")
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        if login:
            token = await _csrf(client, "/login")
            response = await client.post(
                "/login", data={"email": EXHIBITOR, "password": DEMO_PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 303
        for path in itertools.cycle(PAGES):
            if stop.is_set():
                return
            url = path.format(session=session_id) + query
            out.record(await client.get(url), f"GET {url}", named)
            await asyncio.sleep(0.05)


async def _asker(
    base: str, session_id: int, number: int, stop: asyncio.Event, out: Outcome
) -> None:
    """One visitor from its own loopback address (the Q&A limit counts per address)."""
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{10 + number}")
    async with httpx.AsyncClient(base_url=base, timeout=20, transport=transport) as client:
        token = await _csrf(client, f"/sessions/{session_id}")
        for sequence in range(9):  # below the limit of 10 questions a minute
            if stop.is_set():
                return
            body = f"Frage {number}-{sequence} während des Neustarts?"
            response = await client.post(
                f"/sessions/{session_id}/questions",
                data={"author_name": f"Gast {number}", "body": body, "csrf_token": token},
                headers={"accept": "application/json"},
            )
            out.record(response, f"POST question {body}")
            if response.status_code == 200:
                assert response.json()["question"]["body"] == body
                out.acknowledged.append(body)
            await asyncio.sleep(0.6)


async def test_postgres_restart_under_load_gives_503_then_heals_and_loses_nothing(
    tmp_path: Path,
) -> None:
    if not pg_server.available():
        pytest.skip("PostgreSQL 15 is not installed")
    cluster = pg_server.start_cluster()  # our own: it is restarted under everyone's feet
    try:
        # a template registry of its own: the shared one belongs to the shared cluster
        url = await TemplateDatabases(tmp_path).postgres(cluster, seeded=True)
        database = Database(url)
        async with database.session() as db:
            session_id = await db.scalar(
                select(ProgrammeSession.id)
                .where(ProgrammeSession.published.is_(True))
                .order_by(ProgrammeSession.id)
            )
        await database.dispose()
        server = start_app_server(tmp_path, url)
        try:
            out = Outcome()
            stop = asyncio.Event()
            load = [
                *(_reader(server.base_url, session_id, stop, out, n) for n in range(3)),
                *(_asker(server.base_url, session_id, n, stop, out) for n in range(6)),
            ]
            running = [asyncio.create_task(work) for work in load]
            deadline = time.monotonic() + 30
            while out.statuses[200] < 20 or not out.acknowledged:  # the load is running
                assert time.monotonic() < deadline and not out.bad, (out.bad, out.statuses)
                await asyncio.sleep(0.1)

            _pg_ctl(cluster, "-m", "fast", "-w", "stop")
            stopped = time.monotonic()
            await asyncio.sleep(2.5)  # the gap: the app answers without its database
            _pg_ctl(cluster, "-l", str(cluster.directory / "log"), "-w", "-o",
                    _restart_options(cluster), "start")  # fmt: skip
            back = time.monotonic()

            deadline = back + 15
            while out.last_ok < back + 1:  # the pool heals by itself
                assert time.monotonic() < deadline, (out.statuses, server.log()[-3000:])
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)
            stop.set()
            await asyncio.gather(*running)
        finally:
            server.stop()

        assert not out.bad, out.bad[:5]
        assert any(stopped <= at <= back + 1 for at in out.unavailable), out.statuses
        assert set(out.statuses) <= {200, 303, 503}, out.statuses
        log = server.log()
        assert "Traceback" not in log and "Exception in ASGI" not in log, log[-3000:]
        assert "database unavailable" in log

        database = Database(url)
        async with database.session() as db:
            bodies = list(
                (
                    await db.scalars(select(Question.body).where(Question.session_id == session_id))
                ).all()
            )
            assert await db.scalar(text("SELECT 1")) == 1
        await database.dispose()
        counts = Counter(bodies)
        assert [body for body, n in counts.items() if n > 1] == []  # no duplicates
        missing = [body for body in out.acknowledged if body not in counts]
        assert missing == [], missing  # every acknowledged question was kept
        assert len(out.acknowledged) >= 12
    finally:
        cluster.stop()
