"""Pages for logged-in visitors from memory, each visitor's page under their own key.

Real app, real database (SQLite and PostgreSQL): two exhibitors of different booths and
an organiser never receive each other's name, token or drafts, and an edit is visible to
the next logged-in request.
"""

from __future__ import annotations

import httpx
from sqlalchemy import update
from starlette.applications import Starlette

from booths.models import Booth
from fair.app_services import app_services
from fair.pagecache import TOKEN_PLACEHOLDER, CachedPage, PageCache
from fair.querycount import counting_queries
from tests.support.app import csrf_of, login, make_client
from tests.support.booth_helpers import KRZ, ORGANISER, OWN
from tests.support.page_cache import cache_of, token_in

GELSENKIRCHEN = "aussteller.gelsenkirchen@example.org"
NAMES = {
    KRZ: "Messeteam krz",
    GELSENKIRCHEN: "Messeteam Gelsenkirchen",
    ORGANISER: "Organisationsteam DSK26",
}
PAGES = ("/", "/programme", "/booths", f"/booths/{OWN}", "/agenda")


async def _hide_booth(app: Starlette, slug: str) -> None:
    """Make a booth a draft, through an ORM session so the commit reports it."""
    async with app_services(app).db.session() as db:
        await db.execute(update(Booth).where(Booth.slug == slug).values(published=False))
        await db.commit()


async def test_logged_in_pages_from_memory_never_shared(demo_app: Starlette) -> None:
    await _hide_booth(demo_app, OWN)  # krz's booth, now a draft: krz and organisers see it
    clients = {email: make_client(demo_app) for email in NAMES}
    try:
        for email, client in clients.items():
            await login(client, email)
        tokens = {email: await csrf_of(client, "/") for email, client in clients.items()}
        cache = cache_of(demo_app)
        for path in PAGES:
            pages: dict[str, httpx.Response] = {}
            for email, client in clients.items():
                await client.get(path)  # the first request renders and keeps the page
                hits = cache.hits
                with counting_queries() as counted:
                    pages[email] = await client.get(path)
                hidden = path == f"/booths/{OWN}" and email == GELSENKIRCHEN
                assert pages[email].status_code == (404 if hidden else 200)
                if not hidden:  # an error page is never kept
                    assert cache.hits == hits + 1, f"{path} for {email}: not from memory"
                    # The user, and for krz on its own booth the chat-read mark.
                    allowed = 2 if path == f"/booths/{OWN}" and email == KRZ else 1
                    assert counted.count <= allowed, f"{path}: {counted.count} queries on a hit"
                    assert pages[email].headers["cache-control"] == "private, no-store"
            for email, response in pages.items():
                text = response.text
                assert TOKEN_PLACEHOLDER not in text
                if response.status_code == 200:
                    assert NAMES[email] in text, f"{path}: {email} does not see their name"
                if 'name="csrf-token"' in text:
                    assert token_in(text) == tokens[email]
                for other, name in NAMES.items():
                    if other != email:
                        assert name not in text, f"{path}: {email} got {other}'s name"
                        assert tokens[other] not in text, f"{path}: {email} got {other}'s token"
            etags = {r.headers.get("etag") for r in pages.values()}
            assert len(etags) == len(pages), f"{path}: two visitors share a page"
        # Drafts: krz's draft booth is in krz's and the organiser's hall, not in the others'.
        halls = {email: (await client.get("/booths")).text for email, client in clients.items()}
        assert f"/booths/{OWN}" in halls[KRZ] and f"/booths/{OWN}" in halls[ORGANISER]
        assert f"/booths/{OWN}" not in halls[GELSENKIRCHEN]
        # Anonymous visitors keep getting the public page, without anyone's bits.
        async with make_client(demo_app) as anonymous:
            hall = await anonymous.get("/booths")
            assert hall.headers["cache-control"].startswith("public")
            assert f"/booths/{OWN}" not in hall.text and "Abmelden" not in hall.text
            for email in NAMES:
                assert NAMES[email] not in hall.text and tokens[email] not in hall.text
        # Memory holds no token of anyone.
        for page in cache._pages.values():
            for token in tokens.values():
                assert token.encode() not in page.body
    finally:
        for client in clients.values():
            await client.aclose()


async def test_edit_visible_to_the_next_logged_in_request(demo_app: Starlette) -> None:
    async with make_client(demo_app) as exhibitor, make_client(demo_app) as organiser:
        await login(exhibitor, KRZ)
        await login(organiser, ORGANISER)
        for client in (exhibitor, organiser):
            for path in (f"/booths/{OWN}", "/booths"):
                await client.get(path)
                assert "Neuer Standname" not in (await client.get(path)).text
        token = await csrf_of(exhibitor, f"/booths/{OWN}/edit")
        edited = await exhibitor.post(
            f"/booths/{OWN}/edit",
            data={"name": "Neuer Standname", "tagline": "frisch", "csrf_token": token},
        )
        assert edited.status_code == 303, edited.text
        for client in (exhibitor, organiser):
            for path in (f"/booths/{OWN}", "/booths"):
                assert "Neuer Standname" in (await client.get(path)).text


async def test_a_new_name_is_a_new_page_and_logout_leaves_nothing(demo_app: Starlette) -> None:
    async with make_client(demo_app) as member:
        await login(member, KRZ)
        first = await member.get("/programme")
        assert NAMES[KRZ] in first.text
        async with app_services(demo_app).db.session() as db:
            from fair.models import User

            await db.execute(update(User).where(User.email == KRZ).values(name="Team Umbenannt"))
            await db.commit()
        renamed = await member.get("/programme")
        assert "Team Umbenannt" in renamed.text and NAMES[KRZ] not in renamed.text
        token = await csrf_of(member, "/")
        assert (await member.post("/logout", data={"csrf_token": token})).status_code in (
            302,
            303,
        )
        after = await member.get("/programme")
        assert "Abmelden" not in after.text and "Team Umbenannt" not in after.text
        assert after.headers["cache-control"].startswith("public")


def _page(size: int) -> CachedPage:
    return CachedPage(
        status=200,
        headers=[],
        body=b"x" * (size - 512),
        gzipped=None,
        digest="d",
        last_modified=0.0,
        tags=frozenset({"*"}),
        has_token=True,
    )


def test_logged_in_pages_fill_at_most_half_the_memory() -> None:
    cache = PageCache(max_bytes=40_000)
    for i in range(4):
        assert cache.put((f"/page{i}", "", "de"), _page(4_000), cache.version)
    for i in range(30):  # thirty visitors' pages, 120 kB: far more than the half
        assert cache.put(("/programme", "", "de", f"user:{i}"), _page(4_000), cache.version)
    visitor_bytes = sum(p.size for k, p in cache._pages.items() if len(k) > 3)
    assert visitor_bytes <= 20_000 and cache.bytes <= 40_000
    # The anonymous pages every visitor shares are all still there; the newest visitor too.
    assert all(cache.get((f"/page{i}", "", "de")) for i in range(4))
    assert cache.get(("/programme", "", "de", "user:29")) is not None
    assert cache.get(("/programme", "", "de", "user:0")) is None


async def test_team_members_own_booth_from_memory_still_marks_the_chat_read(
    demo_app: Starlette,
) -> None:
    from sqlalchemy import select

    from booths.models import BoothChatSeen

    async def seen_at() -> object:
        async with app_services(demo_app).db.session() as db:
            return await db.scalar(
                select(BoothChatSeen.seen_at)
                .join(Booth, Booth.id == BoothChatSeen.booth_id)
                .where(Booth.slug == OWN)
            )

    async with make_client(demo_app) as member:
        await login(member, KRZ)
        await member.get(f"/booths/{OWN}")
        first = await seen_at()
        assert first is not None
        hits = cache_of(demo_app).hits
        assert (await member.get(f"/booths/{OWN}")).status_code == 200
        assert cache_of(demo_app).hits == hits + 1  # from memory: the mark did not drop it
        second = await seen_at()
        assert second is not None and second > first  # type: ignore[operator]
