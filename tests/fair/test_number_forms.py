"""German forms everywhere: plurals through gettext, numbers and file sizes through Babel,
in German and in English."""

from __future__ import annotations

import re

import httpx
import lxml.html
import pytest

from fair.formatting import format_number, format_size
from fair.i18n import gettext_for
from tests.support.app import csrf_of, login


@pytest.mark.parametrize(
    ("num_bytes", "german", "english"),
    [
        (0, "0\u00a0B", "0\u00a0B"),
        (900, "900\u00a0B", "900\u00a0B"),
        (20_685, "20,2\u00a0KB", "20.2\u00a0KB"),
        (500 * 1024 * 1024, "500\u00a0MB", "500\u00a0MB"),
        (int(1.5 * 1024**3), "1,5\u00a0GB", "1.5\u00a0GB"),
        (3 * 1024**4, "3.072\u00a0GB", "3,072\u00a0GB"),
    ],
)
def test_file_sizes(num_bytes: int, german: str, english: str) -> None:
    assert format_size(num_bytes, "de") == german
    assert format_size(num_bytes, "en") == english


def test_numbers_and_plurals() -> None:
    assert (format_number(1234, "de"), format_number(1234, "en")) == ("1.234", "1,234")
    assert (format_number(20.25, "de"), format_number(20.25, "en")) == ("20,25", "20.25")
    for lang, one, many in (("de", "1 Stand", "3 Stände"), ("en", "1 booth", "3 booths")):
        ngettext = gettext_for(lang).ngettext
        assert ngettext("%(num)s Stand", "%(num)s Stände", 1) % {"num": 1} == one
        assert ngettext("%(num)s Stand", "%(num)s Stände", 3) % {"num": 3} == many


def _status(page: httpx.Response) -> str:
    return str(lxml.html.fromstring(page.text).findtext(".//p[@role='status']")).strip()


async def test_hall_counts_booths_in_both_languages(client: httpx.AsyncClient) -> None:
    one = await client.get("/booths?q=Schulanmeldung")
    assert _status(one).startswith("1 Stand ")
    assert _status(await client.get("/booths?q=Schulanmeldung&lang=en")).startswith("1 booth ")
    assert _status(await client.get("/booths?lang=de")).endswith("Stände")
    assert _status(await client.get("/booths?lang=en")).endswith("booths")


# Real pages with one and with many of each counted thing, in both languages.


def _text(page: httpx.Response, xpath: str) -> str:
    return " ".join(lxml.html.fromstring(page.text).xpath(f"string({xpath})").split())


async def test_search_counts_each_kind(client: httpx.AsyncClient) -> None:
    one = "//p[@role='status']"
    page = await client.get("/search?q=Schulanmeldung")
    assert "1 Stand ·" in _text(page, one) or _text(page, one).endswith("1 Stand")
    assert "Stände" in _text(await client.get("/search?q=Smart City"), one)
    english = _text(await client.get("/search?q=Schulanmeldung&lang=en"), one)
    assert "1 booth" in english and "1 booths" not in english
    many = _text(await client.get("/search?q=Smart City&lang=en"), one)
    assert re.search(r"\d+ results: \d+ booths · \d+ sessions · \d+ speakers?", many), many
    assert re.search(
        r"\d+ Treffer: \d+ Stände · \d+ Programmpunkte",
        _text(await client.get("/search?q=Smart City&lang=de"), one),
    )


async def test_votes_one_and_many(client: httpx.AsyncClient) -> None:
    sessions = (await client.get("/api/sessions")).json()["sessions"]
    session_id = sessions[0]["id"]
    token = await csrf_of(client, f"/sessions/{session_id}")
    asked = await client.post(
        f"/sessions/{session_id}/questions",
        data={"csrf_token": token, "author_name": "Ada", "body": "Zählt das richtig?"},
        headers={"Accept": "application/json"},
    )
    question = asked.json()["question"]["id"]
    votes = "//li[contains(., 'Zählt das richtig?')]//*[contains(@class,'qa-votes')]"
    assert _text(await client.get(f"/sessions/{session_id}"), votes) == "0 Stimmen"
    assert _text(await client.get(f"/sessions/{session_id}?lang=en"), votes) == "0 votes"
    vote = await client.post(
        f"/sessions/{session_id}/questions/{question}/vote", data={"csrf_token": token}
    )
    assert vote.status_code == 303
    assert _text(await client.get(f"/sessions/{session_id}?lang=de"), votes) == "1 Stimme"
    assert _text(await client.get(f"/sessions/{session_id}?lang=en"), votes) == "1 vote"


async def test_booths_per_organisation_and_viewers(client: httpx.AsyncClient) -> None:
    await login(client, "orga@example.org")
    page = await client.get("/organiser/organisations?lang=de")
    summaries = lxml.html.fromstring(page.text).xpath("//summary")
    texts = [" ".join(s.text_content().split()) for s in summaries]
    krz = next(t for t in texts if "(krz)" in t)
    assert re.search(r"· [2-9]\d* Stände$", krz), krz
    assert any(t.endswith("· 1 Stand") for t in texts)
    english = [
        " ".join(s.text_content().split())
        for s in lxml.html.fromstring(
            (await client.get("/organiser/organisations?lang=en")).text
        ).xpath("//summary")
    ]
    assert any(t.endswith("· 1 booth") for t in english)
    assert any(re.search(r"· [2-9]\d* booths$", t) for t in english)
    sessions = (await client.get("/api/sessions")).json()["sessions"]
    session = await client.get(f"/sessions/{sessions[0]['id']}?lang=de")
    word = "//*[@data-count-one]"
    doc = lxml.html.fromstring(session.text).xpath(word)[0]
    assert (doc.get("data-count-one"), doc.get("data-count-other")) == (
        "Person schaut zu",
        "Personen schauen zu",
    )
    assert doc.text == "Personen schauen zu"  # for the 0 the server renders
    doc = lxml.html.fromstring(
        (await client.get(f"/sessions/{sessions[0]['id']}?lang=en")).text
    ).xpath(word)[0]
    assert (doc.get("data-count-one"), doc.get("data-count-other"), doc.text) == (
        "viewer",
        "viewers",
        "viewers",
    )
