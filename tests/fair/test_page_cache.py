"""The page cache: anonymous pages from memory, invalidated by the changes they show.

Real app, real database (SQLite and PostgreSQL), real Redis for two instances.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from booths.channels import booth_channel
from fair.app_services import app_services
from fair.chat import post_chat
from fair.pagecache import TOKEN_PLACEHOLDER
from fair.querycount import counting_queries
from tests.support.app import csrf_of, login, make_client, make_settings, running_app
from tests.support.booth_helpers import KRZ, OTHER, OWN, edit_booth
from tests.support.page_cache import cache_of, token_in


async def test_second_request_from_memory_with_validators(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    first = await client.get("/programme")
    assert first.status_code == 200
    with counting_queries() as counted:
        second = await client.get("/programme")
    assert counted.count == 0
    assert second.text == first.text
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["last-modified"]
    assert second.headers["cache-control"].startswith("public, max-age=")
    assert "stale-while-revalidate" in second.headers["cache-control"]
    assert "Cookie" in second.headers["vary"]
    assert cache_of(demo_app).hits >= 1
    # A repeated request with the validator: 304 without a body.
    again = await client.get("/programme", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    since = await client.get(
        "/programme", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304
    other = await client.get("/programme", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


async def test_gzip_for_pages_that_ask(client: httpx.AsyncClient) -> None:
    plain = await client.get("/booths", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/booths", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == plain.text  # httpx decodes it
    assert int(packed.headers["content-length"]) < len(plain.content) / 3


async def test_exhibitor_edit_visible_to_next_anonymous_request(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    before = await client.get(f"/booths/{OWN}")
    hall = await client.get("/booths")
    assert "Neuer Standname" not in before.text + hall.text
    async with make_client(demo_app) as exhibitor:
        await login(exhibitor, KRZ)
        edited = await edit_booth(exhibitor, name="Neuer Standname", tagline="frisch")
        assert edited.status_code == 303, edited.text
    assert "Neuer Standname" in (await client.get(f"/booths/{OWN}")).text
    assert "Neuer Standname" in (await client.get("/booths")).text


async def test_chat_message_drops_only_the_pages_showing_it(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    for url in (f"/booths/{OWN}", f"/booths/{OTHER}", "/programme", "/booths"):
        await client.get(url)
    cache = cache_of(demo_app)
    cached = len(cache)
    async with app_services(demo_app).db.session() as db:
        await post_chat(db, booth_channel(OWN), "Besucherin", "Hallo Stand!")
        await db.commit()
    assert len(cache) == cached - 1
    assert "Hallo Stand!" in (await client.get(f"/booths/{OWN}")).text
    hits = cache.hits
    for url in (f"/booths/{OTHER}", "/programme", "/booths"):
        await client.get(url)
    assert cache.hits == hits + 3


async def test_tokens_never_shared_and_forms_work_without_javascript(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    async with make_client(demo_app) as other:
        mine = await client.get(f"/booths/{OWN}")
        theirs = await other.get(f"/booths/{OWN}")
        assert cache_of(demo_app).hits >= 1  # the second visitor got the cached page
        token_a, token_b = token_in(mine.text), token_in(theirs.text)
        assert token_a and token_b and token_a != token_b
        assert token_a not in theirs.text and token_b not in mine.text
        assert TOKEN_PLACEHOLDER not in mine.text + theirs.text
        assert mine.headers["cache-control"] == "private, no-cache"
        assert mine.headers["etag"] != theirs.headers["etag"]
        # The memory holds no token at all.
        for page in cache_of(demo_app)._pages.values():
            assert token_a.encode() not in page.body and token_b.encode() not in page.body
        # The token from the cached page is accepted: the no-JS form post works.
        form = re.search(r'name="csrf_token" value="([^"]+)"', theirs.text)
        assert form and form.group(1) == token_b
        sent = await other.post(
            f"/booths/{OWN}/contact",
            data={
                "name": "Erika",
                "email": "erika@example.org",
                "message": "Bitte um Rückruf",
                "consent": "yes",
                "csrf_token": token_b,
            },
        )
        assert sent.status_code == 303, sent.text


async def test_logged_in_visitor_never_gets_a_cached_page(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    anonymous = await client.get("/programme")
    assert anonymous.headers["cache-control"].startswith("public")
    async with make_client(demo_app) as member:
        await login(member, KRZ)
        page = await member.get("/programme")
        assert page.headers["cache-control"] == "private, no-store"
        assert "Abmelden" in page.text and token_in(page.text) == await csrf_of(member, "/")
        assert token_in(page.text) != TOKEN_PLACEHOLDER
    after = await client.get("/programme")
    assert "Abmelden" not in after.text
    assert after.text == anonymous.text


async def test_language_is_part_of_the_key(client: httpx.AsyncClient, demo_app: Starlette) -> None:
    german = await client.get("/programme")
    english = await client.get("/programme", cookies={"fair_lang": "en"})
    german_again = await client.get("/programme")
    assert 'lang="de"' in german.text and 'lang="en"' in english.text
    assert german_again.text == german.text
    assert english.headers["etag"] != german.headers["etag"]


async def test_unknown_parameters_neither_change_nor_grow_the_cache(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    cache = cache_of(demo_app)
    await client.get("/programme")
    size = len(cache)
    for i in range(50):
        response = await client.get(f"/programme?utm_source={i}&x{i}=1")
        assert response.status_code == 200
    assert len(cache) == size


async def test_distinct_urls_stay_within_the_stated_size(
    demo_database_url: str, tmp_path: Path
) -> None:
    limit = 300_000
    async for app in running_app(
        make_settings(demo_database_url, tmp_path, page_cache_bytes=limit)
    ):
        async with make_client(app) as client:
            for i in range(120):
                assert (await client.get(f"/booths?q=suche{i}")).status_code == 200
            cache = cache_of(app)
            assert 0 < cache.bytes <= limit
            assert len(cache) < 120


async def test_state_changes_and_errors_are_never_cached(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    cache = cache_of(demo_app)
    assert (await client.get("/sessions/999999")).status_code == 404
    assert (await client.get("/programme?by=nonsense")).status_code == 400
    token = await csrf_of(client, "/login")
    await client.post(
        "/sessions/1/questions", data={"author_name": "A", "body": "Frage?", "csrf_token": token}
    )
    assert all(key[0] != "/sessions/999999" for key in cache._pages)
    assert all("nonsense" not in key[1] for key in cache._pages)
    assert all(not key[0].endswith("/questions") for key in cache._pages)


async def test_question_shows_on_the_cached_session_page(client: httpx.AsyncClient) -> None:
    first = await client.get("/sessions/1")
    token = token_in(first.text)
    posted = await client.post(
        "/sessions/1/questions",
        data={"author_name": "Gast", "body": "Wie geht es weiter?", "csrf_token": token},
    )
    assert posted.status_code == 303
    assert "Wie geht es weiter?" in (await client.get("/sessions/1")).text


# ----------------------------------------------------------------- two instances, one Redis


async def test_edit_on_one_instance_reaches_the_cache_of_the_other(
    two_instances: tuple[Starlette, Starlette],
) -> None:
    first, second = two_instances
    async with make_client(first) as editor_side, make_client(second) as reader:
        old = await reader.get(f"/booths/{OWN}")
        assert (await reader.get(f"/booths/{OWN}")).text == old.text  # now cached on B
        assert cache_of(second).hits >= 1
        for url in (f"/booths/{OTHER}", "/programme"):
            await reader.get(url)
        await login(editor_side, KRZ)
        token = await csrf_of(editor_side, f"/booths/{OWN}/edit")
        edited = await editor_side.post(
            f"/booths/{OWN}/edit",
            data={"name": "Über Redis geändert", "csrf_token": token},
        )
        assert edited.status_code == 303
        # The invalidation travels through Redis pub/sub (one hub batch, ~0.1 s).
        for _ in range(50):
            if not cache_of(second).get((f"/booths/{OWN}", "", "de")):
                break
            await asyncio.sleep(0.05)
        assert "Über Redis geändert" in (await reader.get(f"/booths/{OWN}")).text
        # Only the pages showing that booth went: B keeps the others (booths:<id> tags).
        assert cache_of(second).get((f"/booths/{OTHER}", "", "de")) is not None
        assert cache_of(second).get(("/programme", "", "de")) is not None


async def test_cached_booth_page_costs_no_statement_and_still_counts_the_visit(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    from sqlalchemy import select

    from booths.models import Booth, BoothDailyStats

    await client.get(f"/booths/{OWN}")
    with counting_queries() as counted:
        hit = await client.get(f"/booths/{OWN}")
    assert hit.status_code == 200 and counted.count == 0
    # Written in the background within a second or so, not by the request.
    for _ in range(40):
        await asyncio.sleep(0.1)
        async with app_services(demo_app).db.session() as db:
            visits = await db.scalar(
                select(BoothDailyStats.visits)
                .join(Booth, Booth.id == BoothDailyStats.booth_id)
                .where(Booth.slug == OWN)
            )
        if visits == 2:
            break
    assert visits == 2


async def test_simultaneous_misses_render_once(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    cache = cache_of(demo_app)
    misses = cache.misses
    with counting_queries() as counted:
        pages = await asyncio.gather(*(client.get("/programme") for _ in range(20)))
    assert {p.status_code for p in pages} == {200}
    assert len({p.text for p in pages}) == 1
    assert cache.misses == misses + 1
    assert counted.count <= 4


async def test_cached_pages_follow_the_clock_without_a_write(
    demo_database_url: str, tmp_path: Path
) -> None:
    """No commit reports that a talk's time has come: home, programme and the session page
    carry the next start/end as their freshness limit, and the first anonymous request
    after it gets the new state (a real clock on a demo day, a talk 6-7 s from now: room
    for the first renders on a loaded machine)."""
    from datetime import timedelta

    from sessions.models import ProgrammeSession

    settings = make_settings(demo_database_url, tmp_path, today="2026-11-30")
    async for app in running_app(settings):
        async with app_services(app).db.session() as db:
            starting, ending = (
                await db.scalars(
                    select(ProgrammeSession)
                    .where(ProgrammeSession.cancelled.is_(False))
                    .order_by(ProgrammeSession.starts_at)
                    .limit(2)
                )
            ).all()
            now = settings.now()
            # one talk starts in 6 s (leaves "Als Nächstes"), one ends in 7 s
            starting.starts_at, starting.title = now + timedelta(seconds=6), "Gleich los"
            ending.starts_at, ending.duration_minutes = now - timedelta(seconds=53), 1
            await db.commit()
            talk_id, boundary = ending.id, ending.ends_at
        async with make_client(app) as client:

            def state_in(html: str, talk_id: int = talk_id) -> str | None:
                item = html.split(f'data-session-id="{talk_id}"', 1)
                if len(item) < 2:
                    return None
                found = re.search(r'data-session-state="(\w+)"', item[1].split("</li>", 1)[0])
                return found.group(1) if found else "scheduled"

            home = (await client.get("/")).text
            programme = (await client.get("/programme")).text
            page = (await client.get(f"/sessions/{talk_id}")).text
            assert "Gleich los" in home.split('id="next"', 1)[1]  # "Als Nächstes"
            assert state_in(programme) == "scheduled"
            ended_note = re.compile(r"data-session-ended[\s>]")  # not the announcer region
            assert not ended_note.search(page) and "data-live-join" in page
            hits = cache_of(app).hits
            assert (await client.get("/programme")).text == programme  # from memory
            assert cache_of(app).hits == hits + 1
            await asyncio.sleep(max(0.0, (boundary - settings.now()).total_seconds()) + 0.3)
            home = (await client.get("/")).text
            assert "Gleich los" not in home.split('id="next"', 1)[1]
            assert state_in((await client.get("/programme")).text) == "ended"
            page = (await client.get(f"/sessions/{talk_id}")).text
            assert ended_note.search(page) and "data-live-join" not in page
