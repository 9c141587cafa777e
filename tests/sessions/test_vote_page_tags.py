"""A Q&A vote re-renders its talk's page only.

Found by the busiest-hour benchmark (bench/busiest_hour.py): the vote's count update was a
statement on the whole ``questions`` table, which dropped every talk's and recording's
cached page ten times a second. Real app, real HTTP, SQLite and PostgreSQL.
"""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.pagecache import PageCache
from tests.support.app import csrf_of


def _cached(app: Starlette, path: str) -> bool:
    cache = app_services(app).page_cache
    assert isinstance(cache, PageCache)
    return cache.get((path, "", "de")) is not None


async def test_a_vote_drops_its_talks_page_and_keeps_the_others(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    sessions = (await client.get("/api/sessions")).json()["sessions"]
    open_talks = [s["id"] for s in sessions if not s["cancelled"]]
    voted, other = open_talks[0], open_talks[1]
    token = await csrf_of(client, f"/sessions/{voted}")
    asked = await client.post(
        f"/sessions/{voted}/questions",
        data={"csrf_token": token, "author_name": "Ada", "body": "Wie viele Stimmen?"},
        headers={"Accept": "application/json"},
    )
    assert asked.status_code == 200, asked.text
    question = asked.json()["question"]["id"]
    for path in (f"/sessions/{voted}", f"/sessions/{other}", "/programme"):
        await client.get(path)
        assert _cached(demo_app, path), path
    vote = await client.post(
        f"/sessions/{voted}/questions/{question}/vote", data={"csrf_token": token}
    )
    assert vote.status_code == 303, vote.text
    assert not _cached(demo_app, f"/sessions/{voted}")
    assert _cached(demo_app, f"/sessions/{other}") and _cached(demo_app, "/programme")
    page = (await client.get(f"/sessions/{voted}")).text
    assert "Wie viele Stimmen?" in page
