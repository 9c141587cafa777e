"""Appointments on SQLite and PostgreSQL: publishing rules, booking with consent, the
race for one slot, the calendar invitation, cancel links, mails, dashboard, room access
and the aggregated counts."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from starlette.applications import Starlette

from booths import appointments as service
from booths.app_parts import booth_parts
from booths.models import Appointment, AppointmentSlot, BoothAppointmentStats
from booths.queries import get_booth
from fair.app_services import app_services
from fair.errors import HTTPError
from tests.support.app import csrf_of, login, make_client
from tests.support.app_server import BEFORE_THE_FAIR
from tests.support.appointment_helpers import (
    OTHER,
    OWN,
    book_slot,
    book_soon_and_later,
    contact_of,
    fair_clock_now,
    future_day,
    slot_at,
    slots_form,
    token_of,
)
from tests.support.booth_helpers import KRZ, app_with

pytestmark = pytest.mark.asyncio


async def _publish(
    app: Starlette, slug: str, contact_id: int, *, today: str = BEFORE_THE_FAIR, **changes: Any
) -> Any:
    """Publish slots as of the fair's clock set to ``today``."""
    day_id = await future_day(app_services(app).db)
    values: dict[str, Any] = {
        "contact_person_id": contact_id,
        "day_id": day_id,
        "first": time(10, 0),
        "last": time(11, 0),
        "minutes": 15,
    }
    values.update(changes)
    async with app_services(app).db.session() as db:
        booth = await get_booth(db, slug)
        slots = await service.publish_slots(
            db,
            booth,
            service.SlotPlan(**values),
            time_zone="Europe/Berlin",
            now=fair_clock_now(today),
        )
        await db.commit()
        return slots


async def test_publishing_cuts_slots_and_refuses_bad_times(demo_app: Starlette) -> None:
    _booth, contact = await contact_of(app_services(demo_app).db, OWN)
    slots = await _publish(demo_app, OWN, contact.id)
    assert len(slots) == 4
    # 10:00 Berlin in January is 09:00 UTC
    assert [s.starts_at.strftime("%H:%M") for s in slots] == ["09:00", "09:15", "09:30", "09:45"]

    cases = [
        ({"first": time(10, 30), "last": time(11, 30)}, 400, "überschneidet sich"),
        ({"first": time(7, 0), "last": time(9, 30)}, 400, "Öffnungszeiten 09:00–17:00"),
        ({"first": time(16, 30), "last": time(18, 0)}, 400, "Öffnungszeiten"),
        ({"first": time(12, 0), "last": time(12, 0)}, 400, "until"),
        ({"first": time(12, 0), "last": time(13, 0), "minutes": 7}, 400, "minutes"),
        ({"first": time(12, 0), "last": time(12, 10), "minutes": 15}, 400, "zu kurz"),
        ({"day_id": 999_999}, 400, "day"),
    ]
    for changes, status, text in cases:
        with pytest.raises(HTTPError) as caught:
            await _publish(demo_app, OWN, contact.id, **changes)
        assert caught.value.status_code == status, changes
        assert text in caught.value.message, (changes, caught.value.message)

    _other_booth, other_contact = await contact_of(app_services(demo_app).db, OTHER)
    with pytest.raises(HTTPError) as caught:
        await _publish(demo_app, OWN, other_contact.id, first=time(14, 0), last=time(15, 0))
    assert caught.value.status_code == 404

    # A day in the past of the fair's clock (set after the demo fair): refused as such
    async with app_services(demo_app).db.session() as db:
        from fair.models import EventDay

        first_day = await db.scalar(select(EventDay).order_by(EventDay.date).limit(1))
        assert first_day is not None
        past_id, opens = first_day.id, first_day.starts
    with pytest.raises(HTTPError) as caught:
        await _publish(
            demo_app,
            OWN,
            contact.id,
            day_id=past_id,
            first=opens,
            last=time(opens.hour + 1, 0),
            minutes=30,
            today="2026-12-10T12:00",
        )
    assert caught.value.status_code == 400 and "Vergangenheit" in caught.value.message
    async with app_services(demo_app).db.session() as db:
        count = await db.scalar(select(func.count()).select_from(AppointmentSlot))
    assert count == 4, "no refused publication left a slot behind"


async def test_booking_confirmation_calendar_and_cancel(demo_app: Starlette) -> None:
    slot_id = await slot_at(app_services(demo_app).db, OWN, timedelta(days=3))
    async with make_client(demo_app) as client:
        page = await client.get(f"/booths/{OWN}/appointments")
        assert page.status_code == 200
        assert f'value="{slot_id}"' in page.text

        assert "Zweck: Gesprächstermin mit" in page.text, "the appointment's own purpose"
        refused = await book_slot(client, slot_id, consent=False)
        assert refused.status_code == 400
        assert "consent" in refused.text
        bad_mail = await book_slot(client, slot_id, email="not-an-address")
        assert bad_mail.status_code == 400 and "email" in bad_mail.text
        async with app_services(demo_app).db.session() as db:
            assert await db.scalar(select(func.count()).select_from(Appointment)) == 0

        booked = await book_slot(client, slot_id)
        assert booked.status_code == 303, booked.text
        token = token_of(booked)
        confirmation = await client.get(f"/appointments/{token}?booked=1")
        assert confirmation.status_code == 200
        assert "E-Akte in kleinen Kommunen" in confirmation.text
        assert confirmation.headers["cache-control"] == "no-store"

        again = await client.get(f"/booths/{OWN}/appointments")
        assert f'value="{slot_id}"' not in again.text, "a booked slot is no longer offered"

        ics = await client.get(f"/appointments/{token}/termin.ics")
        assert ics.status_code == 200
        assert ics.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(ics.content)
        assert "BEGIN:VTIMEZONE" in ics.text and "TZID:Europe/Berlin" in ics.text
        event = calendar.walk("VEVENT")[0]
        async with app_services(demo_app).db.session() as db:
            slot = await db.get(AppointmentSlot, slot_id)
            assert slot is not None
        start = event.decoded("dtstart")
        assert str(start.tzinfo) == "Europe/Berlin"
        assert start.astimezone(tz=None).replace(tzinfo=None) is not None
        assert start.utcoffset() is not None
        assert (start - start.utcoffset()).replace(tzinfo=None) == slot.starts_at
        assert f"/appointments/{token}/room" in str(event.get("location"))
        assert "mailto:ada@example.org" in str(event.get("attendee"))

        forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
        for bad in (forged, "x" * 30, "x" * 5000):
            response = await client.get(f"/appointments/{bad}")
            assert response.status_code == 404, bad
            assert "ungültig" in response.text
        assert (await client.get("/appointments/%00")).status_code == 400

        csrf = await csrf_of(client, f"/appointments/{token}")
        cancelled = await client.post(f"/appointments/{token}/cancel", data={"csrf_token": csrf})
        assert cancelled.status_code == 200
        assert (await client.get(f"/appointments/{token}")).status_code == 404
        assert f'value="{slot_id}"' in (await client.get(f"/booths/{OWN}/appointments")).text

        rebooked = await book_slot(client, slot_id, email="grace@example.org")
        assert rebooked.status_code == 303

    async with app_services(demo_app).db.session() as db:
        stats = (await db.scalars(select(BoothAppointmentStats))).all()
        assert [(s.booked, s.held, s.cancelled) for s in stats] == [(2, 0, 1)]
        rows = (await db.scalars(select(Appointment))).all()
        assert [r.email for r in rows] == ["grace@example.org"], "cancelled data is deleted"
        assert rows[0].purpose in rows[0].consent_text, "the stored consent names its purpose"
        assert rows[0].purpose.startswith("Gesprächstermin mit")
        assert rows[0].retention_days == 180


async def test_booking_refuses_other_booths_slots_and_started_slots(demo_app: Starlette) -> None:
    foreign = await slot_at(app_services(demo_app).db, OTHER, timedelta(days=1))
    running = await slot_at(app_services(demo_app).db, OWN, timedelta(minutes=-5))
    async with make_client(demo_app) as client:
        offered = await client.get(f"/booths/{OWN}/appointments")
        assert f'value="{running}"' not in offered.text, "a running slot is not offered"
        response = await book_slot(client, foreign, OWN)
        assert response.status_code == 404
        response = await book_slot(client, running, OWN)
        assert response.status_code == 409 and "begonnen" in response.text
        response = await book_slot(client, 10**8, OWN)
        assert response.status_code == 404 and "Termin nicht gefunden" in response.text
    async with app_services(demo_app).db.session() as db:
        assert await db.scalar(select(func.count()).select_from(Appointment)) == 0


async def test_refused_bookings_do_not_use_up_the_limit(demo_app: Starlette) -> None:
    """The per-address limit counts the bookings and contact requests it accepts: a
    visitor who sends the form without consent six times still books on the seventh
    (the axe crawl met a 429 page where the form's error state should have been)."""
    slot = await slot_at(app_services(demo_app).db, OWN, timedelta(days=1))
    async with make_client(demo_app) as client:
        for _ in range(6):
            response = await book_slot(client, slot, consent=False)
            assert response.status_code == 400, response.status_code
        assert (await book_slot(client, slot)).status_code == 303


async def test_race_for_one_slot_has_one_winner(demo_database_url: str, tmp_path: Path) -> None:
    """Twelve visitors submit the same slot at once: one booking, eleven clear 409s."""
    async with app_with(demo_database_url, tmp_path) as app:
        booth_parts(app).contact_limiter.limit = 1000
        slot_id = await slot_at(app_services(app).db, OWN, timedelta(days=2))
        clients = [make_client(app) for _ in range(12)]
        try:
            tokens = [await csrf_of(c, f"/booths/{OWN}/appointments") for c in clients]
            responses = await asyncio.gather(
                *(
                    book_slot(c, slot_id, token=t, email=f"v{i}@example.org")
                    for i, (c, t) in enumerate(zip(clients, tokens, strict=True))
                )
            )
        finally:
            for c in clients:
                await c.aclose()
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303] + [409] * 11, statuses
        loser = next(r for r in responses if r.status_code == 409)
        assert "gerade von jemand anderem gebucht" in loser.text or "erneut" in loser.text
        async with app_services(app).db.session() as db:
            assert await db.scalar(select(func.count()).select_from(Appointment)) == 1
            stats = await db.scalar(select(BoothAppointmentStats))
            assert stats is not None and stats.booked == 1


async def test_mails_to_visitor_and_expert(
    demo_database_url: str, tmp_path: Path, smtp_server: Any
) -> None:
    async with app_with(demo_database_url, tmp_path, smtp_url=smtp_server.url) as app:
        _booth, contact = await contact_of(app_services(app).db, OWN)
        async with app_services(app).db.session() as db:
            from booths.models import ContactPerson

            person = await db.get(ContactPerson, contact.id)
            assert person is not None
            person.email = "expertin@krz.example.org"
            await db.commit()
        slot_id = await slot_at(app_services(app).db, OWN, timedelta(days=4))
        async with make_client(app) as client:
            client.cookies["fair_lang"] = "en"  # the visitor reads English
            response = await book_slot(client, slot_id)
            assert response.status_code == 303
            token = token_of(response)
            await app_services(app).mailer.drain()
            csrf = await csrf_of(client, f"/appointments/{token}")
            cancelled = await client.post(
                f"/appointments/{token}/cancel", data={"csrf_token": csrf}
            )
            assert cancelled.status_code == 200
        await app_services(app).mailer.drain()
    cancellations = smtp_server.wait_for(4)[2:]
    assert sorted(str(m["To"]) for m in cancellations) == [
        "ada@example.org",
        "expertin@krz.example.org",
    ]
    for mail in cancellations:
        part = next(iter(mail.iter_attachments()))
        assert part.get_param("method") == "CANCEL"
        event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
        assert str(event.get("status")) == "CANCELLED"
    mails = smtp_server.wait_for(2)
    by_to = {str(m["To"]): m for m in mails}
    visitor = by_to["ada@example.org"]
    expert = by_to["expertin@krz.example.org"]
    assert str(visitor["Subject"]).startswith("Your appointment at the booth")
    assert str(expert["Subject"]).startswith("Neuer Termin am Stand")
    text = visitor.get_body(("plain",)).get_content()
    assert "Hello Ada Lovelace," in text
    assert f"/appointments/{token}/room" in text and f"/appointments/{token}" in text
    attachments = list(visitor.iter_attachments())
    assert attachments[0].get_content_type() == "text/calendar"
    assert attachments[0].get_param("method") == "REQUEST"
    ics = Calendar.from_ical(attachments[0].get_content())
    assert ics.walk("VEVENT")[0].decoded("dtstart").tzinfo is not None
    expert_text = expert.get_body(("plain",)).get_content()
    assert "E-Akte in kleinen Kommunen" in expert_text and "/exhibitor" in expert_text
    assert token not in expert_text, "the visitor's secret link is not sent to the booth"


async def test_dashboard_and_staff_room_access(demo_app: Starlette) -> None:
    now_slot = await slot_at(app_services(demo_app).db, OWN, timedelta(minutes=5))
    later_slot = await slot_at(app_services(demo_app).db, OWN, timedelta(days=1))
    ids = await book_soon_and_later(demo_app, now_slot, later_slot)
    async with make_client(demo_app) as visitor:
        anonymous = await visitor.get("/exhibitor/appointments/1/room")
        assert anonymous.status_code == 401
    async with make_client(demo_app) as staff:
        await login(staff, KRZ)
        dashboard = await staff.get("/exhibitor")
        assert dashboard.status_code == 200
        assert "Ada Lovelace" in dashboard.text and "E-Akte in kleinen Kommunen" in dashboard.text
        assert f"/exhibitor/appointments/{ids[now_slot]}/room" in dashboard.text
        assert f"/exhibitor/appointments/{ids[later_slot]}/room" not in dashboard.text
        assert "öffnet zehn Minuten vor dem Termin" in dashboard.text
        room = await staff.get(f"/exhibitor/appointments/{ids[now_slot]}/room")
        assert room.status_code == 200 and 'data-call-url="/ws/exhibitor/appointments/' in room.text
        assert (
            await staff.get(f"/exhibitor/appointments/{ids[later_slot]}/room")
        ).status_code == 403
        assert (await staff.get("/exhibitor/appointments/99999999/room")).status_code == 404
        assert (await staff.get("/exhibitor/appointments/abc/room")).status_code == 404
    async with make_client(demo_app) as stranger:
        await login(stranger, "aussteller.gelsenkirchen@example.org")
        response = await stranger.get(f"/exhibitor/appointments/{ids[now_slot]}/room")
        assert response.status_code == 403


async def test_room_closes_after_slot_and_grace(demo_app: Starlette) -> None:
    slot_id = await slot_at(app_services(demo_app).db, OWN, timedelta(days=1))
    async with app_services(demo_app).db.session() as db:
        slot = await db.get(AppointmentSlot, slot_id)
        assert slot is not None
    opens, closes = service.room_window(slot)
    with pytest.raises(HTTPError) as caught:
        service.check_room_open(slot, now=opens - timedelta(seconds=1))
    assert caught.value.status_code == 403
    assert service.check_room_open(slot, now=opens) == closes
    with pytest.raises(HTTPError) as caught:
        service.check_room_open(slot, now=closes)
    assert caught.value.status_code == 410


async def test_slot_editor_pages(demo_app: Starlette) -> None:
    async with make_client(demo_app) as client:
        assert (await client.get(f"/booths/{OWN}/slots")).status_code == 401
        await login(client, KRZ)
        page = await client.get(f"/booths/{OWN}/slots")
        assert page.status_code == 200
        form = await slots_form(demo_app, client, "09:00", "10:00", "30")
        token = form["csrf_token"]
        ok = await client.post(f"/booths/{OWN}/slots", data=form)
        assert ok.status_code == 303
        overlap = await client.post(f"/booths/{OWN}/slots", data={**form, "from": "09:30"})
        assert overlap.status_code == 400 and "überschneidet" in overlap.text
        bad_time = await client.post(f"/booths/{OWN}/slots", data={**form, "from": "9 Uhr"})
        assert bad_time.status_code == 400 and "HH:MM" in bad_time.text
        other = await client.post(f"/booths/{OTHER}/slots", data=form)
        assert other.status_code == 403
        async with app_services(demo_app).db.session() as db:
            slot = await db.scalar(select(AppointmentSlot).order_by(AppointmentSlot.id))
            assert slot is not None
        removed = await client.post(
            f"/booths/{OWN}/slots/{slot.id}/delete", data={"csrf_token": token}
        )
        assert removed.status_code == 303
    async with app_services(demo_app).db.session() as db:
        assert await db.scalar(select(func.count()).select_from(AppointmentSlot)) == 1


async def test_expired_bookings_are_purged(demo_app: Starlette) -> None:
    slot_id = await slot_at(app_services(demo_app).db, OWN, timedelta(days=1))
    async with make_client(demo_app) as client:
        token = token_of(await book_slot(client, slot_id))
        async with app_services(demo_app).db.session() as db:
            appointment = await db.scalar(select(Appointment))
            assert appointment is not None
            appointment.expires_at = appointment.created_at - timedelta(days=1)
            await db.commit()
        assert (await client.get(f"/appointments/{token}")).status_code == 404


async def test_pages_keep_the_query_budget(demo_app: Starlette) -> None:
    """At most 4 SQL queries per page, the same for one slot as for many."""
    from tests.support.query_budget import counted_queries

    async def queries(client: Any, path: str) -> int:
        with counted_queries(demo_app) as statements:
            response = await client.get(path)
        assert response.status_code == 200, path
        return len(statements)

    first = await slot_at(app_services(demo_app).db, OWN, timedelta(minutes=5))
    async with make_client(demo_app) as client:
        token = token_of(await book_slot(client, first))
        await slot_at(app_services(demo_app).db, OWN, timedelta(days=1))
        one = await queries(client, f"/booths/{OWN}/appointments")
        for hours in range(2, 8):
            await slot_at(app_services(demo_app).db, OWN, timedelta(days=2, hours=hours))
        many = await queries(client, f"/booths/{OWN}/appointments")
        assert one == many <= 4, (one, many)
        assert await queries(client, f"/appointments/{token}") <= 4
        assert await queries(client, f"/appointments/{token}/room") <= 4


async def test_organisers_default_slot_length(demo_database_url: str, tmp_path: Path) -> None:
    from fair.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="FAIR_APPOINTMENT_MINUTES"):
        Settings.from_env({"FAIR_APPOINTMENT_MINUTES": "7"})
    async with (
        app_with(demo_database_url, tmp_path, appointment_minutes=15) as app,
        make_client(app) as client,
    ):
        await login(client, KRZ)
        page = await client.get(f"/booths/{OWN}/slots")
        assert '<option value="15" selected>' in page.text


async def test_bookings_do_not_empty_the_page_cache() -> None:
    """No cached public page shows slots or bookings: a booking drops no cached page."""
    from booths.models import Appointment, AppointmentSlot, BoothAppointmentStats
    from fair.changes import table_tag

    for model in (AppointmentSlot, Appointment, BoothAppointmentStats):
        assert table_tag(model.__table__) is None
