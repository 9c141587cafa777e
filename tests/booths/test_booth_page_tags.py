"""A booth's change re-renders the pages showing that booth, not every page of the fair.

Found by the busiest-hour benchmark (bench/busiest_hour.py): every booth edit and upload
published ``"*"`` and emptied the whole page cache about 3.6 times a second. Now a booth,
its materials, contacts and search row publish ``booths:<id>`` (``fair.changes``); the
hall, search and API lists carry ``booths:*``, a page showing booths declares them, a page
showing none says so, and a page that declares nothing is still dropped by every booth
change. Real app, real HTTP, SQLite and PostgreSQL.
"""

from __future__ import annotations

import httpx
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from booths.models import Booth
from fair.app_services import app_services
from fair.changes import published_tags
from fair.pagecache import cached_page
from sessions.models import ProgrammeSession, session_booths
from tests.support.app import login, make_client
from tests.support.booth_helpers import KRZ, OTHER, OWN, PDF, edit_booth, upload
from tests.support.page_cache import cache_of


def _cached(app: Starlette, url: str) -> bool:
    path, _, query = url.partition("?")
    return cache_of(app).get((path, query, "de")) is not None


async def _sessions_with_and_without(app: Starlette, slug: str) -> tuple[int, int]:
    """A talk linked to booth ``slug``, and one linked to no booth."""
    async with app_services(app).db.session() as db:
        booth_id = await db.scalar(select(Booth.id).where(Booth.slug == slug))
        links = (await db.execute(select(session_booths))).all()
        linked = sorted(s for s, b in links if b == booth_id)
        with_booths = {s for s, _ in links}
        plain = await db.scalars(
            select(ProgrammeSession.id)
            .where(ProgrammeSession.id.not_in(with_booths))
            .order_by(ProgrammeSession.id)
        )
        return linked[0], plain.first() or 0


async def test_a_booth_edit_rerenders_its_pages_and_the_lists_only(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    with_booth, without = await _sessions_with_and_without(demo_app, OWN)
    dropped = [
        f"/booths/{OWN}",
        "/booths",
        "/search?q=Schranktresor",
        "/api/booths",
        f"/api/booths/{OWN}",
        f"/sessions/{with_booth}",
    ]
    kept = [f"/booths/{OTHER}", "/programme", "/", f"/sessions/{without}", "/api/sessions"]
    for url in dropped + kept:
        assert (await client.get(url)).status_code == 200, url
        assert _cached(demo_app, url), url
    async with make_client(demo_app) as exhibitor:
        await login(exhibitor, KRZ)
        edited = await edit_booth(exhibitor, name="Schranktresor Online", tagline="neu")
        assert edited.status_code == 303, edited.text
    assert [url for url in dropped if _cached(demo_app, url)] == []
    assert [url for url in kept if not _cached(demo_app, url)] == []
    for url in (f"/booths/{OWN}", "/booths", "/search?q=Schranktresor", f"/sessions/{with_booth}"):
        assert "Schranktresor Online" in (await client.get(url)).text, url
    hits = cache_of(demo_app).hits
    for url in kept:
        assert "Schranktresor Online" not in (await client.get(url)).text
    assert cache_of(demo_app).hits == hits + len(kept)  # from memory, no render


async def test_a_new_material_shows_at_once_on_its_booth_page(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    for url in (f"/booths/{OWN}", f"/booths/{OTHER}", "/programme"):
        await client.get(url)
    async with make_client(demo_app) as exhibitor:
        await login(exhibitor, KRZ)
        sent = await upload(exhibitor, f"/booths/{OWN}/materials", PDF, title="Preisliste Tresor")
        assert sent.status_code == 303, sent.text
    assert "Preisliste Tresor" in (await client.get(f"/booths/{OWN}")).text
    assert _cached(demo_app, f"/booths/{OTHER}") and _cached(demo_app, "/programme")


async def test_a_page_that_declares_nothing_is_dropped_by_any_booth_change(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    """The safe default: a new cached page that forgot to declare its booths still
    shows every booth change at once."""
    renders: list[int] = []

    @cached_page()
    async def undeclared(_request: Request) -> Response:
        renders.append(1)
        return PlainTextResponse(f"render {len(renders)}")

    demo_app.router.routes.append(Route("/undeclared-page", undeclared))
    assert (await client.get("/undeclared-page")).text == "render 1"
    assert (await client.get("/undeclared-page")).text == "render 1"  # cached
    async with app_services(demo_app).db.session() as db:
        booth = await db.scalar(select(Booth).where(Booth.slug == OTHER))
        assert booth is not None
        booth.tagline = "irgendeine Änderung"
        await db.commit()
    assert (await client.get("/undeclared-page")).text == "render 2"
    assert (await client.get("/impressum")).status_code == 200
    # A statement naming no row (publishing every draft) reaches every page with a booth
    # tag, those showing none too (a draft linked to a talk may appear); not the legal pages.
    async with app_services(demo_app).db.session() as db:
        await db.execute(update(Booth).where(Booth.slug == OTHER).values(tagline="wieder"))
        await db.commit()
    assert (await client.get("/undeclared-page")).text == "render 3"
    assert _cached(demo_app, "/impressum")


def test_a_row_tag_publishes_its_scope_list_tag() -> None:
    assert published_tags("booths:7") == {"booths:7", "booths:*"}
    assert published_tags("chat_messages:booth:x") == {"chat_messages:booth:x"}
    assert published_tags("*") == {"*"}
