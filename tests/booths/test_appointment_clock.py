"""Appointments follow the fair's clock (``FAIR_TODAY``), not the wall clock: which slots
are offered and bookable, whether a time is "in the past" when slots are published, when
the call room opens, what the dashboard links, and when a booking can still be cancelled.

The fair is pinned to 10:00 on a day years ahead, so under the wall clock every one of
these answers would be the opposite (everything on that day still to come).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from starlette.applications import Starlette

from fair.app_services import app_services
from tests.support.app import csrf_of, login, make_client
from tests.support.appointment_helpers import (
    FUTURE_DAY,
    OWN,
    book_slot,
    book_soon_and_later,
    fair_clock_now,
    future_day,
    slot_at,
    slots_form,
    token_of,
)
from tests.support.booth_helpers import KRZ, app_with

pytestmark = pytest.mark.asyncio

FAIR_TODAY = f"{FUTURE_DAY.isoformat()}T10:00"
"""10:00 local on the future event day (open 09:00–17:00)."""


@pytest_asyncio.fixture
async def app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    async with app_with(demo_database_url, tmp_path, today=FAIR_TODAY) as pinned:
        await future_day(app_services(pinned).db)
        yield pinned


async def _slot(app: Starlette, starts_in: timedelta, minutes: int = 30) -> int:
    return await slot_at(
        app_services(app).db, OWN, starts_in, minutes, now=fair_clock_now(FAIR_TODAY)
    )


async def test_offered_and_bookable_slots_follow_the_fair_clock(app: Starlette) -> None:
    begun = await _slot(app, timedelta(minutes=-10))
    coming = await _slot(app, timedelta(hours=2))
    async with make_client(app) as visitor:
        page = await visitor.get(f"/booths/{OWN}/appointments")
        assert f'value="{coming}"' in page.text
        assert f'value="{begun}"' not in page.text, "a slot that began on the fair's clock"
        refused = await book_slot(visitor, begun)
        assert refused.status_code == 409 and "begonnen" in refused.text
        assert (await book_slot(visitor, coming)).status_code == 303


async def test_publishing_refuses_what_is_past_on_the_fair_clock(app: Starlette) -> None:
    async with make_client(app) as staff:
        await login(staff, KRZ)
        form = await slots_form(app, staff, "09:00", "09:30", "15")
        past = await staff.post(f"/booths/{OWN}/slots", data=form)
        assert past.status_code == 400 and "Vergangenheit" in past.text
        ok = await staff.post(
            f"/booths/{OWN}/slots", data={**form, "from": "11:00", "until": "11:30"}
        )
        assert ok.status_code == 303


async def test_rooms_open_and_dashboard_links_follow_the_fair_clock(app: Starlette) -> None:
    soon = await _slot(app, timedelta(minutes=5))
    tomorrow = await _slot(app, timedelta(days=1))
    ids = await book_soon_and_later(app, soon, tomorrow)
    async with make_client(app) as staff:
        await login(staff, KRZ)
        dashboard = await staff.get("/exhibitor")
        assert f"/exhibitor/appointments/{ids[soon]}/room" in dashboard.text
        assert f"/exhibitor/appointments/{ids[tomorrow]}/room" not in dashboard.text
        room = await staff.get(f"/exhibitor/appointments/{ids[soon]}/room")
        assert room.status_code == 200


async def test_a_booking_over_on_the_fair_clock_cannot_be_cancelled(app: Starlette) -> None:
    slot_id = await _slot(app, timedelta(hours=1))
    async with make_client(app) as visitor:
        token = token_of(await book_slot(visitor, slot_id))
    # two hours on, on the fair's clock (the slot ran 11:00–11:30)
    services = app_services(app)
    services.settings = services.settings.replace(today=f"{FUTURE_DAY.isoformat()}T12:00")
    async with make_client(app) as visitor:
        csrf = await csrf_of(visitor, f"/appointments/{token}")
        over = await visitor.post(f"/appointments/{token}/cancel", data={"csrf_token": csrf})
        assert over.status_code == 409 and "vorbei" in over.text
