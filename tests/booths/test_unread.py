"""Unread badges for exhibitors: new contact requests and booth-chat messages since the
team last looked, counted without a query per booth."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from booths.channels import booth_channel
from fair.app_services import app_services
from fair.chat import post_chat
from tests.support.app import login
from tests.support.booth_helpers import KRZ, OTHER, OWN, client_of, contact_booth


async def _contact(client: httpx.AsyncClient, slug: str) -> None:
    response = await contact_booth(
        client, slug, name="Eva", email="eva@example.org", message="Hallo", consent="yes"
    )
    assert response.status_code == 303


async def _chat(app: Starlette, slug: str, text: str) -> None:
    async with app_services(app).db.session() as db:
        await post_chat(db, booth_channel(slug), "Gast", text)
        await db.commit()


async def test_unread_requests_and_chat(client: httpx.AsyncClient, demo_app: Starlette) -> None:
    assert (await client.get("/exhibitor/unread.json")).status_code == 401
    async with client_of(demo_app) as visitor:
        await _contact(visitor, OWN)
        await _contact(visitor, OTHER)  # another organisation's booth: not counted
    await _chat(demo_app, OWN, "Ist jemand da?")
    await _chat(demo_app, OWN, "Hallo?")
    await _chat(demo_app, OTHER, "Anderswo")
    await login(client, KRZ)
    counts = (await client.get("/exhibitor/unread.json")).json()
    assert counts == {"requests": 1, "chat": 2}
    dashboard = (await client.get("/exhibitor")).text
    assert "2 neue Chat-Nachrichten" in dashboard
    assert (await client.get("/exhibitor/unread.json")).json() == {"requests": 0, "chat": 2}
    # Opening the booth page reads its chat; a later message is unread again.
    await client.get(f"/booths/{OWN}")
    assert (await client.get("/exhibitor/unread.json")).json() == {"requests": 0, "chat": 0}
    await _chat(demo_app, OWN, "Noch eine Frage")
    assert (await client.get("/exhibitor/unread.json")).json() == {"requests": 0, "chat": 1}
    english = (await client.get("/exhibitor?lang=en")).text
    assert "1 new chat message" in english
    page = (await client.get("/booths")).text
    assert "data-unread-badge" in page and "/static/js/unread.js" in page
