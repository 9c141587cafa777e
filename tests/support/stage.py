"""The live stage as a speaker meets it: the demo speaker, their recorded session, login in
Chromium, going live, counting decoded frames, and the stage's JSON posts over HTTP."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.models import User
from sessions.models import (
    ProgrammeSession,
    SessionSpeaker,
    Speaker,
)
from tests.support.app import DEMO_PASSWORD, csrf_of
from tests.support.journey_helpers import poll

SPEAKER = "henning.wiebusch@example.org"


def speaker_session(db_path: Path, email: str) -> int:
    """A session of ``email``'s speaker that will be recorded."""
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            """SELECT ps.id FROM programme_sessions ps
               JOIN session_speakers ss ON ss.session_id = ps.id
               JOIN speakers sp ON sp.id = ss.speaker_id
               JOIN users u ON u.id = sp.user_id
               WHERE u.email = ? AND ps.do_not_record = 0 ORDER BY ps.id LIMIT 1""",
            (email,),
        ).fetchone()
    assert row, f"{email} speaks in no recorded session"
    return int(row[0])


async def browser_login(page: Any, base: str, email: str) -> None:
    await page.goto(f"{base}/login?next=/")  # stay on the home page, not the role home
    await page.fill("#email", email)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url(f"{base}/")


async def frames_decoded(page: Any) -> int:
    return int(
        await page.evaluate(
            """() => Math.max(0, ...[...document.querySelectorAll('[data-live-player] video')]
                 .map(v => v.getVideoPlaybackQuality().totalVideoFrames))"""
        )
    )


async def go_live(context: Any, base: str, email: str, session_id: int) -> Any:
    page = await context.new_page()
    await browser_login(page, base, email)
    await page.goto(f"{base}/sessions/{session_id}/stage")
    await page.click("[data-stage-camera]")
    await page.wait_for_selector("[data-stage-go-live]:not([disabled])")
    await page.click("[data-stage-go-live]")
    await page.wait_for_selector(".stage[data-state='live']", timeout=20_000)
    return page


async def tile_frames(page: Any) -> list[int]:
    return list(
        await page.evaluate(
            """() => [...document.querySelectorAll('[data-live-player] video')]
                 .filter(v => !v.hidden).map(v => v.getVideoPlaybackQuality().totalVideoFrames)"""
        )
    )


# One waiting helper for browser and stage tests (tests.support.journey_helpers.poll).
wait_or_fail = poll


async def session_of(app: Starlette, email: str, *, own: bool = True) -> int:
    """A session where ``email`` speaks (``own``), or one where they do not."""
    async with app_services(app).db.session() as db:
        user_id = await db.scalar(select(User.id).where(User.email == email))
        mine = select(SessionSpeaker.session_id).join(Speaker).where(Speaker.user_id == user_id)
        query = select(ProgrammeSession.id).order_by(ProgrammeSession.id).limit(1)
        if own:
            query = query.where(ProgrammeSession.id.in_(mine))
        else:
            query = query.where(ProgrammeSession.id.not_in(mine))
        session_id = await db.scalar(query)
    assert session_id is not None
    return int(session_id)


async def post_json(client: httpx.AsyncClient, url: str, payload: Any) -> httpx.Response:
    token = await csrf_of(client, "/")
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return await client.post(
        url, content=body, headers={"content-type": "application/json", "x-csrf-token": token}
    )
