"""``serve_channel``'s rate limit judges what the user sent, not how it arrived: a backlog
that a slow or reconnecting connection delivers in one burst is taken, a message past it
is refused alone with a clear error (the connection stays), and only a flood that goes on
through the refusals is closed. Real uvicorn, real ``websockets`` clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from fair.realtime import ChannelLimits
from tests.support.realtime import Instance, closed_with
from tests.support.realtime_echo import recv_events, unique

LIMITS = ChannelLimits()
BURST = LIMITS.rate_messages  # taken at once on a fresh connection
BACKLOG = 2 * BURST  # the burst plus one more allowance


async def _send_all(client: ClientConnection, count: int, tag: str) -> None:
    """What a client's queue sends when its connection comes back: all at once."""
    for n in range(count):
        await client.send(json.dumps({"text": f"{tag}-{n}"}))


async def _frames_until(client: ClientConnection, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = await recv_events(client, count)
    return events


@asynccontextmanager
async def _two_clients(
    instance: Instance, name: str
) -> AsyncIterator[tuple[ClientConnection, ClientConnection]]:
    """Two clients of one new channel (named after ``name``), without compression."""
    channel = unique(name)
    async with (
        connect(instance.ws(channel), compression=None) as first,
        connect(instance.ws(channel), compression=None) as second,
    ):
        yield first, second


async def test_a_backlog_burst_is_taken_and_the_connection_stays(local: Instance) -> None:
    async with _two_clients(local, "backlog") as (reader, writer):
        await _send_all(writer, BACKLOG, "queued")
        events = await _frames_until(reader, BACKLOG)
        assert [e["text"] for e in events] == [f"queued-{n}" for n in range(BACKLOG)]
        # the writer is still connected and is heard once it keeps to the pace
        await asyncio.sleep(LIMITS.rate_seconds / LIMITS.rate_messages + 0.2)
        await writer.send(json.dumps({"text": "later"}))
        assert (await _frames_until(reader, 1))[0]["text"] == "later"
        assert writer.close_code is None


async def test_past_the_backlog_one_message_is_refused_with_a_clear_error(
    local: Instance,
) -> None:
    async with _two_clients(local, "refused") as (reader, writer):
        sent = BACKLOG + 4
        await _send_all(writer, sent, "burst")
        # every message is either taken (the writer hears its echo) or refused (an error
        # to the writer alone); a slow server may refill a token meanwhile, no more
        seen = await _frames_until(writer, sent)
        errors = [e for e in seen if e["type"] == "error"]
        taken = [e["text"] for e in seen if e["type"] == "chat"]
        assert BACKLOG <= len(taken) < sent and len(taken) + len(errors) == sent, seen
        assert taken[:BACKLOG] == [f"burst-{n}" for n in range(BACKLOG)]
        assert [e["text"] for e in await _frames_until(reader, len(taken))] == taken
        for error in errors:
            assert error["field"] == "rate" and error["message"].startswith("rate: ")
            assert "Zu viele Nachrichten" in error["message"]
            assert error["retry_after"] >= 1
        # after the time it was told, the resent message is taken; nobody was closed
        await asyncio.sleep(errors[-1]["retry_after"] + 0.1)
        await writer.send(json.dumps({"text": "resent"}))
        assert (await _frames_until(reader, 1))[0]["text"] == "resent"
        assert writer.close_code is None and reader.close_code is None


async def test_a_flood_through_the_refusals_is_closed_others_keep_receiving(
    local: Instance,
) -> None:
    async with _two_clients(local, "flood") as (good, bad):
        await _send_all(bad, 3 * BACKLOG, "flood")
        assert await closed_with(bad) == (1008, "rate limit")
        await good.send(json.dumps({"text": "still here"}))
        async with asyncio.timeout(5):
            while True:
                texts = [e["text"] for e in await recv_events(good, 1)]
                if "still here" in texts:
                    break
