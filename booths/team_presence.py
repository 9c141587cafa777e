"""„Jetzt am Stand: Name (Rolle)“: which members of a booth's team are online right now.

A team member counts while one of their booth-page sockets is open. Each such socket also
holds a place in a hidden hub channel of its own, ``booth-team:{booth}:{user}``, so the
hub's presence count (summed over all instances when Redis is used, dropped when an
instance dies) says whether that person is here; several tabs count once. Only the server
puts a socket there, after checking the logged-in account's membership of the booth's
organisation, so a visitor cannot make anyone appear by typing a name.

After a team member joins or leaves, :func:`team_announcer` publishes the fresh list on the
booth's channel as ``{"type": "team_here", "people": [{"name", "role"}]}`` (built when
sent, so it also covers the Redis hub's short delay in writing counts). New visitors get
the list in the snapshot their socket asks for. The booth page itself never contains it:
its HTML is shared through the anonymous page cache, so the list is drawn by
``static/js/chat.js`` from the socket.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from booths.models import Booth, ContactPerson
from fair.db import Database
from fair.models import Membership, User
from fair.realtime.announce import Announcer
from fair.realtime.hub import Hub

BOOTH_CHANNEL_PREFIX = "booth:"


def team_channel(booth_id: int, user_id: int) -> str:
    """The hidden channel whose presence count says whether this person is at this booth."""
    return f"booth-team:{booth_id}:{user_id}"


class _Seat:
    """A place in a team channel: receives nothing (nothing is published there)."""

    async def send(self, message: Message) -> None:
        return None


@contextlib.asynccontextmanager
async def at_booth(hub: Hub, booth_id: int, user_id: int) -> AsyncIterator[None]:
    """Count ``user_id`` as present at the booth for the duration of the block."""
    seat = _Seat()
    channel = team_channel(booth_id, user_id)
    await hub.join(channel, seat)
    try:
        yield
    finally:
        await hub.leave(channel, seat)


async def team_members(db: AsyncSession, booth_id: int) -> list[dict[str, Any]]:
    """Every account of the booth's organisation with its role from the booth's contact
    persons (matched by e-mail address; empty when the person is not listed)."""
    role = (
        select(func.min(ContactPerson.role))
        .where(ContactPerson.booth_id == booth_id)
        .where(func.lower(ContactPerson.email) == func.lower(User.email))
        .correlate(User)
        .scalar_subquery()
    )
    rows = await db.execute(
        select(User.id, User.name, role)
        .join(Membership, Membership.user_id == User.id)
        .join(Booth, Booth.organisation_id == Membership.organisation_id)
        .where(Booth.id == booth_id)
        .order_by(User.name, User.id)
    )
    return [{"id": uid, "name": name, "role": r or ""} for uid, name, r in rows]


async def team_here(hub: Hub, db: AsyncSession, booth_id: int) -> list[dict[str, str]]:
    """The team members online at the booth now, as shown to visitors (name and role)."""
    here = []
    for member in await team_members(db, booth_id):
        if await hub.presence(team_channel(booth_id, member["id"])) > 0:
            here.append({"name": member["name"], "role": member["role"]})
    return here


async def team_here_event(hub: Hub, db: AsyncSession, slug: str) -> dict[str, Any]:
    booth_id = await db.scalar(select(Booth.id).where(Booth.slug == slug))
    people = await team_here(hub, db, booth_id) if booth_id is not None else []
    return {"type": "team_here", "people": people}


def team_announcer(hub: Hub, database: Database, delay: float = 0.3) -> Announcer:
    """Publishes ``team_here`` on a booth's channel shortly after its team came or went."""

    async def build(channel: str) -> dict[str, Any]:
        slug = channel.removeprefix(BOOTH_CHANNEL_PREFIX)
        async with database.session() as db:
            return await team_here_event(hub, db, slug)

    return Announcer(hub, build, delay)
