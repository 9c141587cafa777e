"""Q&A and chat over real HTTP and WebSockets: the opening talk's id, asking and posting
through the forms, and a served app with its WebSocket URL and next event."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from fair.app import create_app
from tests.support.app import csrf_of, make_settings
from tests.support.realtime import Instance

OPENING = "Grußwort der gastgebenden Region Gelsenkirchen"


async def session_id_of(client: httpx.AsyncClient, title: str = OPENING) -> int:
    sessions = (await client.get("/api/sessions")).json()["sessions"]
    return next(s["id"] for s in sessions if s["title"] == title)


async def ask(client: httpx.AsyncClient, session_id: int, body: str, name: str = "Ada") -> int:
    token = await csrf_of(client, f"/sessions/{session_id}")
    response = await client.post(
        f"/sessions/{session_id}/questions",
        data={"csrf_token": token, "author_name": name, "body": body},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["question"]["id"])


async def post_from_programme(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = await csrf_of(client, "/programme")
    return await client.post(path, data={"csrf_token": token, **data})


@contextlib.contextmanager
def serving_app(database_url: str, tmp_path: Path, **overrides: Any) -> Iterator[Instance]:
    app = create_app(make_settings(database_url, tmp_path, **overrides))
    instance = Instance(app)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def ws_url(instance: Instance, path: str) -> str:
    return f"ws://127.0.0.1:{instance.port}{path}"


def socket(instance: Instance, path: str) -> connect:
    """A WebSocket to ``path`` on ``instance`` (``async with``), uncompressed as the
    browsers of the tests connect."""
    return connect(ws_url(instance, path), compression=None)


@contextlib.asynccontextmanager
async def http_to(instance: Instance) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{instance.port}") as client:
        yield client


@contextlib.asynccontextmanager
async def two_sockets(
    instance: Instance, path: str
) -> AsyncIterator[tuple[ClientConnection, ClientConnection]]:
    """Two people on the same channel: one writes, the other sees it (or not)."""
    async with socket(instance, path) as one, socket(instance, path) as two:
        yield one, two


async def first_booth_slug(instance: Instance) -> str:
    async with http_to(instance) as http:
        return str((await http.get("/api/booths")).json()["booths"][0]["slug"])


async def next_event(
    client: ClientConnection, match: Callable[[dict[str, Any]], bool], timeout: float = 5.0
) -> dict[str, Any]:
    """Read frames (JSON arrays) until an event satisfies ``match``."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await client.recv())
            assert isinstance(frame, list)
            for event in frame:
                if match(event):
                    return dict(event)
