"""Every route × every role → the expected answer, on SQLite and PostgreSQL.

The rows come from one table keyed by the app's own route table: a route that is added
without a row here fails :func:`test_every_route_has_a_row`. Each route is tried by
anonymous visitors, an attendee account, an exhibitor of the booth in the URL and one of
another booth, a speaker of the session in the URL and one of another session, an
attendee account linked to a speaker of the session in the URL (its team without the
speaker role), and an organiser. Every URL names a real object (tests/support/
matrix_fair.py seeds them), so an allowed role gets exactly its row's answer (a GET 200
unless the row names a redirect and where it points; a POST the row's status: often 400
naming a missing field, which proves it got past authorization), and everyone else gets
exactly the row's refusal (401 for anonymous visitors, 403 for logged-in roles, unless
the row says otherwise) — a 404 for an object that exists is a failure, not a refusal.
Unsafe requests carry a valid CSRF token and a minimal form, so a refusal is about
rights, not about the token. Every WebSocket route is tried by every role over a real
server, and from a foreign ``Origin``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from websockets.asyncio.client import connect
from websockets.typing import Origin

from fair.web import CSRF_HEADER
from tests.support.app import csrf_of, login, make_settings, running_app
from tests.support.app_server import AppServer
from tests.support.matrix_fair import ACCOUNTS, OWN_BOOTH, ROLES, Ids, seed_matrix_fair
from tests.support.qa import http_to, serving_app, ws_url
from tests.support.realtime import closed_with

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
ORGANISER = frozenset({"organiser"})
BOOTH_TEAM = frozenset({"exhibitor", "organiser"})
EXHIBITORS = frozenset({"exhibitor", "other_exhibitor", "organiser"})
SESSION_TEAM = frozenset({"speaker", "linked_speaker", "organiser"})


@dataclass(frozen=True)
class Row:
    """Who may use a route and exactly what they get; ``path`` fills the route's
    parameters from :class:`Ids`. Allowed roles get ``expect`` (a GET by default 200: a
    redirect passes only where the row names it, with the path its ``location`` points
    to, so a 303 to /login for a role that should see the page fails); anonymous
    visitors without the right get ``anonymous``, logged-in roles ``refused``."""

    allowed: frozenset[str]
    path: str | None = None  # default: the route path with its parameters filled in
    data: tuple[tuple[str, str], ...] = ()
    expect: int | None = None
    location: str | None = None  # the Location path of an allowed role's redirect
    # (role, Location path): an allowed role sent on with a 303 to its own page instead
    redirected: tuple[tuple[str, str], ...] = ()
    refused: int = 403
    anonymous: int = 401
    last: bool = False  # changes what other rows see: tried after all the others


TALK_FILE = "/sessions/{session_id}/materials/{session_material_id}"

# (method, route path) → Row. GET rows also cover HEAD.
ROWS: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): Row(EVERYONE),
    ("GET", "/login"): Row(EVERYONE),
    ("POST", "/login"): Row(EVERYONE, expect=400),
    # not tried: it would end the session
    ("POST", "/logout"): Row(EVERYONE, expect=303, location="/"),
    ("GET", "/invite/{token}"): Row(EVERYONE, "/invite/{invite_token}"),
    ("POST", "/invite/{token}"): Row(EVERYONE, "/invite/{invite_token}", expect=400),
    ("GET", "/lang/{code}"): Row(EVERYONE, "/lang/en", expect=303, location="/"),
    ("GET", "/organiser"): Row(ORGANISER),
    ("GET", "/booths"): Row(EVERYONE),
    ("GET", "/booths/{slug}"): Row(EVERYONE),
    ("POST", "/booths/{slug}/contact"): Row(EVERYONE, expect=400),
    ("GET", "/booths/{slug}/logo"): Row(EVERYONE),
    ("POST", "/booths/{slug}/logo"): Row(BOOTH_TEAM, expect=400),
    ("GET", "/booths/{slug}/edit"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/edit"): Row(BOOTH_TEAM, expect=400),
    ("POST", "/booths/{slug}/contacts"): Row(
        BOOTH_TEAM, data=(("name", "Neu"),), expect=303, location="/booths/{slug}/edit"
    ),
    ("POST", "/booths/{slug}/contacts/{contact_id}"): Row(
        BOOTH_TEAM, data=(("name", "Kontakt"),), expect=303, location="/booths/{slug}/edit"
    ),
    ("POST", "/booths/{slug}/contacts/{contact_id}/delete"): Row(
        BOOTH_TEAM, expect=303, location="/booths/{slug}/edit"
    ),
    ("POST", "/booths/{slug}/links"): Row(
        BOOTH_TEAM,
        data=(("title", "Mehr"), ("url", "https://example.org/mehr")),
        expect=303,
        location="/booths/{slug}/edit",
    ),
    ("POST", "/booths/{slug}/materials"): Row(BOOTH_TEAM, expect=400),
    ("POST", "/booths/{slug}/materials/{material_id}"): Row(BOOTH_TEAM, expect=400),
    ("POST", "/booths/{slug}/materials/{material_id}/delete"): Row(
        BOOTH_TEAM, expect=303, location="/booths/{slug}/edit"
    ),
    ("GET", "/booths/{slug}/materials/{material_id}/download"): Row(
        EVERYONE, "/booths/{slug}/materials/{file_material_id}/download"
    ),
    # organisers see every booth on their own overview
    ("GET", "/exhibitor"): Row(EXHIBITORS, redirected=(("organiser", "/organiser/booths"),)),
    ("GET", "/exhibitor/leads.csv"): Row(EXHIBITORS),
    ("GET", "/organiser/booths"): Row(ORGANISER),
    ("POST", "/organiser/booths"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/booths/{slug}/exhibitors"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/booths/{slug}/exhibitors/remove"): Row(ORGANISER, expect=400),
    ("GET", "/sessions/{session_id}/stage"): Row(SESSION_TEAM),
    ("GET", "/sessions/{session_id}/live"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/live/publish"): Row(SESSION_TEAM, expect=400),
    ("POST", "/sessions/{session_id}/live/watch"): Row(EVERYONE, expect=400),
    ("GET", "/sessions/{session_id}/recordings/{recording_id}"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/recordings/{recording_id}/publish"): Row(
        ORGANISER, data=(("published", "1"),), expect=303, location="/sessions/{session_id}"
    ),
    # live HLS (a talk that never went live: 404 for everyone, no rights needed)
    ("GET", "/sessions/{session_id}/hls/{name:path}"): Row(
        EVERYONE, "/sessions/{session_id}/hls/master.m3u8", expect=404
    ),
    ("GET", "/"): Row(EVERYONE),
    ("GET", "/programme"): Row(EVERYONE),
    ("GET", "/agenda"): Row(EVERYONE),
    ("GET", "/sessions/{session_id}"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/questions"): Row(EVERYONE, expect=400),
    ("POST", "/sessions/{session_id}/questions/{question_id}/vote"): Row(
        EVERYONE, expect=303, location="/sessions/{session_id}"
    ),
    ("POST", "/sessions/{session_id}/questions/{question_id}/moderate"): Row(
        SESSION_TEAM, data=(("action", "answer"),), expect=303, location="/sessions/{session_id}"
    ),
    ("POST", "/sessions/{session_id}/questions/{question_id}/faq"): Row(
        ORGANISER, data=(("answer", "So geht das."),), expect=303, location="/sessions/{session_id}"
    ),
    ("GET", "/recordings"): Row(EVERYONE),
    ("GET", "/schedule.{ext}"): Row(EVERYONE, "/schedule.xml"),
    ("GET", "/organiser/programme"): Row(ORGANISER),
    ("GET", "/organiser/programme/new"): Row(ORGANISER),
    ("POST", "/organiser/programme/new"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/programme/import"): Row(ORGANISER),
    ("POST", "/organiser/programme/import"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/programme/{session_id}/edit"): Row(ORGANISER),
    ("POST", "/organiser/programme/{session_id}/edit"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/programme/{session_id}/move"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/programme/{session_id}/cancel"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/faq"): Row(ORGANISER),
    ("POST", "/organiser/faq"): Row(ORGANISER, expect=400),
    ("GET", "/api/booths"): Row(EVERYONE),
    ("GET", "/api/booths/{slug}"): Row(EVERYONE),
    ("GET", "/api/sessions"): Row(EVERYONE),
    ("GET", "/api/sessions/{session_id}"): Row(EVERYONE),
    ("GET", "/api/recordings"): Row(EVERYONE),
    ("GET", "/api/openapi.json"): Row(EVERYONE),
    # appointments (issue 16): a booking per role ({token}), one whose room is open now
    ("GET", "/booths/{slug}/appointments"): Row(EVERYONE),
    ("POST", "/booths/{slug}/appointments"): Row(EVERYONE, expect=400),
    ("GET", "/booths/{slug}/slots"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/slots"): Row(BOOTH_TEAM, expect=400),
    ("POST", "/booths/{slug}/slots/{slot_id}/delete"): Row(
        BOOTH_TEAM, expect=303, location="/booths/{slug}/slots"
    ),
    ("GET", "/appointments/{token}"): Row(EVERYONE),
    ("GET", "/appointments/{token}/termin.ics"): Row(EVERYONE),
    ("POST", "/appointments/{token}/cancel"): Row(EVERYONE, expect=200),
    ("GET", "/appointments/{token}/room"): Row(EVERYONE, "/appointments/{room_token}/room"),
    # organisers may not enter a confidential call
    ("GET", "/exhibitor/appointments/{appointment_id}/room"): Row(frozenset({"exhibitor"})),
    ("POST", "/appointments/{token}/relay"): Row(  # the server relay (r2-16)
        EVERYONE, "/appointments/{room_token}/relay", expect=400
    ),
    ("POST", "/exhibitor/appointments/{appointment_id}/relay"): Row(
        frozenset({"exhibitor"}), expect=400
    ),
    ("GET", "/exhibitor/appointments/{appointment_id}/relay"): Row(frozenset({"exhibitor"})),
    ("GET", "/booths/{slug}/walkin"): Row(EVERYONE),
    ("POST", "/booths/{slug}/walkin"): Row(EVERYONE, expect=409),
    # First start, accounts and the organisers' setup pages (issue 18).
    # the fair has an organiser, so no setup link exists: 404 for all
    ("GET", "/setup/{token}"): Row(EVERYONE, "/setup/no-setup-link", expect=404),
    ("POST", "/setup/{token}"): Row(EVERYONE, "/setup/no-setup-link", expect=404),
    ("GET", "/password/forgot"): Row(EVERYONE),
    ("POST", "/password/forgot"): Row(EVERYONE, expect=400),
    ("GET", "/reset/{token}"): Row(EVERYONE, "/reset/{reset_token}"),
    ("POST", "/reset/{token}"): Row(EVERYONE, "/reset/{reset_token}", expect=400),
    ("GET", "/organisations/{organisation_id}/logo"): Row(EVERYONE),
    ("POST", "/organiser/organisations/{organisation_id}/logo"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/series"): Row(ORGANISER),
    ("POST", "/organiser/series"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/series/{series_id}"): Row(ORGANISER),
    ("POST", "/organiser/series/{series_id}"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/series/{series_id}/days"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/series/{series_id}/days/{day_id}"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/stages"): Row(ORGANISER),
    ("POST", "/organiser/stages"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/stages/{stage_id}"): Row(
        ORGANISER, data=(("name", "Bühne A"),), expect=303, location="/organiser/stages"
    ),
    ("GET", "/organiser/topics"): Row(ORGANISER),
    ("POST", "/organiser/topics"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/topics/{topic_id}"): Row(
        ORGANISER,
        data=(("name_de", "Thema"), ("name_en", "Topic")),
        expect=303,
        location="/organiser/topics",
    ),
    ("GET", "/organiser/organisations"): Row(ORGANISER),
    ("POST", "/organiser/organisations"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/organisations/{organisation_id}"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/people"): Row(ORGANISER),
    ("POST", "/organiser/people"): Row(ORGANISER, expect=400),
    ("POST", "/organiser/people/invitations/{invitation_id}"): Row(
        ORGANISER, data=(("action", "revoke"),), expect=303, location="/organiser/people"
    ),
    ("POST", "/organiser/people/{user_id}"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/publish"): Row(ORGANISER),
    ("POST", "/organiser/publish"): Row(ORGANISER, expect=409),
    ("GET", "/organiser/audit"): Row(ORGANISER),
    # the fair after the event (issue 14)
    ("GET", "/recordings/{recording_id}"): Row(EVERYONE),
    ("GET", "/recordings/{recording_id}/chapters.vtt"): Row(EVERYONE),
    ("GET", "/recordings/{recording_id}/captions/{language}.vtt"): Row(
        EVERYONE, "/recordings/{recording_id}/captions/de.vtt"
    ),
    ("GET", "/recordings/{recording_id}/poster.jpg"): Row(EVERYONE),
    ("POST", "/recordings/{recording_id}/chapters"): Row(
        SESSION_TEAM, expect=303, location="/recordings/{recording_id}"
    ),
    ("POST", "/recordings/{recording_id}/captions"): Row(SESSION_TEAM, expect=400),
    ("GET", "/search"): Row(EVERYONE),
    ("POST", "/organiser/archive"): Row(
        ORGANISER, data=(("mode", "auto"),), expect=303, location="/organiser/programme"
    ),
    ("POST", "/sessions/{session_id}/recordings/upload"): Row(ORGANISER, expect=400),
    ("POST", "/sessions/{session_id}/recording-opt-out"): Row(
        SESSION_TEAM, expect=303, location="/sessions/{session_id}"
    ),
    ("GET", "/sessions/{session_id}/recordings/compose"): Row(ORGANISER),
    ("POST", "/sessions/{session_id}/recordings/compose"): Row(
        ORGANISER, expect=303, location="/sessions/{session_id}"
    ),
    # issue 15: pictures, withdrawal, notifications, legal pages, branding, appearances
    ("POST", "/booths/{slug}/cover"): Row(BOOTH_TEAM, expect=400),
    ("GET", "/booths/{slug}/images/{kind}/{version}/{name}"): Row(
        EVERYONE, "/booths/{slug}/images/logo/{logo_variant}"
    ),
    ("GET", "/contact-requests/withdraw/{token}"): Row(
        EVERYONE, "/contact-requests/withdraw/{withdraw_token}"
    ),
    ("POST", "/contact-requests/withdraw/{token}"): Row(
        EVERYONE, "/contact-requests/withdraw/{withdraw_token}", expect=200
    ),
    ("POST", "/exhibitor/notifications"): Row(
        EXHIBITORS, data=(("lead_mail", "daily"),), expect=303, location="/exhibitor"
    ),
    ("GET", "/exhibitor/unread.json"): Row(EXHIBITORS),
    ("GET", "/impressum"): Row(EVERYONE),
    ("GET", "/datenschutz"): Row(EVERYONE),
    ("GET", "/barrierefreiheit"): Row(EVERYONE),
    # BITV 2.0 explanations (issue 19); no video published yet: 404 for everyone
    ("GET", "/leichte-sprache"): Row(EVERYONE),
    ("GET", "/gebaerdensprache"): Row(EVERYONE),
    ("GET", "/gebaerdensprache/video"): Row(EVERYONE, expect=404),
    ("POST", "/organiser/legal/gebaerdensprache/video"): Row(ORGANISER, expect=400),
    ("GET", "/organiser/legal/{slug}"): Row(ORGANISER, "/organiser/legal/impressum"),
    ("POST", "/organiser/legal/{slug}"): Row(
        ORGANISER,
        "/organiser/legal/impressum",
        (("body_de", "Rathaus"), ("body_en", "Town hall")),
        expect=303,
        location="/organiser/legal/impressum",
    ),
    ("GET", "/branding.css"): Row(EVERYONE),
    ("GET", "/organiser/branding"): Row(ORGANISER),
    ("POST", "/organiser/branding"): Row(
        ORGANISER,
        data=(("name", "fair"), ("accent", "#0b5cad")),
        expect=303,
        location="/organiser/branding",
    ),
    ("POST", "/organiser/branding/{kind}"): Row(
        ORGANISER, "/organiser/branding/favicon", expect=400
    ),
    # a favicon and a day's mark nobody uploaded: the same 404 for everyone
    ("GET", "/branding/{kind}/{version}/{name}"): Row(
        EVERYONE, "/branding/favicon/0123456789abcdef/32.png", expect=404
    ),
    ("POST", "/organiser/days/{day_id}/mark"): Row(ORGANISER, expect=400),
    ("GET", "/days/{day_id}/mark/{version}/{name}"): Row(
        EVERYONE, "/days/{day_id}/mark/0123456789abcdef/96.png", expect=404
    ),
    ("GET", "/speaker"): Row(SESSION_TEAM | {"other_speaker"}),
    # a talk's own slides and files (issue 14)
    ("GET", "/sessions/{session_id}/materials"): Row(SESSION_TEAM),
    ("POST", "/sessions/{session_id}/materials"): Row(SESSION_TEAM, expect=400),
    ("GET", "/sessions/{session_id}/materials/{material_id}/download.{ext}"): Row(
        EVERYONE, f"{TALK_FILE}/download.pdf"
    ),
    ("POST", "/sessions/{session_id}/materials/{material_id}"): Row(
        SESSION_TEAM,
        TALK_FILE,
        (("title", "Folien"),),
        expect=303,
        location="/sessions/{session_id}/materials",
    ),
    ("POST", "/sessions/{session_id}/materials/{material_id}/move"): Row(
        SESSION_TEAM,
        f"{TALK_FILE}/move",
        (("direction", "up"),),
        expect=303,
        location="/sessions/{session_id}/materials",
    ),
    ("POST", "/sessions/{session_id}/materials/{material_id}/delete"): Row(
        SESSION_TEAM, f"{TALK_FILE}/delete", expect=303, location="/sessions/{session_id}/materials"
    ),
    # ends the talk, which closes its Q&A and stage: tried after every other row
    ("POST", "/sessions/{session_id}/live/{action:str}"): Row(
        SESSION_TEAM,
        "/sessions/{session_id}/live/end",
        expect=303,
        location="/sessions/{session_id}/stage",
        last=True,
    ),
}


@dataclass(frozen=True)
class Socket:
    """Who may open a WebSocket route (handshake accepted and kept); everyone else is
    accepted and closed at once with ``refused`` (browsers then see the reason)."""

    allowed: frozenset[str]
    path: str | None = None
    refused: int = 4403


STAFF = frozenset({"exhibitor"})  # the booth's team; organisers stay out of calls
SOCKETS: dict[str, Socket] = {
    "/ws/sessions/{session_id}": Socket(EVERYONE),
    "/ws/booths/{slug}": Socket(EVERYONE),
    "/ws/programme": Socket(EVERYONE),
    "/ws/appointments/{token}": Socket(EVERYONE, "/ws/appointments/{room_token}"),
    "/ws/exhibitor/appointments/{appointment_id}": Socket(STAFF),
    "/ws/booths/{slug}/walkin/{request_id}": Socket(EVERYONE),
    "/ws/exhibitor/booths/{slug}/walkin": Socket(STAFF),
}


def app_endpoints(app: Starlette) -> set[tuple[str, str]]:
    """(method, path) of every HTTP route; HEAD folds into GET."""
    endpoints = set()
    for route in app.routes:
        if isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":
                    endpoints.add((method, route.path))
        elif not isinstance(route, Mount | WebSocketRoute):
            raise AssertionError(f"unknown route type {route!r}")
    return endpoints


def app_sockets(app: Starlette) -> set[str]:
    return {route.path for route in app.routes if isinstance(route, WebSocketRoute)}


@pytest_asyncio.fixture
async def matrix_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = make_settings(demo_database_url, tmp_path, live_worker=False)
    async for app in running_app(settings):
        yield app


@asynccontextmanager
async def client_as(app: Starlette, role: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in as ``role``, from an address of its own (the per-address limits
    of public forms would otherwise refuse the later roles with 429)."""
    address = (f"192.0.2.{ROLES.index(role) + 1}", 40000)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=address)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        if role != "anonymous":
            await login(client, ACCOUNTS[role])
        yield client


async def call(
    client: httpx.AsyncClient, method: str, url: str, row: Row, token: str
) -> httpx.Response:
    if method == "GET":
        return await client.get(url)
    data: dict[str, Any] = {"csrf_token": token, **dict(row.data)}
    return await client.request(method, url, data=data, headers={CSRF_HEADER: token})


REDIRECTS = frozenset({301, 302, 303, 307, 308})


def expected_answer(role: str, method: str, row: Row, ids: Ids) -> tuple[int, str | None]:
    """The status ``role`` must get and, for a redirect, the path it must point to."""
    for sent, location in row.redirected:
        if role == sent:
            return 303, ids.fill(location, role)
    if role in row.allowed:
        status = row.expect if row.expect is not None else (200 if method == "GET" else 0)
        return status, None if row.location is None else ids.fill(row.location, role)
    if role == "anonymous":
        return row.anonymous, "/login" if row.anonymous in REDIRECTS else None
    return row.refused, None


def answer(response: httpx.Response) -> tuple[int, str | None]:
    """The status and, for a redirect, the path of its Location (the query, such as
    ``?next=``, left out)."""
    status = response.status_code
    if status not in REDIRECTS:
        return status, None
    return status, urlsplit(response.headers.get("location", "")).path


def test_every_route_has_a_row(tmp_path: Path) -> None:
    from fair.app import create_app

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path))
    endpoints = app_endpoints(app)
    missing = sorted(endpoints - set(ROWS))
    assert not missing, f"routes without a row in tests/fair/test_route_matrix.py: {missing}"
    stale = sorted(set(ROWS) - endpoints)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    assert app_sockets(app) == set(SOCKETS)
    vague = sorted(key for key, row in ROWS.items() if key[0] != "GET" and row.expect is None)
    assert not vague, f"POST rows must name the status allowed roles get: {vague}"
    aimless = sorted(
        k for k, row in ROWS.items() if (row.expect in REDIRECTS) != bool(row.location)
    )
    assert not aimless, f"a redirect row names where it points, and only a redirect: {aimless}"


async def test_route_by_role(matrix_app: Starlette) -> None:
    ids = await seed_matrix_fair(matrix_app)
    wrong: list[str] = []
    for last in (False, True):
        for role in ROLES:
            async with client_as(matrix_app, role) as client:
                token = await csrf_of(client, "/login")  # the session's, for every POST
                for (method, path), row in ROWS.items():
                    if row.last != last or (method, path) == ("POST", "/logout"):
                        continue  # logout would end this role's session for the rows after it
                    url = ids.fill(row.path or path, role)
                    response = await call(client, method, url, row, token)
                    expected = expected_answer(role, method, row, ids)
                    got = answer(response)
                    if got != expected:
                        wrong.append(f"{role:16} {method:4} {url} → {got} (expected {expected})")
    assert not wrong, "unexpected answers:\n" + "\n".join(wrong)


async def socket_answer(url: str, origin: str, headers: dict[str, str], wait: float) -> int | None:
    """The close code the server sends at once, or None when the socket stays open for
    ``wait`` seconds (refusals come right after the handshake)."""
    async with connect(
        url, compression=None, origin=Origin(origin), additional_headers=headers
    ) as socket:
        try:
            code, _reason = await closed_with(socket, timeout=wait)
        except TimeoutError:
            return None
        return code


async def test_websocket_by_role(
    matrix_app: Starlette, demo_database_url: str, tmp_path: Path
) -> None:
    """Every WebSocket route × every role over a real server: the allowed keep their
    socket, the others are closed with the route's refusal code."""
    ids = await seed_matrix_fair(matrix_app)
    wrong: list[str] = []
    with serving_app(demo_database_url, tmp_path, live_worker=False) as server:
        origin = f"http://127.0.0.1:{server.port}"  # as a page of the fair opens it
        for role in ROLES:
            headers: dict[str, str] = {}
            if role != "anonymous":
                async with http_to(server) as http:
                    await login(http, ACCOUNTS[role])
                    headers["Cookie"] = f"fair_session={http.cookies['fair_session']}"
            urls = [
                ws_url(server, ids.fill(row.path or path, role)) for path, row in SOCKETS.items()
            ]
            waits = [1.0 if role in row.allowed else 5.0 for row in SOCKETS.values()]
            answers = (
                socket_answer(u, origin, headers, w) for u, w in zip(urls, waits, strict=True)
            )
            codes = await asyncio.gather(*answers)
            for url, code, row in zip(urls, codes, SOCKETS.values(), strict=True):
                expected = None if role in row.allowed else row.refused
                if code != expected:
                    wrong.append(f"{role:16} {url} → {code} (expected {expected})")
    assert not wrong, "unexpected WebSocket answers:\n" + "\n".join(wrong)


@pytest.mark.parametrize("route", sorted(SOCKETS))
async def test_websocket_from_a_foreign_origin_is_refused(
    demo_server: AppServer, route: str
) -> None:
    """Every WebSocket route (SOCKETS, which test_every_route_has_a_row holds equal to the
    app's) refuses a foreign Origin before anything else: 1008, whatever the ids."""
    path = route.format(
        session_id=1, slug=OWN_BOOTH, token="any-token", appointment_id=1,
        request_id="0123456789abcdef0123456789abcdef",
    )  # fmt: skip
    url = demo_server.base_url.replace("http://", "ws://") + path
    async with connect(url, compression=None, origin="http://evil.example") as foreign:  # type: ignore[arg-type]
        assert await closed_with(foreign) == (1008, "foreign origin")
