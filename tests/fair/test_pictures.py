"""Booth logos and covers: resized server-side into WebP plus a fallback, shown with
srcset and fixed dimensions; what is no picture, or too large to decode, is refused by
name and changes nothing."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import lxml.html
import pytest
import pytest_asyncio
from PIL import Image
from starlette.applications import Starlette

from fair.images import LOGO, ImageRefused, make_variants
from tests.support.app import login
from tests.support.booth_helpers import (
    KRZ,
    OWN,
    app_with,
    booth_state,
    client_of,
    error_text,
    stored_files,
    upload,
)
from tests.support.pictures import picture_bytes, png_bomb


@pytest_asyncio.fixture
async def picture_app(
    storage_overrides: dict[str, object], demo_database_url: str, tmp_path: Path
) -> AsyncIterator[Starlette]:
    overrides = {"max_upload_bytes": 5_000_000, **storage_overrides}
    async with app_with(demo_database_url, tmp_path, **overrides) as app:
        yield app


async def _upload(client: httpx.AsyncClient, kind: str, data: bytes, name: str, ctype: str):  # type: ignore[no-untyped-def]
    return await upload(client, f"/booths/{OWN}/{kind}", data, filename=name, content_type=ctype)


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_logo_and_cover_resized_and_shown(picture_app: Starlette) -> None:
    async with client_of(picture_app) as client:
        await login(client, KRZ)
        logo = await _upload(client, "logo", picture_bytes((800, 400)), "logo.png", "image/png")
        assert logo.status_code == 303, error_text(logo)
        cover = await _upload(
            client, "cover", picture_bytes((2400, 1000), "JPEG", "RGB"), "c.jpg", "image/jpeg"
        )
        assert cover.status_code == 303, error_text(cover)

        hall = lxml.html.fromstring((await client.get("/booths")).text)
        card = hall.xpath(f"//li[.//a[@href='/booths/{OWN}']]")[0]
        img = card.xpath(".//picture//img")[0]
        assert (img.get("width"), img.get("height")) == ("120", "60")
        webp = card.xpath(".//picture//source[@type='image/webp']")[0].get("srcset")
        assert [w for w in re.findall(r" (\d+)w", webp)] == ["96", "192", "384"]
        assert img.get("src").endswith("/96.png") and "Logo von" in img.get("alt")

        page = lxml.html.fromstring((await client.get(f"/booths/{OWN}")).text)
        header = page.xpath("//img[contains(@class, 'booth-cover')]")[0]
        assert (header.get("width"), header.get("height")) == ("1920", "480")
        srcset = page.xpath("//picture[.//img[contains(@class,'booth-cover')]]//source")[0]
        assert re.findall(r" (\d+)w", srcset.get("srcset")) == ["640", "1280", "1920"]

        for url in re.findall(
            r"(/booths/\S+?\.(?:webp|jpeg|png))", srcset.get("srcset") + " " + webp
        ):
            response = await client.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"].endswith("immutable")
            picture = Image.open(io.BytesIO(response.content))
            assert picture.format == (
                "WEBP" if url.endswith(".webp") else url.rsplit(".", 1)[1].upper()
            )
            width = int(url.rsplit("/", 1)[1].split(".")[0])
            assert picture.width == width
        cover_url = srcset.get("srcset").split(" ", 1)[0]
        wrong_version = cover_url.replace("/images/cover/", "/images/cover/x")
        assert (await client.get(wrong_version)).status_code == 404

        # A new cover replaces the old files: nothing is left behind.
        before = stored_files(picture_app)
        again = await _upload(
            client, "cover", picture_bytes((1300, 500), "PNG", "RGB"), "c2.png", "image/png"
        )
        assert again.status_code == 303
        after = stored_files(picture_app)
        covers = [k for k in after if "/cover/" in k]
        assert len(covers) == 4 and not set(covers) & set(before)  # 640 + 1280, two formats
        assert (await client.get(cover_url)).status_code == 404


async def test_bad_pictures_are_refused_and_change_nothing(picture_app: Starlette) -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    broken = picture_bytes((300, 300))[:200]  # a PNG header, then nothing decodable
    cases = [
        ("text", b"Dies ist kein Bild." * 10, "logo.png", 415, "Dateityp"),
        ("svg as png", svg, "logo.png", 415, "SVG"),
        ("truncated png", broken, "logo.png", 415, "kein lesbares Bild"),
        ("100 megapixels", png_bomb(10_000, 10_000), "bomb.png", 413, "100 Megapixel"),
    ]
    async with client_of(picture_app) as client:
        await login(client, KRZ)
        before = (await booth_state(picture_app, OWN), stored_files(picture_app))
        for kind in ("logo", "cover"):
            for name, data, filename, status, message in cases:
                response = await _upload(client, kind, data, filename, "image/png")
                assert response.status_code == status, (kind, name, error_text(response))
                assert message in error_text(response), (kind, name, error_text(response))
        assert (await booth_state(picture_app, OWN), stored_files(picture_app)) == before
        assert "<picture>" not in (await client.get(f"/booths/{OWN}")).text


def test_variants_drop_everything_but_pixels() -> None:
    with pytest.raises(ImageRefused) as refused:
        make_variants(png_bomb(20_000, 10_000), LOGO)
    assert refused.value.status == 413 and "200 Megapixel" in str(refused.value)
    small = make_variants(picture_bytes((40, 20)), LOGO)  # smaller than every width
    assert [(v.width, v.height, v.fmt) for v in small] == [(96, 48, "webp"), (96, 48, "png")]
