"""Full-text search of the hall on both backends (SQLite FTS5 with Snowball German from
PyStemmer, PostgreSQL with the 'german' configuration), kept up to date by every booth change."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from booths.models import Booth
from booths.search import SearchService
from fair.app_services import app_services
from fair.search import german_stem, query_terms, stem_text
from tests.support.app import csrf_of, login
from tests.support.booth_helpers import KRZ, ORGANISER, OTHER, OWN, booth_ids


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("Schulanmeldung", "Schulanmeldungen", "SCHULANMELDUNG"), True),
        (("Kommune", "Kommunen"), True),
        (("Bürgerservice", "Buergerservice", "Bürgerservices"), False),
        (("Verwaltungsportal", "Verwaltungsportale", "Verwaltungsportalen"), True),
        (("Schüler", "Schülers", "Schuler"), True),
        (("Straße", "Strasse"), True),
    ],
)
def test_german_stem(words: tuple[str, ...], same: bool) -> None:
    stems = {german_stem(w) for w in words}
    if same:
        assert len(stems) == 1, stems
    else:
        assert german_stem(words[0]) == german_stem(words[2])


def test_query_terms_drop_query_syntax() -> None:
    assert query_terms('"Schul*" OR title:NEAR(a b) -x & y:* \'') == [
        "Schul",
        "OR",
        "title",
        "NEAR",
        "a",
        "b",
        "x",
        "y",
    ]
    assert query_terms("  ") == []
    assert stem_text("Die Schulanmeldungen, online!") == "schulanmeld onlin"


def _hits(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text[:300]
    grid = page.text.split('class="grid booth-list"', 1)[1]
    return re.findall(r'<h2><a href="/booths/([^"]+)">', grid)


async def test_german_stemming_finds_inflected_forms(client: httpx.AsyncClient) -> None:
    queries = ("Schulanmeldung", "Schulanmeldungen", "schulanmeldung online", "Schulanm")
    for query in (*queries, "die Schulanmeldungen für alle Schulformen"):
        assert OWN in _hits(await client.get("/booths", params={"q": query})), query
    # Material titles and contact persons are part of the document.
    assert OTHER in _hits(await client.get("/booths", params={"q": "Datenblatt Schnittstellen"}))
    assert _hits(await client.get("/booths", params={"q": "Esra Rüther"})) == [OTHER]
    assert _hits(await client.get("/booths", params={"q": "Zzyzxwv"})) == []


async def test_search_combines_with_filters_and_survives_odd_input(
    client: httpx.AsyncClient,
) -> None:
    assert OWN in _hits(await client.get("/booths", params={"q": "Schüler", "topic": "bildung"}))
    assert (
        _hits(await client.get("/booths", params={"q": "Schulanmeldung", "topic": "sicherheit"}))
        == []
    )
    for odd in ('"', "*", "NEAR(", "a:* & | !", "'); DROP TABLE booths; --", "ü" * 500, "_"):
        response = await client.get("/booths", params={"q": odd})
        assert response.status_code == 200, odd
    assert len(_hits(await client.get("/booths"))) >= 70


async def test_index_follows_booth_material_and_contact_changes(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    token = await csrf_of(client, f"/booths/{OWN}/edit")

    async def found(query: str) -> bool:
        return OWN in _hits(await client.get("/booths", params={"q": query}))

    assert not await found("Fahrradständer")
    assert await found("Schulpflichtüberwachung")
    await client.post(
        f"/booths/{OWN}/edit",
        data={"csrf_token": token, "name": "Schüler Online", "description": "Neue Fahrradständer"},
    )
    assert await found("Fahrradständern")
    assert not await found("Schulpflichtüberwachung")  # the old description is gone

    async def to_booth(path: str, **data: str) -> None:
        await client.post(f"/booths/{OWN}{path}", data={"csrf_token": token, **data})

    await to_booth("/contacts", name="Quirin Quastenflosser", role="Leitung")
    assert await found("Quastenflosser")
    _, _, contacts = await booth_ids(demo_app, OWN)
    await to_booth(f"/contacts/{contacts[-1]}/delete")
    assert not await found("Quastenflosser")

    await to_booth("/links", title="Wimmelbild", url="https://example.org/w")
    assert await found("Wimmelbilder")
    _, materials, _ = await booth_ids(demo_app, OWN)
    await to_booth(f"/materials/{materials[-1]}/delete")
    assert not await found("Wimmelbild")

    await login(client, ORGANISER)
    token = await csrf_of(client, "/organiser/booths")
    async with app_services(demo_app).db.session() as db:
        org = await db.scalar(select(Booth.organisation_id).where(Booth.slug == OTHER))
    await client.post(
        "/organiser/booths",
        data={
            "csrf_token": token,
            "slug": "neu-stand",
            "name": "Zebrastreifen",
            "organisation": org,
        },
    )
    assert _hits(await client.get("/booths", params={"q": "Zebrastreifens"})) == ["neu-stand"]


async def test_index_is_rebuilt_when_out_of_step(demo_app: Starlette) -> None:
    async with app_services(demo_app).db.session() as db:
        service = SearchService.for_db(db)
        assert not await service.ensure_index(db)  # filled at start-up
        count = await service.backend.count(db)
        assert count >= 70
        await service.backend.remove(db, [1, 2, 3])
        assert await service.ensure_index(db)
        assert await service.backend.count(db) == count
        ranked = await service.search(db, "Schulanmeldung")
        assert ranked and len(set(ranked)) == len(ranked)
