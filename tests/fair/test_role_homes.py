"""After login each role lands where its work is; speakers find their own sessions under
„Meine Auftritte“ in the menu."""

from __future__ import annotations

import httpx
import lxml.html
import pytest

from tests.support.app import DEMO_PASSWORD, csrf_of

SPEAKER = "henning.wiebusch@example.org"


async def _login(client: httpx.AsyncClient, email: str, next_url: str = "") -> str:
    token = await csrf_of(client)
    data = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    if next_url:
        data["next"] = next_url
    response = await client.post("/login", data=data)
    assert response.status_code == 303
    return response.headers["location"]


@pytest.mark.parametrize(
    ("email", "home"),
    [
        ("aussteller.krz@example.org", "/exhibitor"),
        ("orga@example.org", "/organiser/programme"),
        (SPEAKER, "/speaker"),
    ],
)
async def test_login_lands_on_the_roles_home(
    client: httpx.AsyncClient, email: str, home: str
) -> None:
    assert await _login(client, email) == home
    assert (await client.get(home)).status_code == 200


async def test_a_page_asked_for_wins(client: httpx.AsyncClient) -> None:
    assert (
        await _login(client, "orga@example.org", "/booths?topic=bildung") == "/booths?topic=bildung"
    )


async def test_speaker_sees_own_appearances(client: httpx.AsyncClient) -> None:
    assert (await client.get("/speaker")).status_code == 401
    await _login(client, "aussteller.krz@example.org")
    assert (await client.get("/speaker")).status_code == 403
    await _login(client, SPEAKER)
    page = lxml.html.fromstring((await client.get("/speaker")).text)
    assert page.xpath("//nav//a[@href='/speaker']/text()") == ["Meine Auftritte"]
    items = page.xpath("//ul[@class='appearances']/li")
    assert items, "the demo speaker appears in the programme"
    for item in items:
        session_href = item.xpath(".//h2/a/@href")[0]
        assert item.xpath(".//a[@class='button']/@href") in ([f"{session_href}/stage"], [])
        detail = (await client.get(session_href)).text
        assert "Henning Wiebusch" in detail
    english = lxml.html.fromstring((await client.get("/speaker?lang=en")).text)
    assert english.findtext(".//h1") == "My appearances"
