"""Static files under content-hashed URLs with a year-long immutable cache; gzip for
HTML, CSS, JS and JSON but never for downloads, ranges or media."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from fair.seed import tiny_pdf
from fair.settings import PROJECT_ROOT
from tests.support.app import login
from tests.support.booth_helpers import KRZ, OWN, upload

GZIP = {"Accept-Encoding": "gzip"}


async def test_hashed_urls_are_immutable_for_a_year(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    css = re.search(r'href="(/static/([0-9a-f]{12})/css/fair\.css)"', page.text)
    assert css, "the stylesheet has no content-hashed URL"
    response = await client.get(css.group(1), headers=GZIP)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == (PROJECT_ROOT / "static/css/fair.css").read_text()
    # A module's relative import resolves under the same hash.
    webrtc = await client.get(f"/static/{css.group(2)}/js/webrtc.js")
    assert webrtc.status_code == 200 and webrtc.headers["cache-control"].endswith("immutable")
    # An old hash (a page from before a deploy) or none: the current file, revalidated.
    old = await client.get("/static/000000000000/css/fair.css")
    plain = await client.get("/static/css/fair.css")
    for response in (old, plain):
        assert (
            response.status_code == 200 and response.headers["cache-control"] == "public, no-cache"
        )
    again = await client.get(
        "/static/css/fair.css", headers={"If-None-Match": plain.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await client.get(f"/static/{css.group(2)}/../settings.py")).status_code == 404


async def test_pages_json_and_scripts_are_compressed(client: httpx.AsyncClient) -> None:
    for url in ("/programme", "/api/sessions", "/schedule.json"):
        packed = await client.get(url, headers=GZIP)
        assert packed.status_code == 200
        assert packed.headers.get("content-encoding") == "gzip", url
    plain = await client.get("/api/sessions", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_downloads_and_ranges_are_not_compressed(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    pdf = tiny_pdf("Komprimierbar " * 2000)
    assert (await upload(client, f"/booths/{OWN}/materials", pdf, title="Gross")).status_code == 303
    page = (await client.get(f"/booths/{OWN}")).text
    link = re.search(rf'href="(/booths/{OWN}/materials/\d+/download)"[^>]*>Gross', page)
    assert link
    whole = await client.get(link.group(1), headers=GZIP)
    assert whole.status_code == 200 and "content-encoding" not in whole.headers
    assert whole.content == pdf and int(whole.headers["content-length"]) == len(pdf)
    part = await client.get(link.group(1), headers={**GZIP, "Range": "bytes=10-99"})
    assert part.status_code == 206 and "content-encoding" not in part.headers
    assert part.content == pdf[10:100]
