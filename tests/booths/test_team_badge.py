"""The booth team's chat badge comes from the logged-in account, over a real server's
WebSocket: a visitor who types a team member's name (or sends "team": true) gets none,
and every message carries its time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import lxml.html
import pytest_asyncio
from websockets.asyncio.client import connect

from tests.support.app import login
from tests.support.qa import http_to, next_event, serving_app, ws_url
from tests.support.realtime import Instance

BOOTH = "owl-schueler-online"  # krz


@pytest_asyncio.fixture
async def live(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Instance]:
    with serving_app(demo_database_url, tmp_path) as instance:
        yield instance


async def _cookie(instance: Instance, email: str) -> dict[str, str]:
    async with http_to(instance) as http:
        await login(http, email)
        return {"Cookie": f"fair_session={http.cookies['fair_session']}"}


async def test_team_badge_cannot_be_typed(live: Instance) -> None:
    team = await _cookie(live, "aussteller.krz@example.org")
    stranger = await _cookie(live, "aussteller.gelsenkirchen@example.org")
    url = ws_url(live, f"/ws/booths/{BOOTH}")
    async with (
        connect(url, compression=None) as visitor,
        connect(url, compression=None, additional_headers=team) as member,
        connect(url, compression=None, additional_headers=stranger) as other,
    ):
        frame = {"type": "chat", "name": "Messeteam krz", "text": "Ich bin vom Stand", "team": True}
        await visitor.send(json.dumps(frame))
        forged = await next_event(member, lambda e: e["type"] == "chat")
        assert (forged["author"], forged["team"]) == ("Messeteam krz", False)
        assert forged["at"].endswith("Z")

        await member.send(json.dumps({"type": "chat", "name": "Jemand anderes", "text": "Hallo!"}))
        real = await next_event(visitor, lambda e: e["type"] == "chat" and e["text"] == "Hallo!")
        assert (real["author"], real["team"]) == ("Messeteam krz", True)

        await other.send(json.dumps({"type": "chat", "name": "Gast", "text": "Fremder Stand"}))
        foreign = await next_event(visitor, lambda e: e.get("text") == "Fremder Stand")
        assert foreign["team"] is False

    async with http_to(live) as http:
        page = lxml.html.fromstring((await http.get(f"/booths/{BOOTH}")).text)
    items = page.xpath("//ol[@data-chat-log]/li")
    badges = [
        (li.findtext("strong"), bool(li.xpath("span[contains(@class,'team')]"))) for li in items
    ]
    assert badges == [("Messeteam krz", False), ("Messeteam krz", True), ("Gast", False)]
    assert all(li.xpath("time/@datetime") for li in items)
    assert items[1].xpath("span[contains(@class,'team')]/text()") == ["Standteam"]
