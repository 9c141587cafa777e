"""The chat writer stores what arrives while a transaction runs in the next one, on both
databases: one guard and one commit per group, ids and delivery in arrival order, and a
refusal or a failure answered to every sender of the group, nothing published for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from fair.chat import chat_message, recent_messages
from fair.chat_writer import ChatWriter
from fair.db import Database
from fair.errors import HTTPError
from fair.realtime import InProcessHub

CHANNEL = "session:1"


class Recorder:
    """A channel member that keeps the text frames it is sent."""

    def __init__(self) -> None:
        self.frames: list[str] = []

    async def send(self, message: Message) -> None:
        self.frames.append(message["text"])


@asynccontextmanager
async def writing(database_url: str) -> AsyncIterator[tuple[Database, ChatWriter, Recorder]]:
    """A chat writer on a real database and hub, and a listener joined to the channel."""
    database, hub = Database(database_url), InProcessHub(batch_interval=0.01)
    writer = ChatWriter(database, hub)
    listener = Recorder()
    await hub.join(CHANNEL, listener)
    try:
        yield database, writer, listener
    finally:
        await writer.close()
        await hub.close()
        await database.dispose()


async def test_messages_arriving_together_are_stored_in_one_group_in_order(
    database_url: str,
) -> None:
    guards = 0

    async def guard(db: AsyncSession) -> None:
        nonlocal guards
        guards += 1

    async with writing(database_url) as (database, writer, listener):
        first = writer.post(chat_message(CHANNEL, "Ada", "eins"), guard)
        await asyncio.sleep(0)  # the first group's transaction has begun
        rest = [writer.post(chat_message(CHANNEL, "Ben", f"{n}"), guard) for n in range(5)]
        stored = [await first] + [await future for future in rest]
        ids = [message.id for message in stored]
        assert ids == sorted(ids) and len(set(ids)) == 6
        assert (writer.groups, writer.messages, guards) == (2, 6, 2)
        async with database.session() as db:
            assert [m.body for m in await recent_messages(db, CHANNEL)] == [
                "eins",
                "0",
                "1",
                "2",
                "3",
                "4",
            ]
        async with asyncio.timeout(5):
            while sum(len(json.loads(f)) for f in listener.frames) < 6:
                await asyncio.sleep(0.01)
        delivered = [e for frame in listener.frames for e in json.loads(frame)]
        assert [e["id"] for e in delivered] == ids


async def test_a_refusal_reaches_every_sender_of_the_group_and_nothing_is_sent(
    database_url: str,
) -> None:

    async def closed(db: AsyncSession) -> None:
        raise HTTPError(409, "beendet")

    async with writing(database_url) as (database, writer, listener):
        futures = [writer.post(chat_message(CHANNEL, "Ada", f"{n}"), closed) for n in range(3)]
        for future in futures:
            with pytest.raises(HTTPError):
                await future
        await asyncio.sleep(0.1)
        assert listener.frames == []
        async with database.session() as db:
            assert await recent_messages(db, CHANNEL) == []
        # the channel takes messages again once its guard does (a new group, a new guard)
        again = await writer.post(chat_message(CHANNEL, "Ada", "wieder"))
        assert again.id > 0
