"""The foundation over real HTTP: pages of the demo fair, errors, accounts, CSRF, limits,
language, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import httpx
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.auth import create_invitation
from fair.i18n import LANGUAGE_COOKIE
from fair.models import Role
from tests.support.app import (
    DEMO_PASSWORD,
    csrf_of,
    login,
    make_client,
    make_settings,
    running_app,
    submit_form,
)


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_demo_fair_has_70_booths_30_sessions_5_days_5_hosts(
    client: httpx.AsyncClient,
) -> None:
    hall = await client.get("/booths")
    assert hall.status_code == 200
    assert len(re.findall(r'<a href="/booths/[^"]+">', hall.text)) >= 70
    programme = await client.get("/programme")
    assert programme.status_code == 200
    assert len(re.findall(r'class="session-item"', programme.text)) >= 30
    days = re.findall(r'<section aria-labelledby="day-\d+"', programme.text)
    assert len(days) == 5
    hosts = set(re.findall(r"Gastgeber: ([^<]+)</span></p>", programme.text))
    assert len(hosts) == 5


async def test_home_shows_days_and_hosts(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    assert home.status_code == 200
    assert home.text.count('class="card"') >= 5
    assert "Jetzt live" in home.text
    assert '<a class="skip-link" href="#main">' in home.text
    assert "<main" in home.text and "<nav" in home.text and "<footer" in home.text


async def test_booth_and_session_pages(client: httpx.AsyncClient) -> None:
    hall = await client.get("/booths")
    slug = re.search(r'<a href="/booths/([^"]+)">', hall.text).group(1)  # type: ignore[union-attr]
    booth = await client.get(f"/booths/{slug}")
    assert booth.status_code == 200
    assert "Ansprechpersonen" in booth.text
    programme = await client.get("/programme")
    session_id = re.search(r'href="/sessions/(\d+)"', programme.text).group(1)  # type: ignore[union-attr]
    page = await client.get(f"/sessions/{session_id}")
    assert page.status_code == 200
    assert "Worum es geht" in page.text


async def test_unknown_ids_give_404_page_without_traceback(client: httpx.AsyncClient) -> None:
    for path in ("/booths/no-such-booth", "/sessions/999999", "/sessions/abc", "/nowhere"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
        assert "nicht gefunden" in response.text.lower()


async def test_bad_filter_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/booths?day=tuesday")
    assert response.status_code == 400
    assert "day" in response.text
    response = await client.get("/booths?kind=spaceship")
    assert response.status_code == 400
    assert "kind" in response.text


async def test_oversized_body_gets_413(client: httpx.AsyncClient) -> None:
    token = await csrf_of(client)
    big = "x" * (2 * 1024 * 1024)
    response = await client.post(
        "/login", data={"email": big, "password": "p", "csrf_token": token}
    )
    assert response.status_code == 413
    assert "höchstens" in response.json()["error"]

    async def chunked():  # no Content-Length: the limit is counted while reading
        for _ in range(40):
            yield b"a" * 65536

    response = await client.post(
        "/login", content=chunked(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


async def test_login_logout_and_wrong_password(client: httpx.AsyncClient) -> None:
    token = await csrf_of(client)
    wrong = await client.post(
        "/login", data={"email": "orga@example.org", "password": "falsch", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert "falsch" in wrong.text
    await login(client, "orga@example.org")
    home = await client.get("/")
    assert "Abmelden" in home.text
    cookie = client.cookies.get("fair_session")
    assert cookie
    token = await csrf_of(client, "/")
    out = await client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert "Abmelden" not in (await client.get("/")).text


async def test_session_cookie_is_httponly_and_samesite(client: httpx.AsyncClient) -> None:
    response = await client.get("/login")
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header
    assert "samesite=lax" in header


async def test_forms_without_csrf_token_are_refused(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/login", data={"email": "orga@example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 403
    assert "csrf_token" in response.text
    response = await client.post(
        "/login",
        data={"email": "orga@example.org", "password": DEMO_PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 403


async def test_cross_origin_post_is_refused(client: httpx.AsyncClient) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"email": "orga@example.org", "password": DEMO_PASSWORD, "csrf_token": token},
        headers={"origin": "https://evil.example.com"},
    )
    assert response.status_code == 403


async def test_cross_origin_form_post_gets_the_error_page_in_the_visitors_language(
    client: httpx.AsyncClient,
) -> None:
    """A browser posting a form from another site is shown the 403 page, not raw JSON."""
    token = await csrf_of(client)
    form = {"email": "orga@example.org", "password": DEMO_PASSWORD, "csrf_token": token}
    browser = {
        "origin": "https://evil.example.com",
        "sec-fetch-site": "cross-site",
        "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    }
    german = await client.post("/login", data=form, headers=browser)
    assert german.status_code == 403
    assert german.headers["content-type"].startswith("text/html")
    assert "<h1>Kein Zugriff</h1>" in german.text
    assert "Anfrage von fremder Herkunft abgelehnt" in german.text
    client.cookies.set(LANGUAGE_COOKIE, "en")  # the visitor chose English
    english = await client.post("/login", data=form, headers=browser)
    assert english.status_code == 403
    assert '<html lang="en"' in english.text
    assert "Request from another origin refused" in english.text
    assert "fremder" not in english.text
    assert "orga@example.org" not in english.text  # the refused post was not processed


async def test_cross_origin_fetch_and_api_clients_get_json(client: httpx.AsyncClient) -> None:
    token = await csrf_of(client)
    form = {"email": "orga@example.org", "password": DEMO_PASSWORD, "csrf_token": token}
    fetched = await client.post(
        "/login", data=form, headers={"origin": "https://evil.example.com", "accept": "*/*"}
    )
    assert fetched.status_code == 403
    assert fetched.json() == {"error": "Anfrage von fremder Herkunft abgelehnt"}
    api = await client.post(
        "/api/anything",
        json={},
        headers={"sec-fetch-site": "cross-site", "accept": "text/html, */*"},
    )
    assert api.status_code == 403
    assert api.json() == {"error": "Anfrage von fremder Herkunft abgelehnt"}


async def test_login_rate_limit(client: httpx.AsyncClient) -> None:
    token = await csrf_of(client)
    statuses = []
    for _ in range(7):
        response = await client.post(
            "/login", data={"email": "orga@example.org", "password": "nope", "csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [400] * 5
    assert statuses[-1] == 429
    # even the right password is refused while the limit holds
    response = await client.post(
        "/login",
        data={"email": "orga@example.org", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 429


async def test_open_redirect_after_login_is_refused(client: httpx.AsyncClient) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={
            "email": "orga@example.org",
            "password": DEMO_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example.com/",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/programme"  # the role's home


async def test_invitation_is_one_time(demo_app: Starlette) -> None:
    async with app_services(demo_app).db.session() as db:
        token = await create_invitation(
            db, email="neu@example.org", name="Neue Person", role=Role.exhibitor
        )
        await db.commit()
    async with make_client(demo_app) as c:
        page = await c.get(f"/invite/{token}")
        assert page.status_code == 200
        invite = f"/invite/{token}"
        short = await submit_form(
            c, invite, invite, name="Neue Person", password="kurz", password_repeat="kurz"
        )
        assert short.status_code == 400
        assert "password" in short.text
        long = "ein-langes-passwort"
        ok = await submit_form(
            c, invite, invite, name="Neue Person", password=long, password_repeat=long
        )
        assert ok.status_code == 303
        again = await c.get(f"/invite/{token}")
        assert again.status_code == 404
    async with make_client(demo_app) as c:
        await login(c, "neu@example.org", "ein-langes-passwort")


async def test_english_ui(client: httpx.AsyncClient) -> None:
    response = await client.get("/?lang=en")
    assert '<html lang="en">' in response.text
    assert "Programme" in response.text
    assert "fair_lang=en" in response.headers["set-cookie"]
    # the choice sticks
    again = await client.get("/booths")
    assert '<html lang="en">' in again.text
    assert "Exhibition hall" in again.text


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_organiser_home_is_for_organisers(demo_app: Starlette) -> None:
    async with make_client(demo_app) as anonymous:
        assert (await anonymous.get("/organiser")).status_code == 401
    async with make_client(demo_app) as exhibitor:
        await login(exhibitor, "aussteller.krz@example.org")
        assert (await exhibitor.get("/organiser")).status_code == 403
    async with make_client(demo_app) as organiser:
        await login(organiser, "orga@example.org")
        page = await organiser.get("/organiser")
        assert page.status_code == 200
        for link in ("/organiser/programme", "/organiser/booths", "/organiser/faq"):
            assert f'href="{link}"' in page.text
            assert (await organiser.get(link)).status_code == 200


async def test_generated_secret_key_survives_a_restart(
    demo_database_url: str, tmp_path: Path
) -> None:
    """Without FAIR_SECRET_KEY a key is made once (0600) and reused, so logins survive."""
    key_file = tmp_path / "data" / "secret_key"
    settings = make_settings(
        demo_database_url, tmp_path, secret_key="", secret_key_file=str(key_file)
    )
    async for first in running_app(settings):
        async with make_client(first) as visitor:
            await login(visitor, "orga@example.org")
            cookies = dict(visitor.cookies)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 48
    async for restarted in running_app(settings):
        async with make_client(restarted) as same_visitor:
            same_visitor.cookies.update(cookies)
            assert "Abmelden" in (await same_visitor.get("/")).text
    assert key_file.read_text().strip() == key
    assert settings.replace(secret_key="explicit").effective_secret_key() == "explicit"
