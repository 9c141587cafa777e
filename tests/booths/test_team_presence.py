"""„Jetzt am Stand: Name (Rolle)“ (booths/team_presence.py) without a browser: who counts,
where the role comes from, several tabs, two instances on one Redis, and a visitor's
socket that tries to pass for the team. The browser journey is in
tests/booths/test_team_presence_browser.py."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from booths.models import Booth, ContactPerson
from booths.team_presence import at_booth, team_here
from fair.db import Database
from fair.models import User
from fair.realtime.hub import InProcessHub, RedisHub
from tests.support.realtime import wait_for
from tests.support.redis_server import RedisServer

BOOTH = "ac-digicheck"  # a krz booth; aussteller.krz@example.org is on krz's team
TEAM_EMAIL = "aussteller.krz@example.org"


async def _booth_and_users(database: Database) -> tuple[int, int, int]:
    async with database.session() as db:
        booth_id = await db.scalar(select(Booth.id).where(Booth.slug == BOOTH))
        member = await db.scalar(select(User.id).where(User.email == TEAM_EMAIL))
        organiser = await db.scalar(select(User.id).where(User.email == "orga@example.org"))
        # Listed as a contact person under the same address in other letters: gives the role.
        db.add(
            ContactPerson(booth_id=booth_id, name="x", role="Vertrieb", email=TEAM_EMAIL.upper())
        )
        await db.commit()
    assert booth_id and member and organiser
    return booth_id, member, organiser


async def test_members_count_once_with_their_contact_role(demo_database_url: str) -> None:
    database = Database(demo_database_url)
    hub = InProcessHub()
    try:
        booth_id, member, organiser = await _booth_and_users(database)

        async def here() -> list[dict[str, str]]:
            async with database.session() as db:
                return await team_here(hub, db, booth_id)

        assert await here() == []
        # An organiser (not on the booth's team) and a stranger's id do not count.
        async with at_booth(hub, booth_id, organiser), at_booth(hub, booth_id, 999_999):
            assert await here() == []
        async with at_booth(hub, booth_id, member):
            expected = [{"name": "Messeteam krz", "role": "Vertrieb"}]
            async with at_booth(hub, booth_id, member):  # a second tab
                assert await here() == expected
            assert await here() == expected  # one tab closed, the other still open
        assert await here() == []
    finally:
        await hub.close()
        await database.dispose()


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_presence_crosses_instances_on_redis(demo_database_url: str) -> None:
    redis = RedisServer()
    redis.start()
    database = Database(demo_database_url)
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    hub_a = RedisHub(redis.url, prefix=prefix, heartbeat_interval=0.5)
    hub_b = RedisHub(redis.url, prefix=prefix, heartbeat_interval=0.5)
    try:
        await hub_a.start()
        await hub_b.start()
        booth_id, member, _ = await _booth_and_users(database)

        async def seen_on_b() -> list[dict[str, str]]:
            async with database.session() as db:
                return await team_here(hub_b, db, booth_id)

        async with at_booth(hub_a, booth_id, member):
            assert await wait_for(seen_on_b, timeout=10) == [
                {"name": "Messeteam krz", "role": "Vertrieb"}
            ]

        async def gone() -> bool:
            return await seen_on_b() == []

        assert await wait_for(gone, timeout=10)
    finally:
        await hub_a.close()
        await hub_b.close()
        await database.dispose()
        redis.stop()


async def test_a_visitor_socket_cannot_pass_for_the_team(demo_server: Any) -> None:
    """The team list comes from accounts, not from names: an anonymous socket that chats as
    „Messeteam krz“ is not at the booth; the snapshot and the announcements stay empty."""
    from websockets.asyncio.client import connect

    url = demo_server.base_url.replace("http", "ws") + f"/ws/booths/{BOOTH}"
    async with connect(url) as visitor:
        await visitor.send(json.dumps({"type": "chat", "name": "Messeteam krz", "text": "Hallo"}))
        await visitor.send(json.dumps({"type": "hello"}))
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while not any(e.get("type") == "team_here" for e in events):
            remaining = deadline - time.monotonic()
            assert remaining > 0, events
            events += json.loads(await asyncio.wait_for(visitor.recv(), remaining))
        chats = [e for e in events if e.get("type") == "chat" and e.get("text") == "Hallo"]
        assert chats and not any(c.get("team") for c in chats)
        assert [e for e in events if e.get("type") == "team_here"][-1]["people"] == []
