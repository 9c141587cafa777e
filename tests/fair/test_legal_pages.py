"""Impressum, privacy and accessibility statement: shown to everyone in both languages,
edited by organisers in Markdown, script refused with the field named, nothing half-saved;
the Easy Language page an organiser saves is shown and linked from every page's footer."""

from __future__ import annotations

import httpx
import lxml.html
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.models import LegalPage
from tests.support.app import csrf_of, login, make_client
from tests.support.form_errors import error_at

PAGES = {
    "/impressum": ("Impressum", "Legal notice"),
    "/datenschutz": ("Datenschutzerklärung", "Privacy statement"),
    "/barrierefreiheit": ("Erklärung zur Barrierefreiheit", "Accessibility statement"),
}


def _h1(response: httpx.Response) -> str:
    return str(lxml.html.fromstring(response.text).findtext(".//h1"))


async def test_every_legal_page_in_both_languages(client: httpx.AsyncClient) -> None:
    for path, (german, english) in PAGES.items():
        page = await client.get(path)
        assert page.status_code == 200
        assert _h1(page) == german
        english_page = await client.get(f"{path}?lang=en")
        assert _h1(english_page) == english
        assert '<html lang="en">' in english_page.text
        await client.get("/lang/de")
    statement = (await client.get("/barrierefreiheit")).text
    assert "Feedback und Kontakt" in statement
    assert "Durchsetzungsverfahren" in statement and "§ 16 BGG" in statement
    privacy = (await client.get("/datenschutz")).text
    assert "Widerruf" in privacy and "Bestätigungs-E-Mail" in privacy


async def _save(client: httpx.AsyncClient, slug: str, de: str, en: str) -> httpx.Response:
    token = await csrf_of(client, f"/organiser/legal/{slug}")
    return await client.post(
        f"/organiser/legal/{slug}", data={"csrf_token": token, "body_de": de, "body_en": en}
    )


async def test_organiser_edits_and_others_may_not(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    assert (await client.get("/organiser/legal/impressum")).status_code == 401
    await login(client, "aussteller.krz@example.org")
    assert (await client.get("/organiser/legal/impressum")).status_code == 403
    await login(client, "orga@example.org")
    assert (await client.get("/organiser/legal/gibt-es-nicht")).status_code == 404
    saved = await _save(
        client, "impressum", "## Stadt Musterstadt\n\nRathausplatz 1", "## City of Musterstadt"
    )
    assert saved.status_code == 303
    assert "Rathausplatz 1" in (await client.get("/impressum")).text
    english = (await client.get("/impressum?lang=en")).text
    assert "City of Musterstadt" in english and "Rathausplatz" not in english


EASY_DE = "## Die Messe in Leichter Sprache\n\nHier finden Sie Stände.\n\nDort können Sie fragen."
EASY_EN = "## The fair in Easy Read\n\nHere you find booths.\n\nYou can ask there."


async def test_organiser_saves_the_easy_language_page_shown_and_linked_in_both_languages(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    async with make_client(demo_app) as visitor:
        before = await visitor.get("/leichte-sprache")  # the starting text, now in the page cache
        assert before.status_code == 200 and "Die Messe in Leichter Sprache" not in before.text
        # the starting text's questions are headings (the page is only the text)
        questions = lxml.html.fromstring(before.text).xpath("//main//h2/text()")
        assert questions[0] == "Was ist diese Internet-Seite?"
        await login(client, "orga@example.org")
        assert _h1(await client.get("/organiser/legal/leichte-sprache")) == (
            "Leichte Sprache – Bearbeiten"
        )
        saved = await _save(client, "leichte-sprache", EASY_DE, EASY_EN)
        assert saved.status_code == 303
        assert saved.headers["location"] == "/organiser/legal/leichte-sprache?saved=1"
        for language, name, heading, other in (
            ("de", "Leichte Sprache", "Die Messe in Leichter Sprache", "Easy Read"),
            ("en", "Easy Read", "The fair in Easy Read", "Leichter Sprache"),
        ):
            for who in (visitor, client):  # a visitor (cached pages) and the organiser
                hall = lxml.html.fromstring((await who.get(f"/booths?lang={language}")).text)
                links = hall.xpath("//footer//a[@href='/leichte-sprache']")
                assert [a.text_content() for a in links] == [name], language
                page = await who.get(str(links[0].get("href")))
                assert page.status_code == 200
                assert f'<html lang="{language}">' in page.text
                html = lxml.html.fromstring(page.text)
                assert _h1(page) == name
                assert html.xpath("string(//main//h2)") == heading
                assert other not in html.xpath("string(//main)")


async def test_script_in_markdown_is_refused_and_nothing_is_saved(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, "orga@example.org")
    response = await _save(
        client, "datenschutz", "Gut", "Fine <script>alert(1)</script> <b onclick=x>b</b>"
    )
    assert response.status_code == 400
    assert error_at(response, "body-en").startswith("HTML ist nicht erlaubt (<script>")
    assert 'aria-invalid="true"' in response.text
    assert "<script>alert" not in response.text  # shown back only escaped
    async with app_services(demo_app).db.session() as db:
        assert (await db.scalars(select(LegalPage))).all() == []  # German not saved either
    block = await _save(client, "datenschutz", "<iframe src=x></iframe>", "ok")
    assert block.status_code == 400
    assert error_at(block, "body-de").startswith("HTML ist nicht erlaubt (<iframe")
    too_long = await _save(client, "datenschutz", "x" * 50_001, "ok")
    assert too_long.status_code == 400
    assert error_at(too_long, "body-de") == "höchstens 50000 Zeichen"
    # Links that would run script are not links on the page.
    ok = await _save(
        client, "datenschutz", "[klick](javascript:alert(1)) [LDI](https://ldi.nrw.de)", "x"
    )
    assert ok.status_code == 303
    page = lxml.html.fromstring((await client.get("/datenschutz")).text)
    hrefs = [a.get("href") for a in page.iter("a")]
    assert "https://ldi.nrw.de" in hrefs
    assert not any(h and h.startswith("javascript:") for h in hrefs)
