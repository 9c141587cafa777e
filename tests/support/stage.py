"""The live stage as a speaker meets it: the demo speaker, their recorded session, login in
Chromium, going live, a room of speaker and viewer pages (:func:`live_room`), counting
decoded frames, and the stage's JSON posts over HTTP."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from sqlalchemy import Select, select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.models import User
from sessions.models import (
    ProgrammeSession,
    SessionSpeaker,
    Speaker,
)
from tests.support.app import DEMO_PASSWORD, csrf_of, login
from tests.support.app_server import AppServer

SPEAKER = "henning.wiebusch@example.org"
ORGANISER = "orga@example.org"


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


def recordings_of(db_path: Path, session_id: int) -> list[tuple[str, str, float]]:
    """(storage key, playlist key, duration) of each recording the session has stored."""
    with sqlite3.connect(db_path) as connection:
        return connection.execute(
            "SELECT storage_key, playlist_key, duration_seconds FROM recordings"
            " WHERE session_id = ?",
            (session_id,),
        ).fetchall()


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


async def open_stage(context: Any, base: str, email: str, session_id: int) -> Any:
    """A new page of ``context``, logged in as ``email``, on the session's stage."""
    page = await context.new_page()
    await browser_login(page, base, email)
    await page.goto(f"{base}/sessions/{session_id}/stage")
    return page


async def camera_on(stage: Any) -> None:
    """Switch the stage page's (fake) camera on; "go live" becomes possible."""
    await stage.click("[data-stage-camera]")
    await stage.wait_for_selector("[data-stage-go-live]:not([disabled])")


async def publish(stage: Any) -> None:
    """Press "go live" and wait until the stage says it is live."""
    await stage.click("[data-stage-go-live]")
    await stage.wait_for_selector(".stage[data-state='live']", timeout=20_000)


async def join(viewer: Any, timeout: float = 10_000) -> None:
    """On an open session page: wait for the live player, then press "watch live"."""
    await viewer.wait_for_selector(".live[data-state='live']", timeout=timeout)
    await viewer.click("[data-live-join]")


SpeakerStep = Literal["stage", "camera", "live"]


@dataclass
class LiveRoom:
    """A talk in Chromium: the speakers' stage pages and every browser context opened for
    the talk (speakers' and viewers'), all closed together when the room closes."""

    browser: Any
    server: AppServer
    session_id: int
    speakers: list[Any] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.server.base_url

    @property
    def speaker(self) -> Any:
        return self.speakers[0]

    async def context(self, **options: Any) -> Any:
        context = await self.browser.new_context(**options)
        self.contexts.append(context)
        return context

    async def visitor(self, init_script: str | None = None, **listeners: Any) -> Any:
        """A fresh visitor (own context, no login) on the session page; ``listeners`` are
        page events (``pageerror=...``, ``console=...``) hooked before the page loads."""
        context = await self.context()
        if init_script is not None:
            await context.add_init_script(init_script)
        page = await context.new_page()
        for event, handler in listeners.items():
            page.on(event, handler)
        await page.goto(f"{self.base}/sessions/{self.session_id}")
        return page

    async def watch(
        self, init_script: str | None = None, timeout: float = 10_000, **listeners: Any
    ) -> Any:
        """A visitor who joins the live talk."""
        page = await self.visitor(init_script, **listeners)
        await join(page, timeout)
        return page

    async def end(self) -> None:
        """The (first) speaker ends the talk on the stage and confirms the browser's question."""
        self.speaker.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await self.speaker.click("form[data-confirm] button[type=submit]")
        await self.speaker.wait_for_url(f"{self.base}/sessions/{self.session_id}/stage")


@asynccontextmanager
async def live_room(
    browser: Any,
    served: tuple[AppServer, Path],
    *speakers: str,
    until: SpeakerStep = "live",
) -> AsyncIterator[LiveRoom]:
    """The demo speaker's recorded session on ``served``; each of ``speakers`` (the demo
    speaker if none) opens the stage in their own context and goes as far as ``until``:
    the stage page open, the camera on, or live."""
    server, db_path = served
    room = LiveRoom(browser, server, speaker_session(db_path, SPEAKER))
    try:
        for email in speakers or (SPEAKER,):
            context = await room.context(permissions=["camera", "microphone"])
            page = await open_stage(context, room.base, email, room.session_id)
            if until != "stage":
                await camera_on(page)
            if until == "live":
                await publish(page)
            room.speakers.append(page)
        yield room
    finally:
        for context in room.contexts:
            await context.close()


async def start_live(client: httpx.AsyncClient, session_id: int) -> httpx.Response:
    """``client`` (logged in as a moderator) starts the session, asking for JSON."""
    token = await csrf_of(client, "/")
    return await client.post(
        f"/sessions/{session_id}/live/start",
        data={"csrf_token": token},
        headers={"accept": "application/json"},
    )


async def organiser_posts(base: str, session_id: int, path: str, **data: str) -> None:
    """The organiser, logged in over HTTP, sends a form of the session (``/live/start``,
    ``/live/end``, a question's ``/moderate``): what they do from another device while
    the pages under test stay open."""
    async with httpx.AsyncClient(base_url=base) as organiser:
        await login(organiser, ORGANISER)
        token = await csrf_of(organiser, "/")
        response = await organiser.post(
            f"/sessions/{session_id}{path}", data={"csrf_token": token, **data}
        )
        assert response.status_code == 303, response.text


async def tile_frames(page: Any) -> list[int]:
    return list(
        await page.evaluate(
            """() => [...document.querySelectorAll('[data-live-player] video')]
                 .filter(v => !v.hidden).map(v => v.getVideoPlaybackQuality().totalVideoFrames)"""
        )
    )


def first_talk_of(speaker_name: str) -> Select[tuple[int]]:
    """The query for the first talk (lowest id) in which ``speaker_name`` speaks."""
    return (
        select(SessionSpeaker.session_id)
        .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
        .where(Speaker.name == speaker_name)
        .order_by(SessionSpeaker.session_id)
        .limit(1)
    )


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
