"""Load part of the busiest hour: exhibitors editing their booths and uploading material.

Each exhibitor logs in through the real login form (its own client address, as real
exhibitors have), then through the booth editor's forms, with the CSRF token the edit
page carries: saves the booth description every ``edit_every`` s (±20 %) and uploads a
PDF of a few hundred kB every ``upload_every`` s (±33 %). Every write publishes a change
that invalidates cached pages, so this part is what tests the page cache under load.

The accounts come from :func:`create_accounts`, which adds one exhibitor per booth (and
attendee accounts for logged-in visitors) to the demo fair's database before the server
starts: the demo fair has only five exhibitor accounts.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.pages import quantile

PASSWORD = "bench-passwort"
EXHIBITOR_EMAIL = "bench-aussteller-{}@example.org"
ATTENDEE_EMAIL = "bench-besucher-{}@example.org"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


async def create_accounts(url: str, exhibitors: int, attendees: int) -> list[dict[str, Any]]:
    """``exhibitors`` exhibitor accounts, one per booth (each a member of its booth's
    organisation), and ``attendees`` attendee accounts, all with :data:`PASSWORD`; the
    booths the exhibitors edit, with what the edit form sends back unchanged."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from booths.models import Booth
    from fair.auth import create_user, hash_password
    from fair.db import Database
    from fair.models import Role

    database = Database(url)
    password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
    booths: list[dict[str, Any]] = []
    try:
        async with database.session() as db:
            rows = await db.scalars(
                select(Booth).options(selectinload(Booth.topics)).order_by(Booth.id)
            )
            for index, booth in enumerate(list(rows.all())[:exhibitors]):
                email = EXHIBITOR_EMAIL.format(index)
                user = await create_user(
                    db,
                    email=email,
                    name=f"Aussteller {index}",
                    role=Role.exhibitor,
                    password=None,
                    organisation_ids=[booth.organisation_id],
                )
                user.password_hash = password_hash
                booths.append(
                    {
                        "email": email,
                        "slug": booth.slug,
                        "name": booth.name,
                        "tagline": booth.tagline,
                        "description": booth.description[:15000],
                        "topics": [topic.slug for topic in booth.topics],
                    }
                )
            for index in range(attendees):
                user = await create_user(
                    db,
                    email=ATTENDEE_EMAIL.format(index),
                    name=f"Besucherin {index}",
                    role=Role.attendee,
                    password=None,
                )
                user.password_hash = password_hash
            await db.commit()
    finally:
        await database.dispose()
    return booths


def client(port: int, address: str) -> httpx.AsyncClient:
    """A browser-like client from its own address (``X-Forwarded-For``, which ``fair
    serve`` trusts from loopback): per-address limits count each person apart."""
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


async def csrf_of(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    found = CSRF.search(page.text)
    if page.status_code != 200 or found is None:
        raise RuntimeError(f"{path}: {page.status_code}, no CSRF token")
    return found.group(1)


async def log_in(http: httpx.AsyncClient, email: str) -> None:
    token = await csrf_of(http, "/login")
    response = await http.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    if response.status_code != 303:
        raise RuntimeError(f"login {email}: {response.status_code} {response.text[:200]}")


async def logged_in_cookies(port: int, count: int) -> list[str]:
    """Session cookies of ``count`` attendee accounts, for logged-in visitors."""
    cookies: list[str] = []
    gate = asyncio.Semaphore(8)

    async def one(index: int) -> None:
        async with gate, client(port, f"10.120.{index // 250}.{index % 250 + 1}") as http:
            await log_in(http, ATTENDEE_EMAIL.format(index))
            cookies.append("; ".join(f"{k}={v}" for k, v in http.cookies.items()))

    await asyncio.gather(*(one(i) for i in range(count)))
    return cookies


def pdf_bytes(size: int, label: str) -> bytes:
    """PDF-like bytes of ``size``: a PDF header (what the upload sniffs) and noise."""
    head = f"%PDF-1.4\n% busiest hour {label}\n".encode()
    return head + os.urandom(max(0, size - len(head) - 6)) + b"\n%%EOF"


@dataclass
class WriteStats:
    """Latency in ms of every write that answered, and every error with its reason."""

    edits: list[float] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        writes = self.edits + self.uploads

        def p(values: list[float], q: float) -> float | None:
            return round(quantile(values, q), 1) if values else None

        return {
            "edits": len(self.edits),
            "uploads": len(self.uploads),
            "write_p50_ms": p(writes, 0.5),
            "write_p95_ms": p(writes, 0.95),
            "edit_p95_ms": p(self.edits, 0.95),
            "upload_p95_ms": p(self.uploads, 0.95),
            "max_ms": round(max(writes), 1) if writes else None,
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
        }


class Exhibitor:
    """One logged-in exhibitor at the booth editor."""

    def __init__(self, port: int, index: int, booth: dict[str, Any]) -> None:
        self.booth = booth
        self.http = client(port, f"10.150.{index // 250}.{index % 250 + 1}")
        self.token = ""
        self.saves = 0

    async def start(self) -> None:
        await log_in(self.http, self.booth["email"])
        self.token = await csrf_of(self.http, f"/booths/{self.booth['slug']}/edit")

    async def edit(self) -> httpx.Response:
        self.saves += 1
        booth = self.booth
        return await self.http.post(
            f"/booths/{booth['slug']}/edit",
            data={
                "csrf_token": self.token,
                "name": booth["name"],
                "tagline": booth["tagline"],
                "description": f"{booth['description']}\n\nStand der Dinge: Fassung {self.saves}.",
                "topics": booth["topics"],
            },
        )

    async def upload(self, size: int) -> httpx.Response:
        self.saves += 1
        label = f"{self.booth['slug']}-{self.saves}"
        return await self.http.post(
            f"/booths/{self.booth['slug']}/materials",
            data={"csrf_token": self.token, "title": f"Flyer {self.saves}"},
            files={"file": (f"flyer-{label}.pdf", pdf_bytes(size, label), "application/pdf")},
        )

    async def work(
        self, stats: WriteStats, seconds: float, edit_every: float, upload_every: float, size: int
    ) -> None:
        """Edits and uploads until ``seconds`` are over, at random phases."""
        start = time.monotonic()
        end = start + seconds
        next_edit = start + random.uniform(0, edit_every)
        next_upload = start + random.uniform(0, upload_every)
        while True:
            at = min(next_edit, next_upload)
            if at >= end:
                return
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            uploading = next_upload <= next_edit
            began = time.perf_counter()
            try:
                response = await (self.upload(size) if uploading else self.edit())
                if response.status_code != 303:
                    stats.errors.append(f"{response.status_code} {response.text[:120]!r}")
            except httpx.HTTPError as error:
                stats.errors.append(f"{type(error).__name__}: {error}")
            took = (time.perf_counter() - began) * 1000
            if uploading:
                stats.uploads.append(took)
                next_upload += upload_every * random.uniform(0.67, 1.33)
            else:
                stats.edits.append(took)
                next_edit += edit_every * random.uniform(0.8, 1.2)


async def prepare_exhibitors(port: int, booths: list[dict[str, Any]]) -> list[Exhibitor]:
    """All exhibitors logged in with their edit page's token (before the measured time)."""
    exhibitors = [Exhibitor(port, i, booth) for i, booth in enumerate(booths)]
    await start_all([e.start() for e in exhibitors], 8)
    return exhibitors


async def start_all(starts: list[Any], at_once: int) -> None:
    """Awaits ``starts`` (set-up coroutines), at most ``at_once`` at a time."""
    gate = asyncio.Semaphore(at_once)

    async def start(coroutine: Any) -> None:
        async with gate:
            await coroutine

    await asyncio.gather(*(start(c) for c in starts))


async def exhibitors_at_work(
    exhibitors: list[Exhibitor], seconds: float, args: Any
) -> dict[str, Any]:
    stats = WriteStats()
    await asyncio.gather(
        *(
            e.work(stats, seconds, args.edit_every, args.upload_every, args.upload_bytes)
            for e in exhibitors
        )
    )
    for exhibitor in exhibitors:
        await exhibitor.http.aclose()
    return {"exhibitors": len(exhibitors), **stats.summary()}
