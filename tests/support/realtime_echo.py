"""The echo app the realtime tests serve: each message a client sends goes to its channel
through the hub under test (in-process or Redis), with routes to publish from outside and
to read presence and fan-out state; plus a unique channel name and reading events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection

from fair.realtime import ChannelLimits, Hub, serve_channel
from fair.realtime.rawframes import ServerSendMiddleware
from tests.support.realtime import Instance


def make_app(hub: Hub, limits: ChannelLimits) -> Starlette:
    """A tiny app as chat endpoints will use it: echo each message to the channel."""

    async def channel_ws(websocket: WebSocket) -> None:
        channel = websocket.path_params["channel"]

        async def on_message(event: dict[str, Any]) -> None:
            await hub.publish(channel, {"type": "chat", **event})

        await serve_channel(websocket, channel, hub, on_message, limits)

    async def publish(request: Request) -> JSONResponse:
        events = await request.json()
        for event in events:
            await hub.publish(request.path_params["channel"], event)
        return JSONResponse({"published": len(events)})

    async def presence(request: Request) -> JSONResponse:
        channel = request.path_params["channel"]
        fanout = hub.fanouts.get(channel)
        return JSONResponse(
            {
                "presence": await hub.presence(channel),
                "local": hub.local_count(channel),
                "evicted": fanout.evicted if fanout else None,
                "blocked": fanout.blocked if fanout else None,
                "raw": sum(m.raw is not None for m in fanout._members.values()) if fanout else 0,
            }
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        app.state.hub = hub
        yield
        await hub.close()

    return Starlette(
        routes=[
            WebSocketRoute("/ws/{channel}", channel_ws),
            Route("/publish/{channel}", publish, methods=["POST"]),
            Route("/presence/{channel}", presence),
        ],
        lifespan=lifespan,
        middleware=[Middleware(ServerSendMiddleware)],  # as fair.app: prepared frames
    )


@contextlib.contextmanager
def serving(hub: Hub, limits: ChannelLimits | None = None) -> Iterator[Instance]:
    instance = Instance(make_app(hub, limits or ChannelLimits()))
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


async def recv_events(client: ClientConnection, count: int, timeout: float = 5.0) -> list[Any]:
    """Read frames until ``count`` events arrived; every frame must be a JSON array."""
    events: list[Any] = []
    async with asyncio.timeout(timeout):
        while len(events) < count:
            frame = json.loads(await client.recv())
            assert isinstance(frame, list)
            events.extend(frame)
    return events
