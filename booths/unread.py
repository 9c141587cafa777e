"""What an exhibitor has not seen yet: new contact requests and booth-chat messages since
they last opened the booth page. Counted in two grouped queries, never per booth."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from booths.channels import booth_channel
from booths.models import Booth, BoothChatSeen, ContactRequest
from fair.auth import CurrentUser
from fair.db import utcnow
from fair.models import ChatMessage


async def unread_requests(db: AsyncSession, booth_ids: Sequence[int]) -> int:
    return int(
        await db.scalar(
            select(func.count(ContactRequest.id)).where(
                ContactRequest.booth_id.in_(list(booth_ids)), ContactRequest.read_at.is_(None)
            )
        )
        or 0
    )


async def unread_chat(db: AsyncSession, user_id: int, booths: Sequence[Booth]) -> dict[int, int]:
    """New chat messages per booth id since this user last opened the booth page (never
    opened: every message counts)."""
    if not booths:
        return {}
    by_channel = {booth_channel(b.slug): b.id for b in booths}
    seen = (
        select(BoothChatSeen.booth_id, BoothChatSeen.seen_at)
        .where(BoothChatSeen.user_id == user_id)
        .subquery()
    )
    rows = await db.execute(
        select(ChatMessage.channel, func.count(ChatMessage.id))
        .join(Booth, literal(booth_channel(""), String) + Booth.slug == ChatMessage.channel)
        .outerjoin(seen, seen.c.booth_id == Booth.id)
        .where(
            ChatMessage.channel.in_(list(by_channel)),
            (seen.c.seen_at.is_(None)) | (ChatMessage.created_at > seen.c.seen_at),
        )
        .group_by(ChatMessage.channel)
    )
    return {by_channel[channel]: int(count) for channel, count in rows.all()}


async def mark_chat_seen(db: AsyncSession, user: CurrentUser, booth: Booth | int) -> None:
    """Called when a team member opens their own booth page: one upsert statement, so
    the page stays within its query budget."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    await db.execute(
        insert(BoothChatSeen)
        .values(
            user_id=user.id, booth_id=booth if isinstance(booth, int) else booth.id, seen_at=now
        )
        .on_conflict_do_update(index_elements=["user_id", "booth_id"], set_={"seen_at": now})
    )
