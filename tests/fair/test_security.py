"""Security review regressions: hostile ids, NUL characters and non-ASCII tokens get
400/403/404 and never a 500 (on either database); cookies honour ``secure_cookies``.
Huge Range numbers: tests/fair/test_storage_ranges.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from booths import analytics
from fair.app_services import app_services
from sessions.models import ProgrammeSession, Question
from tests.support.app import csrf_of, login
from tests.support.booth_helpers import KRZ, PDF, app_with, contact_booth, upload

SLUG = "owl-schueler-online"  # a booth of the krz organisation
BOOTH = f"/booths/{SLUG}"
HUGE = "99999999999"  # over PostgreSQL's integer range
SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() is true, int() refuses it


@pytest.mark.parametrize(
    "path",
    [
        f"{BOOTH}/materials/{HUGE}/download",
        f"{BOOTH}/materials/{SUPERSCRIPT_TWO}/download",
        f"{BOOTH}/materials/1/download?version={SUPERSCRIPT_TWO}",
        f"/booths?day={HUGE}",
        f"/sessions/{HUGE}/live",
        f"/sessions/{HUGE}/stage",
        f"/sessions/1/recordings/{HUGE}",
    ],
)
async def test_hostile_ids_in_get_requests_are_no_server_error(
    client: httpx.AsyncClient, path: str
) -> None:
    await login(client, "orga@example.org")
    response = await client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)


async def test_hostile_ids_in_exhibitor_posts_are_no_server_error(
    client: httpx.AsyncClient,
) -> None:
    await login(client, "aussteller.krz@example.org")
    token = await csrf_of(client, f"{BOOTH}/edit")
    for path in (
        f"{BOOTH}/contacts/{SUPERSCRIPT_TWO}",
        f"{BOOTH}/materials/{SUPERSCRIPT_TWO}/delete",
    ):
        response = await client.post(path, data={"csrf_token": token, "name": "x"})
        assert response.status_code == 404, (path, response.status_code)


async def test_hostile_ids_in_organiser_posts_are_no_server_error(
    client: httpx.AsyncClient,
) -> None:
    await login(client, "orga@example.org")
    token = await csrf_of(client, "/organiser/booths")
    for path, data in (
        ("/organiser/booths", {"slug": "neuer-stand", "name": "x", "organisation": HUGE}),
        (
            "/organiser/booths",
            {"slug": "neuer-stand", "name": "x", "organisation": "1", "day": HUGE},
        ),
        (f"/organiser/booths{BOOTH}/exhibitors/remove", {"user": HUGE}),
        ("/sessions/1/recordings/x/publish", {"published": "1"}),
        (f"/sessions/1/recordings/{HUGE}/publish", {"published": "1"}),
        (f"/sessions/{HUGE}/live/end", {}),
    ):
        response = await client.post(path, data={"csrf_token": token, **data})
        assert response.status_code in (400, 404), (path, response.status_code)


@pytest.mark.parametrize(
    "path",
    ["/booths?topic=%00", "/booths?organisation=a%00b", "/booths/%00", "/api/booths/a%00"],
)
async def test_nul_in_path_or_query_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 400, (path, response.status_code)


async def test_nul_in_a_form_field_is_refused(client: httpx.AsyncClient) -> None:
    response = await contact_booth(
        client, SLUG, name="Ada\x00", email="ada@example.org", message="Hallo", consent="yes"
    )
    assert response.status_code == 400
    assert "NUL" in response.text
    login_token = await csrf_of(client)
    response = await client.post(
        "/login", data={"csrf_token": login_token, "email": "a\x00@example.org", "password": "x"}
    )
    assert response.status_code == 400


async def test_non_ascii_csrf_token_is_refused_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    await csrf_of(client)  # the session now holds a token
    response = await client.post(
        "/login", data={"csrf_token": "ä", "email": "a@example.org", "password": "x"}
    )
    assert response.status_code == 403
    response = await client.post("/logout", headers={"x-csrf-token": b"\xc3\xa4"})
    assert response.status_code == 403


async def test_nul_in_an_upload_title_is_dropped(client: httpx.AsyncClient) -> None:
    await login(client, KRZ)
    response = await upload(client, f"{BOOTH}/materials", PDF, title="Flyer\x00 2027")
    assert response.status_code == 303, response.text
    page = await client.get(f"{BOOTH}/edit")
    assert "Flyer 2027" in page.text


async def test_unicode_digit_in_the_visit_cookie_is_ignored(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    today = analytics.fair_today(app_services(demo_app).settings).isoformat()
    cookie = f"{analytics.SEEN_COOKIE}={today}.1.".encode() + b"\xb2"
    response = await client.get(BOOTH, headers={"cookie": cookie})
    assert response.status_code == 200


async def test_unicode_digit_as_contact_person_is_no_server_error(
    client: httpx.AsyncClient,
) -> None:
    response = await contact_booth(
        client,
        SLUG,
        name="Ada",
        email="ada@example.org",
        message="Hallo",
        consent="yes",
        contact_person="\u00b2",
    )
    assert response.status_code == 303


async def test_voter_cookie_set_by_a_vote_honours_secure_cookies(
    demo_database_url: str, tmp_path: Path
) -> None:
    async with (
        app_with(demo_database_url, tmp_path, secure_cookies=True) as app,
        httpx.AsyncClient(  # https: the session cookie is Secure now
            transport=httpx.ASGITransport(app=app), base_url="https://testserver"
        ) as client,
    ):
        async with app_services(app).db.session() as db:
            session_id = await db.scalar(select(ProgrammeSession.id).limit(1))
            question = Question(session_id=session_id, author_name="Ada", body="Warum?", votes=0)
            db.add(question)
            await db.commit()
            question_id = question.id
        token = await csrf_of(client)
        response = await client.post(
            f"/sessions/{session_id}/questions/{question_id}/vote", data={"csrf_token": token}
        )
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "fair_voter=" in cookie and "secure" in cookie.lower()
