"""A speaker cannot go live earlier than FAIR_GO_LIVE_WINDOW_MINUTES before the slot,
unless the moderation started the session: the refusal is a 409 naming the time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import pytest_asyncio
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.formatting import to_local
from fair.settings import Settings, SettingsError
from sessions.go_live import go_live_refusal
from sessions.models import LiveState, ProgrammeSession
from tests.support.app import login, make_client, make_settings, running_app
from tests.support.stage import SPEAKER, post_json, session_of, start_live

GARBAGE = {"sdp": "not sdp", "type": "offer"}  # past the window check it is a 400


@pytest_asyncio.fixture
async def windowed_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = make_settings(demo_database_url, tmp_path, go_live_window_minutes=15)
    async for app in running_app(settings):
        yield app


async def _move_clock_to(app: Starlette, session_id: int, before: timedelta) -> datetime:
    """Set the fair's clock to ``before`` the session's start; returns that start (UTC)."""
    async with app_services(app).db.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None
        starts_at = session.starts_at
    settings: Settings = app_services(app).settings
    local = to_local(starts_at - before, settings.time_zone)
    app_services(app).settings = settings.replace(today=local.strftime("%Y-%m-%dT%H:%M"))
    return starts_at


async def test_speaker_is_refused_before_the_window_with_the_time(
    windowed_app: Starlette,
) -> None:
    session_id = await session_of(windowed_app, SPEAKER)
    starts_at = await _move_clock_to(windowed_app, session_id, timedelta(minutes=40))
    opens = to_local(starts_at - timedelta(minutes=15), "Europe/Berlin").strftime("%H:%M")
    async with make_client(windowed_app) as speaker:
        await login(speaker, SPEAKER)
        response = await post_json(speaker, f"/sessions/{session_id}/live/publish", GARBAGE)
        assert response.status_code == 409
        assert f"ab {opens} Uhr" in response.json()["error"]
        assert "15 Minuten" in response.json()["error"]
        # inside the window the offer itself is read (and this one is refused as bad SDP)
        await _move_clock_to(windowed_app, session_id, timedelta(minutes=10))
        response = await post_json(speaker, f"/sessions/{session_id}/live/publish", GARBAGE)
        assert response.status_code == 400
    async with app_services(windowed_app).db.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None and session.live_state is LiveState.scheduled


async def test_moderation_start_lets_the_speaker_go_live_early(windowed_app: Starlette) -> None:
    session_id = await session_of(windowed_app, SPEAKER)
    await _move_clock_to(windowed_app, session_id, timedelta(hours=3))
    async with make_client(windowed_app) as speaker, make_client(windowed_app) as organiser:
        await login(speaker, SPEAKER)
        url = f"/sessions/{session_id}/live/publish"
        assert (await post_json(speaker, url, GARBAGE)).status_code == 409
        await login(organiser, "orga@example.org")
        # organisers themselves are never held back by the window
        assert (await post_json(organiser, url, GARBAGE)).status_code == 400
        started = await start_live(organiser, session_id)
        assert started.json() == {"state": "live"}
        assert (await post_json(speaker, url, GARBAGE)).status_code == 400


async def test_refusal_names_the_day_when_it_is_not_today() -> None:
    session = ProgrammeSession(
        starts_at=datetime(2026, 12, 1, 9, 0), live_state=LiveState.scheduled
    )
    speaker_at = partial(
        go_live_refusal, session, window_minutes=30, is_organiser=False, time_zone="Europe/Berlin"
    )
    refusal = speaker_at(datetime(2026, 11, 29, 11, 0))
    assert refusal is not None and "1. Dez" in refusal and "09:30" in refusal
    assert "30 Minuten" in refusal
    late = speaker_at(datetime(2026, 12, 1, 8, 35))
    assert late is None
    unlimited = go_live_refusal(
        session,
        datetime(2026, 11, 1),
        window_minutes=0,
        is_organiser=False,
        time_zone="Europe/Berlin",
    )
    assert unlimited is None


async def test_bad_window_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="FAIR_GO_LIVE_WINDOW_MINUTES"):
        Settings(go_live_window_minutes=-5).validate()
