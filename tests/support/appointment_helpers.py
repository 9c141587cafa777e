"""Helpers for the appointment tests: a future event day, slots at chosen times on the
fair's clock, and a booking through the real form."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from booths import appointments as service
from booths.models import Appointment, AppointmentSlot, Booth, ContactPerson
from booths.queries import get_booth
from fair.app_services import app_services
from fair.clock import fair_now
from fair.db import Database
from fair.models import EventDay, Organisation
from tests.support.app import DEMO_PASSWORD, csrf_of, make_client
from tests.support.app_server import BEFORE_THE_FAIR, AppServer
from tests.support.booth_helpers import KRZ

FUTURE_DAY = date(2031, 1, 15)
OWN = "owl-schueler-online"  # krz's booth, with contact persons
OTHER = "ge-buerger-app"


async def future_day(db_factory: Database) -> int:
    """An event day years ahead, open 09:00–17:00 (the demo days are in the past
    or today, whatever the test's clock says)."""
    async with db_factory.session() as db:
        existing = await db.scalar(select(EventDay.id).where(EventDay.date == FUTURE_DAY))
        if existing is not None:
            return int(existing)
        template = await db.scalar(select(EventDay).limit(1))
        assert template is not None
        day = EventDay(
            series_id=template.series_id,
            date=FUTURE_DAY,
            title="Zukunftstag",
            host_id=template.host_id,
            starts=time(9, 0),
            ends=time(17, 0),
        )
        db.add(day)
        await db.commit()
        return day.id


async def contact_of(db_factory: Database, slug: str) -> tuple[Booth, ContactPerson]:
    async with db_factory.session() as db:
        booth = await db.scalar(select(Booth).where(Booth.slug == slug))
        assert booth is not None
        contact = await db.scalar(
            select(ContactPerson)
            .where(ContactPerson.booth_id == booth.id)
            .order_by(ContactPerson.id)
            .limit(1)
        )
        if contact is None:
            contact = ContactPerson(booth_id=booth.id, name="Erika Expertin", email="")
            db.add(contact)
            await db.commit()
        return booth, contact


async def slots_form(
    app: Starlette, staff: httpx.AsyncClient, start: str, until: str, minutes: str
) -> dict[str, str]:
    """The slot editor's form for krz's booth (``staff`` logged in as krz): slots of
    ``minutes`` from ``start`` to ``until`` on the future event day, for the booth's
    first contact person, with a fresh CSRF token (good for the editor's other forms)."""
    _booth, contact = await contact_of(app_services(app).db, OWN)
    day_id = await future_day(app_services(app).db)
    return {
        "csrf_token": await csrf_of(staff, f"/booths/{OWN}/slots"),
        "contact": str(contact.id),
        "day": str(day_id),
        "from": start,
        "until": until,
        "minutes": minutes,
    }


def fair_clock_now(today: str = BEFORE_THE_FAIR) -> datetime:
    """The test fair's "now" (naive UTC): what ``Settings.now()`` gives every test app
    and app server, whose ``FAIR_TODAY`` is ``BEFORE_THE_FAIR`` unless a test sets
    another. Appointments follow this clock, never the wall clock."""
    return fair_now(today, "Europe/Berlin")


async def slot_at(
    db_factory: Database,
    slug: str,
    starts_in: timedelta,
    minutes: int = 30,
    *,
    now: datetime | None = None,
) -> int:
    """A slot starting ``starts_in`` from the fair's now (``now``, by default the test
    fair's; negative: already running), inserted directly, since the publishing rules
    refuse the past by design."""
    booth, contact = await contact_of(db_factory, slug)
    start = (now or fair_clock_now()).replace(microsecond=0) + starts_in
    async with db_factory.session() as db:
        slot = AppointmentSlot(
            booth_id=booth.id,
            contact_person_id=contact.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
        )
        db.add(slot)
        await db.commit()
        return slot.id


async def slots_at(database_url: str, slug: str, *starts_in: timedelta) -> list[int]:
    """Slots of ``slug`` starting at each of ``starts_in`` (in that order), for fixtures
    that have a database URL but no app yet."""
    database = Database(database_url)
    try:
        return [await slot_at(database, slug, offset) for offset in starts_in]
    finally:
        await database.dispose()


async def book_slot(
    client: httpx.AsyncClient,
    slot_id: int,
    slug: str = OWN,
    *,
    token: str | None = None,
    email: str = "ada@example.org",
    consent: bool = True,
) -> httpx.Response:
    token = token or await csrf_of(client, f"/booths/{slug}/appointments")
    data = {
        "csrf_token": token,
        "slot": str(slot_id),
        "name": "Ada Lovelace",
        "email": email,
        "topic": "E-Akte in kleinen Kommunen",
    }
    if consent:
        data["consent"] = "yes"
    return await client.post(f"/booths/{slug}/appointments", data=data)


def token_of(response: httpx.Response) -> str:
    match = re.match(r"^/appointments/([^/?]+)\?booked=1$", response.headers["location"])
    assert match, response.headers.get("location")
    return match.group(1)


async def book_soon_and_later(app: Starlette, soon: int, later: int) -> dict[int, int]:
    """A visitor books the slots ``soon`` (starting within ten minutes) and ``later``
    (tomorrow) through the form: the first room lets them in, the second says it opens
    later (403). The appointments' ids by slot id, for the expert's side."""
    async with make_client(app) as visitor:
        token_soon = token_of(await book_slot(visitor, soon))
        token_later = token_of(await book_slot(visitor, later))
        assert (await visitor.get(f"/appointments/{token_soon}/room")).status_code == 200
        early = await visitor.get(f"/appointments/{token_later}/room")
        assert early.status_code == 403 and "öffnet erst" in early.text
    async with app_services(app).db.session() as db:
        return {a.slot_id: a.id for a in (await db.scalars(select(Appointment))).all()}


async def organisation_name(app: Starlette, slug: str) -> str:
    async with app_services(app).db.session() as db:
        name = await db.scalar(
            select(Organisation.name)
            .join(Booth, Booth.organisation_id == Organisation.id)
            .where(Booth.slug == slug)
        )
        return str(name)


async def book(database_url: str, slot_id: int, *, now: datetime | None = None) -> tuple[str, int]:
    """Book directly (``now`` in the past books a slot that has begun, which the form
    refuses; tests set that up)."""
    database = Database(database_url)
    try:
        async with database.session() as db:
            booth = await get_booth(db, OWN)
            booking = await service.book(
                db,
                booth,
                service.BookingInput(slot_id, "Vera Visitor", "vera@example.org", "Test", True),
                secret_key=SECRET,
                now=now or fair_clock_now(),
            )
            await db.commit()
            return booking.token, booking.appointment.id
    finally:
        await database.dispose()


async def booked_at(database_url: str, slug: str, *starts_in: timedelta) -> list[tuple[str, int]]:
    """Slots of ``slug`` starting at each of ``starts_in``, each booked directly: the
    (secret link token, appointment id) of each, in that order, for the call fixtures."""
    return [
        await book(database_url, slot) for slot in await slots_at(database_url, slug, *starts_in)
    ]


async def logged_in_expert(context: Any, base_url: str) -> Any:
    """A new page of the browser ``context``, krz's expert logged in through the form."""
    expert = await context.new_page()
    await expert.goto(f"{base_url}/login")
    await expert.fill("input[name=email]", KRZ)
    await expert.fill("input[name=password]", DEMO_PASSWORD)
    await expert.click("form[action='/login'] button[type=submit]")
    return expert


RELAYED_FRAMES = """() => [...document.querySelectorAll(
    '.call-tile:not(.call-self):not([hidden]) video[data-relay-line]:not([hidden])')]
  .filter((v) => v.srcObject && v.videoWidth > 0)
  .map((v) => v.getVideoPlaybackQuality().totalVideoFrames)"""
"""Decoded-frame counts of the remote pictures that came through the server's relay."""


#: What a failing call test reports: relay or direct, the status line, the remote videos.
CALL_STATE = """() => ({
  relay: document.querySelector('[data-relay-url]')?.dataset.relay || 'off',
  status: document.querySelector('[data-call-status]')?.textContent,
  closed: document.querySelector('[data-relay-url]')?.dataset.closed,
  videos: [...document.querySelectorAll('.call-tile:not(.call-self) video')].map((v) => ({
    visible: v.checkVisibility(),
    width: v.videoWidth,
    tracks: v.srcObject ? v.srcObject.getTracks().map((t) => t.kind + ':' + t.readyState) : [],
  })),
})"""


async def frames_advance(page: Any, frames: str, minimum: int) -> list[int]:
    """Wait until the script ``frames`` (a list of decoded-frame counts, one per remote
    video that shows a picture) lists ``minimum`` videos, then check that every one of
    them decodes new frames over 1.5 s: a picture that is there and moving. The counts.

    The wait allows for the relay fallback: a direct connection gets 20 s (``DIRECT_TIMEOUT``
    in static/js/call.js) before both sides move to the server's relay."""
    try:
        await page.wait_for_function(f"() => ({frames})().length >= {minimum}", timeout=45_000)
    except Exception as timeout:
        state = await page.evaluate(CALL_STATE)
        raise AssertionError(f"no {minimum} moving remote picture(s): {state}") from timeout
    before = await page.evaluate(frames)
    await page.wait_for_timeout(1500)
    after = await page.evaluate(frames)
    assert len(after) >= minimum
    assert all(b > a for a, b in zip(before, after, strict=False)), (before, after)
    return list(after)


async def staff_cookie(server: AppServer) -> str:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        page = await client.get("/login")
        marker = '<meta name="csrf-token" content="'
        start = page.text.index(marker) + len(marker)
        token = page.text[start : page.text.index('"', start)]
        response = await client.post(
            "/login", data={"email": KRZ, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


SECRET = "app-server-test-secret"
