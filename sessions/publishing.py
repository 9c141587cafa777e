"""Publishing the drafts: every draft session and booth goes public at once, with one
audit entry. Nothing here commits; the caller does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import Booth
from fair import audit
from fair.auth import CurrentUser
from fair.errors import HTTPError
from sessions.models import ProgrammeSession


@dataclass(frozen=True)
class Drafts:
    sessions: list[str]
    booths: list[str]


async def drafts(db: AsyncSession) -> Drafts:
    """What is still a draft (call as an organiser, who sees drafts)."""
    sessions = await db.scalars(
        select(ProgrammeSession.title)
        .where(ProgrammeSession.published.is_(False))
        .order_by(ProgrammeSession.starts_at)
    )
    booths = await db.scalars(
        select(Booth.name).where(Booth.published.is_(False)).order_by(Booth.name)
    )
    return Drafts(list(sessions), list(booths))


async def publish_all(db: AsyncSession, actor: CurrentUser) -> Drafts:
    """Publish every draft session and booth at once; returns what was published."""
    published = await drafts(db)
    if not published.sessions and not published.booths:
        raise HTTPError(409, "Es gibt keine Entwürfe zu veröffentlichen.")
    # On the tables (not row by row): pages that listed none of these drafts must be
    # dropped from the page cache too, as for new rows.
    for table in (ProgrammeSession.__table__, Booth.__table__):
        assert isinstance(table, Table)
        await db.execute(update(table).where(table.c.published.is_(False)).values(published=True))
    summary = f"Programmpunkte: {len(published.sessions)}, Stände: {len(published.booths)}"
    await audit.record(db, actor, "publish", "programme", None, summary)
    return published
