"""Chat per session (channel ``session:{id}``) and per booth (``booth:{slug}``), and the
presence count ("people watching now") announced on those channels.

Messages are stored (the page shows the recent history) and then published through the
hub, so every app instance delivers them. Events on the wire::

    {"type": "chat", "id": 7, "author": "Ada", "text": "Hallo", "at": "2026-11-30T09:01:02Z"}
    {"type": "presence", "count": 12}
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.realtime.hub import Hub
from sessions.models import ChatMessage
from sessions.qa import MAX_NAME, clean_text

MAX_CHAT = 500
HISTORY = 50


def booth_channel(slug: str) -> str:
    return f"booth:{slug}"


def chat_event(message: ChatMessage) -> dict[str, Any]:
    return {
        "type": "chat",
        "id": message.id,
        "author": message.author_name,
        "text": message.body,
        "at": message.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


async def post_chat(db: AsyncSession, channel: str, author_name: str, text: str) -> ChatMessage:
    message = ChatMessage(
        channel=channel,
        author_name=clean_text(author_name, "name", MAX_NAME),
        body=clean_text(text, "text", MAX_CHAT),
    )
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


class PresenceAnnouncer:
    """Publishes a channel's presence count shortly after people join or leave.

    Coalesced per channel: a burst of 500 joins produces one announcement per ``delay``,
    not 500. The delay also lets the Redis hub write its counts before they are read.
    """

    def __init__(self, hub: Hub, delay: float = 0.3) -> None:
        self.hub = hub
        self.delay = delay
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def mark(self, channel: str) -> None:
        if channel in self._timers:
            return
        loop = asyncio.get_running_loop()
        self._timers[channel] = loop.call_later(self.delay, self._fire, channel)

    def _fire(self, channel: str) -> None:
        self._timers.pop(channel, None)
        task = asyncio.get_running_loop().create_task(self.announce(channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def announce(self, channel: str) -> None:
        with contextlib.suppress(Exception):
            count = await self.hub.presence(channel)
            await self.hub.publish(channel, {"type": "presence", "count": count})

    async def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
