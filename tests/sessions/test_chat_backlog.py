"""A session's chat under a backlog burst, against a real uvicorn server with real
WebSocket clients on SQLite and PostgreSQL: messages a client queued while its connection
was slow or away arrive together with its ``hello`` (static/js/channel.js flushes its
queue on reconnect); every one the allowance covers is stored and reaches the others, one
past it is refused alone with a clear error in the sender's language, and the writer is
not disconnected."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from fair.realtime import ChannelLimits
from tests.support.qa import OPENING, http_to, session_id_of, ws_url
from tests.support.realtime import Instance

ALLOWANCE = 2 * ChannelLimits().rate_messages  # the burst plus the backlog allowance


async def _events(client: ClientConnection, count: int, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while len(found) < count:
            found += [e for e in json.loads(await client.recv()) if e["type"] == kind]
    return found


async def test_queued_chat_arrives_in_a_burst_and_nobody_is_disconnected(
    live: Instance,
) -> None:
    async with http_to(live) as http:
        session_id = await session_id_of(http, OPENING)
    path = f"/ws/sessions/{session_id}"
    async with (
        connect(ws_url(live, path), compression=None) as reader,
        connect(ws_url(live, f"{path}?lang=en"), compression=None) as writer,
    ):
        await reader.send(json.dumps({"type": "hello"}))
        await _events(reader, 1, "questions")
        # the reconnect flush: hello, then every queued message at once
        queued = ALLOWANCE - 1  # the hello takes one of the allowance
        burst = [json.dumps({"type": "hello", "chat_after": 0})] + [
            json.dumps({"type": "chat", "name": "Ada", "text": f"Nachricht {n}"})
            for n in range(queued + 3)  # more than the allowance covers
        ]
        for frame in burst:
            await writer.send(frame)
        received = await _events(reader, queued, "chat")
        assert [e["text"] for e in received] == [f"Nachricht {n}" for n in range(queued)]
        refused = await _events(writer, 1, "error")
        assert refused[0]["message"].startswith("rate: Too many messages at once"), refused
        # the writer is still connected: after the time it was told, its resend arrives
        await asyncio.sleep(refused[0]["retry_after"] + 0.1)
        await writer.send(json.dumps({"type": "chat", "name": "Ada", "text": "Nochmal"}))
        again = await _events(reader, 1, "chat")
        assert again[0]["text"] == "Nochmal"
        assert writer.close_code is None and reader.close_code is None
