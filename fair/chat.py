"""Chat channels and the presence count ("people watching now") announced on them: the
mechanism booth chats and session chats share. Each domain names its channels (a booth's
``booth:{slug}`` in :mod:`booths.channels`, a session's ``session:{id}`` in
:mod:`sessions.qa`) and serves them on its own WebSocket route.

Messages are stored (the page shows the recent history) and then published through the
hub, so every app instance delivers them. Events on the wire::

    {"type": "chat", "id": 7, "author": "Ada", "text": "Hallo", "at": "2026-11-30T09:01:02Z",
     "team": false}
    {"type": "presence", "count": 12}
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.models import ChatMessage
from fair.realtime.announce import Announcer
from fair.realtime.hub import Hub
from fair.web import clean_text

MAX_NAME = 80  # the author column's length
MAX_CHAT = 500
HISTORY = 50


def chat_event(message: ChatMessage) -> dict[str, Any]:
    return {
        "type": "chat",
        "id": message.id,
        "author": message.author_name,
        "text": message.body,
        "at": message.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "team": message.team,
    }


def chat_message(channel: str, author_name: str, text: str, *, team: bool = False) -> ChatMessage:
    """A new message with its name and text cleaned (a 400 names the field). ``team`` comes
    from the logged-in account (a member of the booth's team), never from the client; a
    visitor typing a team member's name gets no badge."""
    return ChatMessage(
        channel=channel,
        author_name=clean_text(author_name, "name", MAX_NAME),
        body=clean_text(text, "text", MAX_CHAT),
        team=team,
    )


async def post_chat(
    db: AsyncSession, channel: str, author_name: str, text: str, *, team: bool = False
) -> ChatMessage:
    """Store a message now, in ``db``'s transaction (sockets go through
    :class:`fair.chat_writer.ChatWriter`, which groups them)."""
    message = chat_message(channel, author_name, text, team=team)
    db.add(message)
    await db.flush()
    return message


async def recent_messages(
    db: AsyncSession, channel: str, limit: int = HISTORY
) -> list[ChatMessage]:
    rows = await db.scalars(
        select(ChatMessage)
        .where(ChatMessage.channel == channel)
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


async def messages_after(
    db: AsyncSession, channel: str, after_id: int, limit: int = HISTORY
) -> list[ChatMessage]:
    """What a client that last saw ``after_id`` missed (a reconnect, a Redis outage),
    oldest first; at most the newest ``limit``, as the page's history would show."""
    rows = await db.scalars(
        select(ChatMessage)
        .where(ChatMessage.channel == channel, ChatMessage.id > after_id)
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


def presence_announcer(hub: Hub, delay: float = 0.3) -> Announcer:
    """``{"type": "presence", "count": n}`` after joins and leaves (the delay also lets the
    Redis hub write its counts before they are read)."""

    async def build(channel: str) -> dict[str, Any]:
        return {"type": "presence", "count": await hub.presence(channel)}

    return Announcer(hub, build, delay)
