"""„Meine Auftritte“ for every speaker, whatever their account's role.

The organisers may link an attendee account to a speaker (``sessions.team``): that
person gets the speaker's page with their sessions and the way to each stage, the link
to it in the navigation and the landing there after login, as a speaker account does.
An attendee linked to no speaker gets the refusal and no link. Real app, real HTTP,
SQLite and PostgreSQL.
"""

from __future__ import annotations

import html

import httpx
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.models import ProgrammeSession
from tests.support.app import csrf_of, make_client
from tests.support.programme import link_speaker, unlinked_speaker_and_attendees

PASSWORD = "ein-langes-passwort-42"
LINKED = "referentin@example.org"
PLAIN = "gast@example.org"
NAV_LINK = '<a href="/speaker">'


async def _log_in(client: httpx.AsyncClient, email: str) -> str:
    """Log in without an asked page; where the login lands."""
    token = await csrf_of(client)
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def _linked_and_plain_attendees(app: Starlette) -> ProgrammeSession:
    """Two attendee accounts, LINKED linked to a demo speaker; a session of that speaker."""
    speaker_id, session_id = await unlinked_speaker_and_attendees(app, (LINKED, PLAIN), PASSWORD)
    async with app_services(app).db.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None
    await link_speaker(app, speaker_id, LINKED)
    return session


async def test_attendee_linked_to_a_speaker_has_my_appearances(demo_app: Starlette) -> None:
    session = await _linked_and_plain_attendees(demo_app)

    async with make_client(demo_app) as linked, make_client(demo_app) as plain:
        assert await _log_in(linked, LINKED) == "/speaker"
        assert await _log_in(plain, PLAIN) == "/"

        page = await linked.get("/speaker")
        assert page.status_code == 200
        assert html.escape(session.title) in page.text
        assert f'href="/sessions/{session.id}/stage"' in page.text
        assert NAV_LINK in page.text
        assert NAV_LINK in (await linked.get("/programme")).text

        refused = await plain.get("/speaker")
        assert refused.status_code == 403
        assert NAV_LINK not in refused.text
        assert NAV_LINK not in (await plain.get("/programme")).text


async def test_linked_attendee_reaches_the_stage_of_their_session_only(
    demo_app: Starlette,
) -> None:
    """The stage asks the session's team, not the account's role: the linked attendee
    gets their session's stage and the plain attendee the refusal."""
    stage = f"/sessions/{(await _linked_and_plain_attendees(demo_app)).id}/stage"
    async with make_client(demo_app) as linked, make_client(demo_app) as plain:
        await _log_in(linked, LINKED)
        await _log_in(plain, PLAIN)
        assert (await linked.get(stage)).status_code == 200
        assert (await plain.get(stage)).status_code == 403
