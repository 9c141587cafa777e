"""Logged-in attendees share one cached render per page; each sees their own name.

Found by the busiest-hour benchmark (bench/busiest_hour.py): with one entry per user and
page, nearly every request of a logged-in visitor rendered. Real app, real HTTP, SQLite
and PostgreSQL: the second attendee is served the first one's render from memory, with
their own name, e-mail and token (HTML-escaped), never the other's.
"""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.auth import create_user
from fair.models import Role
from fair.pagecache import TOKEN_PLACEHOLDER
from fair.visitor_pages import EMAIL_PLACEHOLDER, NAME_PLACEHOLDER
from tests.support.app import csrf_of, login, make_client
from tests.support.booth_helpers import OWN
from tests.support.page_cache import cache_of

PASSWORD = "ein-langes-passwort-42"
ATTENDEES = {
    "ada@example.org": "Ada <Lovelace> & Co",
    "grace@example.org": "Grace Hopper",
}


async def test_attendees_share_a_render_with_their_own_name(demo_app: Starlette) -> None:
    async with app_services(demo_app).db.session() as db:
        for email, name in ATTENDEES.items():
            await create_user(db, email=email, name=name, role=Role.attendee, password=PASSWORD)
        await db.commit()
    session_id = 1
    paths = ("/programme", f"/booths/{OWN}", f"/sessions/{session_id}")
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        for email in ATTENDEES:
            clients[email] = make_client(demo_app)
            await login(clients[email], email, PASSWORD)
        tokens = {email: await csrf_of(c, "/login") for email, c in clients.items()}
        cache = cache_of(demo_app)
        first, second = list(clients)
        for path in paths:
            assert (await clients[first].get(path)).status_code == 200
            hits, entries = cache.hits, len(cache)
            page = await clients[second].get(path)
            assert cache.hits == hits + 1 and len(cache) == entries, f"{path}: rendered again"
            assert page.headers["cache-control"] == "private, no-store"
            text = page.text
            for placeholder in (TOKEN_PLACEHOLDER, NAME_PLACEHOLDER, EMAIL_PLACEHOLDER):
                assert placeholder not in text
            assert f"({ATTENDEES[second]})" in text  # the logout button
            assert ATTENDEES[first] not in text and "Ada &lt;Lovelace&gt; &amp; Co" not in text
            assert tokens[first] not in text and tokens[second] in text
        booth = (await clients[first].get(f"/booths/{OWN}")).text
        assert "Ada &lt;Lovelace&gt; &amp; Co" in booth and 'value="ada@example.org"' in booth
        assert "grace@example.org" not in booth and "Grace Hopper" not in booth
        # Nothing personal is kept in memory.
        for cached in cache._pages.values():
            assert b"Grace Hopper" not in cached.body and b"Lovelace" not in cached.body
    finally:
        for client in clients.values():
            await client.aclose()
