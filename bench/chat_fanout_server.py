"""The chat fan-out benchmark's server: one uvicorn process serving one chat channel
through ``fair.realtime`` as deployed (``bench/chat_fanout.py`` starts it)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bench.chat_fanout_clients import raise_open_files

# --------------------------------------------------------------------------- server


def serve(args: argparse.Namespace) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    from fair.realtime import UVICORN_WS_OPTIONS, ChannelLimits, InProcessHub, serve_channel
    from fair.realtime.hub import Hub, RedisHub

    raise_open_files()
    hub: Hub
    if args.redis:
        hub = RedisHub(args.redis, batch_interval=args.interval)
    else:
        hub = InProcessHub(batch_interval=args.interval)
    # Everyone connects from 127.0.0.1 here, so the per-address cap is lifted.
    limits = ChannelLimits(max_per_address=1_000_000)

    async def room(websocket: WebSocket) -> None:
        async def on_message(event: dict[str, Any]) -> None:
            await hub.publish("room", {"type": "chat", **event})

        await serve_channel(websocket, "room", hub, on_message, limits)

    async def stats(request: Request) -> JSONResponse:
        fanout = hub.fanouts.get("room")
        return JSONResponse(
            {
                "members": len(fanout) if fanout else 0,
                "batches": fanout.batches_sent if fanout else 0,
                "frames_sent_directly": fanout.frames_sent if fanout else 0,
                "blocked": fanout.blocked if fanout else 0,
                "evicted": fanout.evicted if fanout else 0,
                "flush_ms_mean": round(
                    1000 * fanout.flush_seconds_total / max(1, fanout.batches_sent), 1
                )
                if fanout
                else 0,
                "flush_ms_max": round(1000 * fanout.flush_seconds_max, 1) if fanout else 0,
                "flush_cpu_us_per_frame": round(
                    1e6 * fanout.flush_cpu_seconds_total / max(1, fanout.frames_sent), 2
                )
                if fanout
                else 0,
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.close()

    from starlette.middleware import Middleware

    from fair.realtime.rawframes import ServerSendMiddleware

    app = Starlette(
        routes=[WebSocketRoute("/ws/room", room), Route("/stats", stats)],
        lifespan=lifespan,
        middleware=[Middleware(ServerSendMiddleware)] if args.raw_frames == "on" else [],
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        backlog=4096,
        **UVICORN_WS_OPTIONS,
    )
