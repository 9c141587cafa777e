"""Every route × every role → the expected answer, on SQLite and PostgreSQL.

The rows come from one table keyed by the app's own route table: a route that is added
without a row here fails :func:`test_every_route_has_a_row`. Each route is tried by
anonymous visitors, an attendee account, an exhibitor of the booth in the URL and one of
another booth, a speaker of the session in the URL and one of another session, an
attendee account linked to a speaker of the session in the URL (its team without the
speaker role), and an organiser. Allowed roles must get past authorization (no 401/403,
never a 5xx); everyone else gets 401 (anonymous) or 403/404 (logged in, wrong role or
someone else's thing). Unsafe requests carry a valid CSRF token and a minimal form, so a
refusal is about rights, not about the token. WebSocket handshakes from a foreign
``Origin`` are refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from websockets.asyncio.client import connect

from booths.models import Booth, ContactPerson, Material
from fair.app_services import app_services
from fair.auth import create_user
from fair.models import Role
from fair.web import CSRF_HEADER
from sessions.models import ProgrammeSession, Question, SessionSpeaker, Speaker
from tests.support.app import csrf_of, login, make_client, make_settings, running_app
from tests.support.app_server import AppServer
from tests.support.realtime import closed_with

OWN_BOOTH = "owl-schueler-online"  # krz's booth
OTHER_BOOTH = "ge-buerger-app"  # stadt-gelsenkirchen's booth
OWN_SPEAKER = "Henning Wiebusch"

ACCOUNTS = {
    "attendee": "besucher@example.org",
    "exhibitor": "aussteller.krz@example.org",
    "other_exhibitor": "aussteller.gelsenkirchen@example.org",
    "speaker": "henning.wiebusch@example.org",
    "other_speaker": "nora.engels@example.org",
    "linked_speaker": "gastrednerin@example.org",  # attendee role, linked (demo_ids)
    "organiser": "orga@example.org",
}
ROLES = ("anonymous", *ACCOUNTS)  # organiser last: its allowed POSTs may change state

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
ORGANISER = frozenset({"organiser"})
BOOTH_TEAM = frozenset({"exhibitor", "organiser"})
EXHIBITORS = frozenset({"exhibitor", "other_exhibitor", "organiser"})
SESSION_TEAM = frozenset({"speaker", "linked_speaker", "organiser"})


@dataclass(frozen=True)
class Row:
    """Who may use a route; ``path`` fills the route's parameters from :class:`Ids`."""

    allowed: frozenset[str]
    path: str | None = None  # default: the route path with its parameters filled in
    data: tuple[tuple[str, str], ...] = ()


# (method, route path) → Row. GET rows also cover HEAD.
ROWS: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): Row(EVERYONE),
    ("GET", "/login"): Row(EVERYONE),
    ("POST", "/login"): Row(EVERYONE),
    ("POST", "/logout"): Row(EVERYONE),
    ("GET", "/invite/{token}"): Row(EVERYONE),  # an unknown token: 404 for all, no rights needed
    ("POST", "/invite/{token}"): Row(EVERYONE),
    ("GET", "/lang/{code}"): Row(EVERYONE, "/lang/en"),
    ("GET", "/organiser"): Row(ORGANISER),
    ("GET", "/booths"): Row(EVERYONE),
    ("GET", "/booths/{slug}"): Row(EVERYONE),
    ("POST", "/booths/{slug}/contact"): Row(EVERYONE),
    ("GET", "/booths/{slug}/logo"): Row(EVERYONE),
    ("POST", "/booths/{slug}/logo"): Row(BOOTH_TEAM),
    ("GET", "/booths/{slug}/edit"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/edit"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/contacts"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/contacts/{contact_id}"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/contacts/{contact_id}/delete"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/links"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/materials"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/materials/{material_id}"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/materials/{material_id}/delete"): Row(BOOTH_TEAM),
    ("GET", "/booths/{slug}/materials/{material_id}/download"): Row(EVERYONE),
    ("GET", "/exhibitor"): Row(EXHIBITORS),
    ("GET", "/exhibitor/leads.csv"): Row(EXHIBITORS),
    ("GET", "/organiser/booths"): Row(ORGANISER),
    ("POST", "/organiser/booths"): Row(ORGANISER),
    ("POST", "/organiser/booths/{slug}/exhibitors"): Row(ORGANISER),
    ("POST", "/organiser/booths/{slug}/exhibitors/remove"): Row(ORGANISER),
    ("GET", "/sessions/{session_id}/stage"): Row(SESSION_TEAM),
    ("GET", "/sessions/{session_id}/live"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/live/publish"): Row(SESSION_TEAM),
    ("POST", "/sessions/{session_id}/live/watch"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/live/{action:str}"): Row(
        SESSION_TEAM, "/sessions/{session_id}/live/end"
    ),
    ("GET", "/sessions/{session_id}/recordings/{recording_id}"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/recordings/{recording_id}/publish"): Row(ORGANISER),
    # live HLS (a talk that never went live: 404 for everyone, no rights needed)
    ("GET", "/sessions/{session_id}/hls/{name:path}"): Row(
        EVERYONE, "/sessions/{session_id}/hls/master.m3u8"
    ),
    ("GET", "/"): Row(EVERYONE),
    ("GET", "/programme"): Row(EVERYONE),
    ("GET", "/agenda"): Row(EVERYONE),
    ("GET", "/sessions/{session_id}"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/questions"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/questions/{question_id}/vote"): Row(EVERYONE),
    ("POST", "/sessions/{session_id}/questions/{question_id}/moderate"): Row(
        SESSION_TEAM, data=(("action", "hide"),)
    ),
    ("POST", "/sessions/{session_id}/questions/{question_id}/faq"): Row(
        ORGANISER, data=(("answer", "So geht das."),)
    ),
    ("GET", "/recordings"): Row(EVERYONE),
    ("GET", "/schedule.{ext}"): Row(EVERYONE, "/schedule.xml"),
    ("GET", "/organiser/programme"): Row(ORGANISER),
    ("GET", "/organiser/programme/new"): Row(ORGANISER),
    ("POST", "/organiser/programme/new"): Row(ORGANISER),
    ("GET", "/organiser/programme/import"): Row(ORGANISER),
    ("POST", "/organiser/programme/import"): Row(ORGANISER),
    ("GET", "/organiser/programme/{session_id}/edit"): Row(ORGANISER),
    ("POST", "/organiser/programme/{session_id}/edit"): Row(ORGANISER),
    ("POST", "/organiser/programme/{session_id}/move"): Row(ORGANISER),
    ("POST", "/organiser/programme/{session_id}/cancel"): Row(ORGANISER),
    ("GET", "/organiser/faq"): Row(ORGANISER),
    ("POST", "/organiser/faq"): Row(ORGANISER),
    ("GET", "/api/booths"): Row(EVERYONE),
    ("GET", "/api/booths/{slug}"): Row(EVERYONE),
    ("GET", "/api/sessions"): Row(EVERYONE),
    ("GET", "/api/sessions/{session_id}"): Row(EVERYONE),
    ("GET", "/api/recordings"): Row(EVERYONE),
    ("GET", "/api/openapi.json"): Row(EVERYONE),
    # appointments (issue 16): an unknown token or id answers 404 to everyone
    ("GET", "/booths/{slug}/appointments"): Row(EVERYONE),
    ("POST", "/booths/{slug}/appointments"): Row(EVERYONE),
    ("GET", "/booths/{slug}/slots"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/slots"): Row(BOOTH_TEAM),
    ("POST", "/booths/{slug}/slots/{slot_id}/delete"): Row(
        BOOTH_TEAM, "/booths/{slug}/slots/999999/delete"
    ),
    ("GET", "/appointments/{token}"): Row(EVERYONE),
    ("GET", "/appointments/{token}/termin.ics"): Row(EVERYONE),
    ("POST", "/appointments/{token}/cancel"): Row(EVERYONE),
    ("GET", "/appointments/{token}/room"): Row(EVERYONE),
    ("GET", "/exhibitor/appointments/{appointment_id}/room"): Row(
        frozenset({"exhibitor"}), "/exhibitor/appointments/999999/room"
    ),  # organisers may not enter a confidential call
    ("POST", "/appointments/{token}/relay"): Row(EVERYONE),  # the server relay (r2-16)
    ("POST", "/exhibitor/appointments/{appointment_id}/relay"): Row(
        frozenset({"exhibitor"}), "/exhibitor/appointments/999999/relay"
    ),
    ("GET", "/exhibitor/appointments/{appointment_id}/relay"): Row(
        frozenset({"exhibitor"}), "/exhibitor/appointments/999999/relay"
    ),
    ("GET", "/booths/{slug}/walkin"): Row(EVERYONE),
    ("POST", "/booths/{slug}/walkin"): Row(EVERYONE),
    # First start, accounts and the organisers' setup pages (issue 18).
    ("GET", "/setup/{token}"): Row(EVERYONE),  # an unknown token: 404 for all
    ("POST", "/setup/{token}"): Row(EVERYONE),
    ("GET", "/password/forgot"): Row(EVERYONE),
    ("POST", "/password/forgot"): Row(EVERYONE),
    ("GET", "/reset/{token}"): Row(EVERYONE),
    ("POST", "/reset/{token}"): Row(EVERYONE),
    ("GET", "/organisations/{organisation_id}/logo"): Row(EVERYONE, "/organisations/1/logo"),
    ("POST", "/organiser/organisations/{organisation_id}/logo"): Row(
        ORGANISER, "/organiser/organisations/1/logo"
    ),
    ("GET", "/organiser/series"): Row(ORGANISER),
    ("POST", "/organiser/series"): Row(ORGANISER),
    ("GET", "/organiser/series/{series_id}"): Row(ORGANISER, "/organiser/series/1"),
    ("POST", "/organiser/series/{series_id}"): Row(ORGANISER, "/organiser/series/1"),
    ("POST", "/organiser/series/{series_id}/days"): Row(ORGANISER, "/organiser/series/1/days"),
    ("POST", "/organiser/series/{series_id}/days/{day_id}"): Row(
        ORGANISER, "/organiser/series/1/days/1"
    ),
    ("GET", "/organiser/stages"): Row(ORGANISER),
    ("POST", "/organiser/stages"): Row(ORGANISER),
    ("POST", "/organiser/stages/{stage_id}"): Row(ORGANISER, "/organiser/stages/999999"),
    ("GET", "/organiser/topics"): Row(ORGANISER),
    ("POST", "/organiser/topics"): Row(ORGANISER),
    ("POST", "/organiser/topics/{topic_id}"): Row(ORGANISER, "/organiser/topics/999999"),
    ("GET", "/organiser/organisations"): Row(ORGANISER),
    ("POST", "/organiser/organisations"): Row(ORGANISER),
    ("POST", "/organiser/organisations/{organisation_id}"): Row(
        ORGANISER, "/organiser/organisations/1"
    ),
    ("GET", "/organiser/people"): Row(ORGANISER),
    ("POST", "/organiser/people"): Row(ORGANISER),
    ("POST", "/organiser/people/invitations/{invitation_id}"): Row(
        ORGANISER, "/organiser/people/invitations/999999"
    ),
    ("POST", "/organiser/people/{user_id}"): Row(ORGANISER, "/organiser/people/999999"),
    ("GET", "/organiser/publish"): Row(ORGANISER),
    ("POST", "/organiser/publish"): Row(ORGANISER),
    ("GET", "/organiser/audit"): Row(ORGANISER),
    # the fair after the event (issue 14)
    ("GET", "/recordings/{recording_id}"): Row(EVERYONE),
    ("GET", "/recordings/{recording_id}/chapters.vtt"): Row(EVERYONE),
    ("GET", "/recordings/{recording_id}/captions/{language}.vtt"): Row(
        EVERYONE, "/recordings/{recording_id}/captions/de.vtt"
    ),
    ("GET", "/recordings/{recording_id}/poster.jpg"): Row(EVERYONE),
    ("POST", "/recordings/{recording_id}/chapters"): Row(SESSION_TEAM),
    ("POST", "/recordings/{recording_id}/captions"): Row(SESSION_TEAM),
    ("GET", "/search"): Row(EVERYONE),
    ("POST", "/organiser/archive"): Row(ORGANISER, data=(("mode", "auto"),)),
    ("POST", "/sessions/{session_id}/recordings/upload"): Row(ORGANISER),
    ("POST", "/sessions/{session_id}/recording-opt-out"): Row(SESSION_TEAM),
    ("GET", "/sessions/{session_id}/recordings/compose"): Row(ORGANISER),
    ("POST", "/sessions/{session_id}/recordings/compose"): Row(ORGANISER),
    # issue 15: pictures, withdrawal, notifications, legal pages, branding, appearances
    ("POST", "/booths/{slug}/cover"): Row(BOOTH_TEAM),
    ("GET", "/booths/{slug}/images/{kind}/{version}/{name}"): Row(
        EVERYONE, "/booths/{slug}/images/logo/0123456789abcdef/96.png"
    ),
    ("GET", "/contact-requests/withdraw/{token}"): Row(EVERYONE),
    ("POST", "/contact-requests/withdraw/{token}"): Row(EVERYONE),
    ("POST", "/exhibitor/notifications"): Row(EXHIBITORS, data=(("lead_mail", "daily"),)),
    ("GET", "/exhibitor/unread.json"): Row(EXHIBITORS),
    ("GET", "/impressum"): Row(EVERYONE),
    ("GET", "/datenschutz"): Row(EVERYONE),
    ("GET", "/barrierefreiheit"): Row(EVERYONE),
    # BITV 2.0 explanations (issue 19); no video published yet: 404 for everyone
    ("GET", "/leichte-sprache"): Row(EVERYONE),
    ("GET", "/gebaerdensprache"): Row(EVERYONE),
    ("GET", "/gebaerdensprache/video"): Row(EVERYONE),
    ("POST", "/organiser/legal/gebaerdensprache/video"): Row(ORGANISER),
    ("GET", "/organiser/legal/{slug}"): Row(ORGANISER, "/organiser/legal/impressum"),
    ("POST", "/organiser/legal/{slug}"): Row(
        ORGANISER, "/organiser/legal/impressum", (("body_de", "Rathaus"), ("body_en", "Town hall"))
    ),
    ("GET", "/branding.css"): Row(EVERYONE),
    ("GET", "/organiser/branding"): Row(ORGANISER),
    ("POST", "/organiser/branding"): Row(ORGANISER, data=(("name", "fair"), ("accent", "#0b5cad"))),
    ("POST", "/organiser/branding/{kind}"): Row(ORGANISER, "/organiser/branding/favicon"),
    ("GET", "/branding/{kind}/{version}/{name}"): Row(
        EVERYONE, "/branding/favicon/0123456789abcdef/32.png"
    ),
    ("POST", "/organiser/days/{day_id}/mark"): Row(ORGANISER, "/organiser/days/1/mark"),
    ("GET", "/days/{day_id}/mark/{version}/{name}"): Row(
        EVERYONE, "/days/1/mark/0123456789abcdef/96.png"
    ),
    ("GET", "/speaker"): Row(SESSION_TEAM | {"other_speaker"}),
    # a talk's own slides and files (issue 14); the booth material id is no session's: 404
    ("GET", "/sessions/{session_id}/materials"): Row(SESSION_TEAM),
    ("POST", "/sessions/{session_id}/materials"): Row(SESSION_TEAM),
    ("POST", "/sessions/{session_id}/materials/{material_id}"): Row(
        SESSION_TEAM, data=(("title", "Folien"),)
    ),
    ("POST", "/sessions/{session_id}/materials/{material_id}/move"): Row(
        SESSION_TEAM, data=(("direction", "up"),)
    ),
    ("POST", "/sessions/{session_id}/materials/{material_id}/delete"): Row(SESSION_TEAM),
    ("GET", "/sessions/{session_id}/materials/{material_id}/download.{ext}"): Row(
        EVERYONE, "/sessions/{session_id}/materials/{material_id}/download.pdf"
    ),
}

# WebSocket routes: open to every visitor, but only from the fair's own origin.
WEBSOCKETS = {
    "/ws/sessions/{session_id}",
    "/ws/booths/{slug}",
    "/ws/appointments/{token}",
    "/ws/exhibitor/appointments/{appointment_id}",
    "/ws/booths/{slug}/walkin/{request_id}",
    "/ws/exhibitor/booths/{slug}/walkin",
    "/ws/programme",
}
WS_PATHS = ("/ws/sessions/1", f"/ws/booths/{OWN_BOOTH}", "/ws/programme")
# Sockets behind a secret link or a login: from the fair's own origin they refuse an
# unknown link (4404) or a visitor without rights (4403), never the origin.
WS_GUARDED_PATHS = ("/ws/appointments/unknown-token", f"/ws/exhibitor/booths/{OWN_BOOTH}/walkin")


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


@dataclass
class Ids:
    """Concrete values for the route parameters, from the demo fair."""

    slug: str
    contact_id: int
    material_id: int
    session_id: int
    question_id: int
    recording_id: int = 999_999
    token: str = "unknown-token"

    def fill(self, path: str) -> str:
        return path.replace("{action:str}", "end").format(
            slug=self.slug, contact_id=self.contact_id, material_id=self.material_id,
            session_id=self.session_id, question_id=self.question_id,
            recording_id=self.recording_id, token=self.token, code="en", ext="xml",
        )  # fmt: skip


async def demo_ids(app: Starlette) -> Ids:
    async with app_services(app).db.session() as db:
        booth_id = await db.scalar(select(Booth.id).where(Booth.slug == OWN_BOOTH))
        contact_id = await db.scalar(
            select(ContactPerson.id).where(ContactPerson.booth_id == booth_id).limit(1)
        )
        material_id = await db.scalar(
            select(Material.id).where(Material.booth_id == booth_id).limit(1)
        )
        session_id = await db.scalar(
            select(SessionSpeaker.session_id)
            .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
            .where(Speaker.name == OWN_SPEAKER)
            .limit(1)
        )
        assert session_id is not None and contact_id is not None and material_id is not None
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None
        question = Question(session_id=session_id, author_name="Gast", body="Wie geht das?")
        db.add(question)
        await create_user(
            db, email=ACCOUNTS["attendee"], name="Besucherin", role=Role.attendee,
            password="demo-passwort",
        )  # fmt: skip
        guest = await create_user(
            db, email=ACCOUNTS["linked_speaker"], name="Gastrednerin", role=Role.attendee,
            password="demo-passwort",
        )  # fmt: skip
        speaker = Speaker(name="Gastrednerin", user_id=guest.id)
        db.add(speaker)
        await db.flush()
        db.add(SessionSpeaker(session_id=session_id, speaker_id=speaker.id, position=9))
        await db.commit()
        return Ids(OWN_BOOTH, contact_id, material_id, session_id, question.id)


@pytest_asyncio.fixture
async def matrix_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = make_settings(demo_database_url, tmp_path, live_worker=False)
    async for app in running_app(settings):
        yield app


@asynccontextmanager
async def client_as(app: Starlette, role: str) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as client:
        if role != "anonymous":
            await login(client, ACCOUNTS[role])
        yield client


async def call(client: httpx.AsyncClient, method: str, url: str, row: Row) -> httpx.Response:
    if method == "GET":
        return await client.get(url)
    token = await csrf_of(client, "/login")
    data: dict[str, Any] = {"csrf_token": token, **dict(row.data)}
    return await client.request(method, url, data=data, headers={CSRF_HEADER: token})


def test_every_route_has_a_row(tmp_path: Path) -> None:
    from fair.app import create_app

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path))
    endpoints = app_endpoints(app)
    missing = sorted(endpoints - set(ROWS))
    assert not missing, f"routes without a row in tests/fair/test_route_matrix.py: {missing}"
    stale = sorted(set(ROWS) - endpoints)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    sockets = {r.path for r in app.routes if isinstance(r, WebSocketRoute)}
    assert sockets == WEBSOCKETS


async def test_route_by_role(matrix_app: Starlette) -> None:
    ids = await demo_ids(matrix_app)
    wrong: list[str] = []
    for role in ROLES:
        async with client_as(matrix_app, role) as client:
            for (method, path), row in ROWS.items():
                if (method, path) == ("POST", "/logout"):
                    continue  # would end this role's session for the rows after it
                url = ids.fill(row.path or path)
                response = await call(client, method, url, row)
                status = response.status_code
                if role in row.allowed:
                    ok = status < 500 and status not in (401, 403)
                elif role == "anonymous":
                    ok = status == 401 or (
                        status == 303 and "/login" in response.headers.get("location", "")
                    )
                else:
                    ok = status in (403, 404)
                if not ok:
                    wrong.append(f"{role:16} {method:4} {url} → {status}")
    assert not wrong, "unexpected answers:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", WS_PATHS)
async def test_websocket_from_a_foreign_origin_is_refused(
    demo_server: AppServer, path: str
) -> None:
    """Every WebSocket route (WEBSOCKETS) over a real server: foreign Origin → 1008."""
    covered = WS_PATHS + WS_GUARDED_PATHS
    assert {p.split("/")[2] for p in WEBSOCKETS} == {path.split("/")[2] for path in covered}
    url = demo_server.base_url.replace("http://", "ws://") + path
    async with connect(url, compression=None, origin="http://evil.example") as foreign:  # type: ignore[arg-type]
        assert await closed_with(foreign) == (1008, "foreign origin")
    async with connect(url, compression=None, origin=demo_server.base_url) as own:  # type: ignore[arg-type]
        with pytest.raises(TimeoutError):
            await closed_with(own, timeout=0.5)
        assert own.close_code is None


@pytest.mark.parametrize("path", WS_GUARDED_PATHS)
async def test_guarded_websocket_refuses_a_foreign_origin_first(
    demo_server: AppServer, path: str
) -> None:
    url = demo_server.base_url.replace("http://", "ws://") + path
    async with connect(url, compression=None, origin="http://evil.example") as foreign:  # type: ignore[arg-type]
        assert await closed_with(foreign) == (1008, "foreign origin")
    async with connect(url, compression=None, origin=demo_server.base_url) as own:  # type: ignore[arg-type]
        code, _reason = await closed_with(own)
        assert code in (4403, 4404)
