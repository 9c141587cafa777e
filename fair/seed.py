"""Load the demo fair into a database: the core's part, then each domain's.

One seeding routine serves ``fair demo``, the test fixtures and the benchmarks, so all
three see the same fair. It is deterministic and needs no network; material files are
generated as small, real PDF documents when a storage backend is given.

The core seeds what it owns (series, organisations, topics, days, accounts) and hands a
:class:`DemoContext` to each domain's seeder in the order the wiring module gives them
(:func:`fair.app.demo_seeders`: the hall, then the programme, which links to booths);
everything is written in one transaction, so a failing seeder leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.auth import hash_password
from fair.db import Database
from fair.demo.core import DemoUser, load_core
from fair.models import (
    EventDay,
    EventSeries,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Topic,
    User,
)

if TYPE_CHECKING:
    from fair.storage import Storage


@dataclass
class DemoContext:
    """What the core seeded, for the domains' seeders (all in one transaction)."""

    db: AsyncSession
    storage: Storage | None
    say: Callable[[str], Any]
    time_zone: str
    organisations: dict[str, Organisation]
    topics: dict[str, Topic]
    days: list[EventDay]
    users: list[tuple[DemoUser, User]]

    @property
    def day_dates(self) -> list[date]:
        return [day.date for day in self.days]


DemoSeeder = Callable[[DemoContext], Awaitable[None]]


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF showing ``title``; enough to make demo downloads real."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 60 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


async def _one_chunk(payload: bytes) -> AsyncIterator[bytes]:
    yield payload


async def one_chunk(payload: bytes) -> AsyncIterator[bytes]:
    """``payload`` as the byte stream storage's ``save_stream`` takes."""
    yield payload


async def seed_demo_fair(
    database: Database,
    *,
    password: str,
    seeders: Sequence[DemoSeeder],
    storage: Storage | None = None,
    progress: Callable[[str], Any] | None = None,
) -> bool:
    """Create the demo fair unless the database already holds an event series.

    Returns True when it created the fair.
    """
    say = progress or (lambda _message: None)
    data = load_core()
    async with database.session() as db:
        if await db.scalar(select(EventSeries.id).limit(1)) is not None:
            return False
        series = EventSeries(
            slug=data.series.slug,
            title=data.series.title,
            acronym=data.series.acronym,
            description=data.series.description,
            time_zone=data.series.time_zone,
        )
        db.add(series)
        organisations = {
            o.slug: Organisation(
                slug=o.slug,
                name=o.name,
                kind=OrganisationKind(o.kind),
                city=o.city,
                website=o.website,
                description=o.description,
            )
            for o in data.organisations
        }
        db.add_all(organisations.values())
        topics = {
            t.slug: Topic(slug=t.slug, name_de=t.name_de, name_en=t.name_en) for t in data.topics
        }
        db.add_all(topics.values())
        await db.flush()
        days = [
            EventDay(
                series_id=series.id,
                date=d.date,
                title=d.title,
                description=d.description,
                host_id=organisations[d.host].id,
                starts=d.start,
                ends=d.end,
            )
            for d in data.days
        ]
        db.add_all(days)
        await db.flush()
        say(f"{len(days)} days, {len(organisations)} organisations")

        password_hash = hash_password(password)  # one hash: every demo account shares it
        users: list[tuple[DemoUser, User]] = []
        for demo_user in data.users:
            user = User(
                email=demo_user.email,
                name=demo_user.display_name,
                role=Role(demo_user.role),
                password_hash=password_hash,
            )
            db.add(user)
            await db.flush()
            for slug in demo_user.organisations:
                db.add(Membership(user_id=user.id, organisation_id=organisations[slug].id))
            users.append((demo_user, user))

        context = DemoContext(
            db=db,
            storage=storage,
            say=say,
            time_zone=data.series.time_zone,
            organisations=organisations,
            topics=topics,
            days=days,
            users=users,
        )
        for seeder in seeders:
            await seeder(context)
        await db.commit()
        say(f"{len(data.users)} demo accounts")
    return True
