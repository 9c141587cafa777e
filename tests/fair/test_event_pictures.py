"""The event's logo and favicon (fair.branding_pictures) and the host regions' marks per
day (sessions.host_marks): uploaded by organisers through the Pillow pipeline, shown in
the header, every page's <head>, the programme and the home page; refused pictures name
the reason and change nothing; the demo fair draws its own, deterministically."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import lxml.html
from PIL import Image
from sqlalchemy import select

from fair.app import demo_seeders
from fair.app_services import app_services
from fair.db import Database
from fair.demo_pictures import demo_event_logo, demo_favicon, demo_host_mark
from fair.models import EventDay, EventSeries
from tests.support.app import DEMO_PASSWORD, login
from tests.support.booth_helpers import app_with, client_of, error_text, stored_files, upload
from tests.support.pictures import picture_bytes, png_bomb

ORGANISER = "orga@example.org"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
BAD = [
    ("text", b"Dies ist kein Bild." * 10, 415, "Dateityp"),
    ("svg as png", SVG, 415, "SVG"),
    ("truncated png", picture_bytes((300, 300))[:200], 415, "kein lesbares Bild"),
    ("100 megapixels", png_bomb(10_000, 10_000), 413, "100 Megapixel"),
]


async def _send(client: httpx.AsyncClient, path: str, data: bytes) -> httpx.Response:
    return await upload(client, path, data, filename="bild.png", content_type="image/png")


async def _fetch_image(client: httpx.AsyncClient, url: str) -> Image.Image:
    response = await client.get(url)
    assert response.status_code == 200, url
    assert response.headers["cache-control"].endswith("immutable")
    return Image.open(io.BytesIO(response.content))


async def test_event_logo_and_favicon(demo_database_url: str, tmp_path: Path) -> None:
    async with app_with(demo_database_url, tmp_path) as app, client_of(app) as client:
        home = lxml.html.fromstring((await client.get("/")).text)
        icon = home.xpath("//link[@rel='icon']")[0]
        assert icon.get("type") == "image/svg+xml"  # the default until one is uploaded
        assert (await client.get(icon.get("href"))).status_code == 200
        assert not home.xpath("//a[@class='brand']//img")

        await login(client, ORGANISER)
        for kind in ("event-logo", "favicon"):
            before = stored_files(app)
            for name, data, status, message in BAD:
                response = await _send(client, f"/organiser/branding/{kind}", data)
                assert response.status_code == status, (kind, name, error_text(response))
                assert message in error_text(response), (kind, name)
            assert stored_files(app) == before  # nothing half-written
        assert app_services(app).branding.current.logo is None

        logo = await _send(client, "/organiser/branding/event-logo", picture_bytes((900, 300)))
        assert logo.status_code == 303, error_text(logo)
        icon_upload = await _send(client, "/organiser/branding/favicon", picture_bytes((400, 300)))
        assert icon_upload.status_code == 303, error_text(icon_upload)

        for path in ("/", "/booths", "/programme", "/impressum"):
            page = lxml.html.fromstring((await client.get(path)).text)
            img = page.xpath("//a[@class='brand']//img")[0]
            assert img.get("alt") == app_services(app).branding.current.name
            assert (img.get("width"), img.get("height")) == ("120", "40")
            icons = page.xpath("//link[@rel='icon']")
            assert [(i.get("type"), i.get("sizes")) for i in icons] == [("image/png", "32x32")]
        favicon = await _fetch_image(client, icons[0].get("href"))
        assert (favicon.format, favicon.size) == ("PNG", (32, 32))
        touch = page.xpath("//link[@rel='apple-touch-icon']")[0].get("href")
        assert (await _fetch_image(client, touch)).size == (180, 180)
        srcset = page.xpath("//a[@class='brand']//source[@type='image/webp']")[0].get("srcset")
        assert re.findall(r" (\d+)w", srcset) == ["120", "240", "480"]
        for url in re.findall(r"(/branding/\S+?\.webp)", srcset):
            assert (await _fetch_image(client, url)).format == "WEBP"

        # A second upload replaces the first: its files go, the old URLs are 404.
        old_files = stored_files(app)
        assert await _send(client, "/organiser/branding/favicon", picture_bytes((64, 64)))
        assert (await client.get(icons[0].get("href"))).status_code == 404
        assert len(stored_files(app)) <= len(old_files)

        anonymous = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        async with anonymous:
            refused = await _send(anonymous, "/organiser/branding/favicon", picture_bytes((64, 64)))
            assert refused.status_code in (401, 403)


async def test_host_mark_per_day(demo_database_url: str, tmp_path: Path) -> None:
    async with app_with(demo_database_url, tmp_path) as app, client_of(app) as client:
        async with app_services(app).db.session() as db:
            day = (await db.scalars(select(EventDay).order_by(EventDay.date))).first()
            assert day is not None
            day_id, host_id = day.id, day.host_id
        await login(client, ORGANISER)
        before = stored_files(app)
        for name, data, status, message in BAD:
            response = await _send(client, f"/organiser/days/{day_id}/mark", data)
            assert response.status_code == status, (name, error_text(response))
            assert message in error_text(response), name
        assert stored_files(app) == before
        missing = await _send(client, "/organiser/days/999999/mark", picture_bytes((96, 96)))
        assert missing.status_code == 404

        saved = await _send(client, f"/organiser/days/{day_id}/mark", picture_bytes((300, 300)))
        assert saved.status_code == 303, error_text(saved)

        for path in (f"/programme?day={day_id}", "/"):
            page = lxml.html.fromstring((await client.get(path)).text)
            marks = page.xpath("//img[@class='host-mark']")
            assert len(marks) == 1, path
            line = marks[0].xpath("ancestor::p[1]")[0].text_content()
            assert "Gastgeber:" in line
            assert (marks[0].get("width"), marks[0].get("height")) == ("40", "40")
            assert (await _fetch_image(client, marks[0].get("src"))).format == "PNG"
        assert host_id


async def test_demo_fair_draws_logo_favicon_and_host_marks(tmp_path: Path) -> None:
    assert demo_event_logo("DSK26") == demo_event_logo("DSK26")
    assert demo_favicon("DSK26") == demo_favicon("DSK26")
    assert demo_host_mark("Soest", "Soest") == demo_host_mark("Soest", "Soest")
    assert demo_host_mark("Soest", "Soest") != demo_host_mark("Aachen", "Aachen")

    from fair.migrate import upgrade_database
    from fair.seed import seed_demo_fair
    from fair.storage.local import LocalStorage

    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    try:
        await upgrade_database(database)
        storage = LocalStorage(tmp_path / "storage")
        await seed_demo_fair(
            database, password=DEMO_PASSWORD, storage=storage, seeders=demo_seeders()
        )
        async with database.session() as db:
            series = await db.scalar(select(EventSeries))
            days = list(await db.scalars(select(EventDay)))
        assert series is not None and series.brand_name == "DSK26"
        assert series.brand_logo and series.brand_favicon
        assert len(days) == 5 and all(d.mark() for d in days)
    finally:
        await database.dispose()
