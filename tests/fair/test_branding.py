"""The event's name and accent colour: set by organisers, refused below WCAG AA with the
measured ratio, shown on every page through a stylesheet (no inline CSS), and axe-core
still finds no violation with a custom colour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pytest
from starlette.applications import Starlette

from fair.branding import check_accent, contrast_ratio
from fair.errors import HTTPError
from tests.support.app import DEMO_PASSWORD, TemplateDatabases, csrf_of, login
from tests.support.app_server import start_app_server
from tests.support.axe import AXE, axe_violations
from tests.support.form_errors import error_at


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert check_accent(" #7A1F5C ") == "#7a1f5c"
    assert check_accent("rgb(0, 80, 0)") == "#005000"
    with pytest.raises(HTTPError) as refused:
        check_accent("#777777")  # 4.48 : 1 against white: just below AA
    assert "4,48 : 1" in refused.value.message and refused.value.field == "accent"


async def _save(client: httpx.AsyncClient, name: str, accent: str) -> httpx.Response:
    token = await csrf_of(client, "/organiser/branding")
    return await client.post(
        "/organiser/branding", data={"csrf_token": token, "name": name, "accent": accent}
    )


async def test_organiser_sets_name_and_colour(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    assert (await client.get("/organiser/branding")).status_code == 401
    await login(client, "aussteller.krz@example.org")
    assert (await client.get("/organiser/branding")).status_code == 403
    await login(client, "orga@example.org")
    saved = await _save(client, "Digitale Services", "#7a1f5c")
    assert saved.status_code == 303
    page = lxml.html.fromstring((await client.get("/booths")).text)
    assert page.findtext(".//a[@class='brand']") == "Digitale Services"
    assert page.findtext(".//title").endswith("· Digitale Services")
    sheet = page.xpath("//link[starts-with(@href, '/branding.css')]/@href")[0]
    css = await client.get(sheet)
    assert css.headers["content-type"].startswith("text/css")
    assert "--accent: #7a1f5c" in css.text
    assert css.headers["cache-control"].endswith("immutable")

    for accent, message in (
        ("yellow", "Kontrast von #ffff00 zu Weiß (#ffffff) ist 1,07 : 1"),
        ("#0b5cad; } body { display:none", "ist keine Farbe"),
        ("kein-farbwert", "„kein-farbwert“ ist keine Farbe"),
        ("#1a8cff", "zu Weiß (#ffffff) ist 3,37 : 1; WCAG AA verlangt mindestens 4,5 : 1"),
    ):
        refused = await _save(client, "Kaputt", accent)
        assert refused.status_code == 400, accent
        assert message in error_at(refused, "brand-accent"), (accent, refused.text)
        assert 'value="Kaputt"' in refused.text  # the name typed stays
    # Nothing half-saved: neither the name nor the colour changed.
    page = lxml.html.fromstring((await client.get("/booths")).text)
    assert page.findtext(".//a[@class='brand']") == "Digitale Services"
    assert "#7a1f5c" in (await client.get("/branding.css")).text


@pytest.mark.browser
async def test_pages_pass_axe_with_a_custom_accent(
    browser: Any, template_databases: TemplateDatabases, tmp_path: Path
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    server = start_app_server(tmp_path, await template_databases.sqlite(seeded=True))
    problems: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            await login(client, "orga@example.org", DEMO_PASSWORD)
            assert (await _save(client, "Kommunal digital", "#006570")).status_code == 303
        context = await browser.new_context(bypass_csp=True)
        page = await context.new_page()
        for path in ("/", "/booths", "/booths/owl-schueler-online", "/programme", "/impressum"):
            await page.goto(f"{server.base_url}{path}")
            accent = await page.evaluate(
                "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
            )
            assert accent == "#006570", path
            violations = await axe_violations(page)
            if violations:
                problems[path] = violations
        await page.screenshot(path=str(tmp_path / "accent.png"))
        await context.close()
    finally:
        server.stop()
    assert problems == {}
