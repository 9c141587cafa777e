"""An ASGI app served by a real uvicorn on a free loopback port, in the test's own event
loop: real HTTP (the server checks Content-Length against the bytes sent) while the test
keeps using the app's database and storage from the same loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp

from tests.support.ports import free_port


@contextlib.asynccontextmanager
async def served(app: ASGIApp, *, timeout: float = 20) -> AsyncIterator[str]:
    """Yield the base URL while uvicorn serves ``app`` (its lifespan is the caller's)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            assert not serving.done(), "uvicorn stopped before it started"
            assert time.monotonic() < deadline, "uvicorn did not start in time"
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout)
