"""Chat messages stored in groups, one writer per channel: everything that arrived while the
previous transaction ran goes into the next one, then out through the hub in order.

Why (measured, docs/benchmarks-chat.md, "The busiest hour"): storing one message takes
about ten round trips through the event loop (the pool, BEGIN, the channel's guard, the
INSERT, COMMIT; each an aiosqlite thread hop or a PostgreSQL reply). While pages kept the
loop busy every round trip waited for a loop turn, so one message took over a second, and
as a connection's messages were stored one after another, each writer's chat fell 20 s
behind while the fan-out itself cost 2 % of the process. Here the round trips are paid
once per group, and a connection's next message is read while the previous one is being
stored (up to ``in_flight`` of its messages at a time; the rate limit of
:mod:`fair.realtime.ws` still decides what is taken at all).

Semantics kept: a message is stored before anyone sees it (its id is the database's, which
``chat_after`` relies on); the order of ids is the order of arrival on this instance and
the order of delivery; a refusal by the channel's guard (an ended talk, an archived fair)
or a failed transaction is answered to each sender of the group. One guard per group: a
channel's guard must depend on the channel, not on the connection (both guards the
domains pass do).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from fair.chat import chat_event
from fair.db import Database
from fair.models import ChatMessage
from fair.realtime.hub import Hub, encode_event
from fair.unavailable import hub_unavailable

logger = logging.getLogger(__name__)

# Raises HTTPError when the channel takes no chat now (see fair.chat_socket).
ChatGuard = Callable[[AsyncSession], Awaitable[None]]


@dataclass
class _Queued:
    """One message waiting for its channel's next transaction."""

    message: ChatMessage
    stored: asyncio.Future[ChatMessage]


@dataclass
class _Channel:
    guard: ChatGuard | None
    queued: list[_Queued] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


class ChatWriter:
    """Stores and publishes chat messages, grouped per channel (see the module doc)."""

    def __init__(self, database: Database, hub: Hub) -> None:
        self.database = database
        self.hub = hub
        self._channels: dict[str, _Channel] = {}
        # Counters for the benchmark: groups written and messages in them.
        self.groups = 0
        self.messages = 0

    def post(
        self, message: ChatMessage, guard: ChatGuard | None = None
    ) -> asyncio.Future[ChatMessage]:
        """Queue a new message (:func:`fair.chat.chat_message`) for its channel.

        The future is the message once stored and published (handed to the hub), or the
        guard's ``HTTPError``, or the failure of its transaction.
        """
        loop = asyncio.get_running_loop()
        channel = message.channel
        state = self._channels.get(channel)
        if state is None:
            state = self._channels[channel] = _Channel(guard)
        queued = _Queued(message, loop.create_future())
        state.queued.append(queued)
        if state.writer is None:
            state.writer = loop.create_task(self._write(channel, state), name="fair-chat-writer")
        return queued.stored

    async def _write(self, channel: str, state: _Channel) -> None:
        """Write what is queued, publish it, repeat until the queue stays empty."""
        try:
            while state.queued:
                group, state.queued = state.queued, []
                stored = await self._store(state.guard, group)
                if stored:
                    await self._publish(channel, stored)
                    for queued, message in zip(group, stored, strict=True):
                        if not queued.stored.done():
                            queued.stored.set_result(message)
        finally:
            state.writer = None
            if self._channels.get(channel) is state and not state.queued:
                del self._channels[channel]

    async def _store(self, guard: ChatGuard | None, group: list[_Queued]) -> list[ChatMessage]:
        messages = [queued.message for queued in group]
        try:
            async with self.database.session() as db:
                if guard is not None:
                    await guard(db)
                db.add_all(messages)
                await db.commit()
        except Exception as exc:
            for queued in group:
                if not queued.stored.done():
                    queued.stored.set_exception(exc)
            return []
        except BaseException:  # cancelled at shutdown
            for queued in group:
                queued.stored.cancel()
            raise
        self.groups += 1
        self.messages += len(group)
        return messages

    async def _publish(self, channel: str, messages: list[ChatMessage]) -> None:
        """Publish stored messages in order; while Redis is away deliver them here at least.
        The other instances' clients fetch them when the hub tells them to resync
        (``chat_after``)."""
        events = [chat_event(message) for message in messages]
        try:
            await self.hub.publish_all(channel, events)
        except Exception as exc:
            if not hub_unavailable(exc):
                logger.exception("chat on %s: publishing stored messages failed", channel)
                return
            logger.warning("chat on %s delivered locally only: hub unavailable (%s)", channel, exc)
            for event in events:
                self.hub.deliver(channel, encode_event(event))

    async def close(self) -> None:
        """Stop the writers (at shutdown); queued messages fail with the cancellation."""
        writers = [s.writer for s in self._channels.values() if s.writer is not None]
        for writer in writers:
            writer.cancel()
        for writer in writers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
        for state in self._channels.values():
            for queued in state.queued:
                queued.stored.cancel()
        self._channels.clear()
