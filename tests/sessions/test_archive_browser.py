"""Recordings as a latecomer meets them, in headless Chromium against a real server: a
time link puts the video at the named moment, chapters and captions are loaded as text
tracks, and a recording stored by the live pipeline plays from local storage and from S3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fair.db import Database
from fair.storage import LocalStorage, Storage
from sessions.models import ProgrammeSession, Recording
from sessions.timelinks import parse_time
from tests.support.app_server import FIRST_MORNING, AppServer, start_app_server
from tests.support.hls_helpers import s3_storage
from tests.support.media import write_fragmented_mp4
from tests.support.programme import seed_first_morning_recordings
from tests.support.s3_server import S3Server
from tests.support.stage import organiser_posts

pytestmark = pytest.mark.browser

MEDIA_STATE = """() => {
  const v = document.querySelector("video");
  return {
    time: v.currentTime, duration: v.duration, ready: v.readyState, error: v.error && v.error.code,
    tracks: [...v.textTracks].map((t) => ({ kind: t.kind, cues: t.cues ? t.cues.length : -1 })),
  };
}"""


async def _media(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate(MEDIA_STATE)
    return state


async def _wait_ready(page: Any) -> None:
    for _ in range(100):
        state = await _media(page)
        if state["ready"] >= 1 and all(t["cues"] > 0 for t in state["tracks"]):
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"video never became ready: {await _media(page)}")


async def _plays(page: Any) -> None:
    """The picture really advances: decoded, not only a readable header."""
    start = (await _media(page))["time"]
    await page.locator("video").evaluate("(v) => { v.muted = true; return v.play(); }")
    for _ in range(60):
        if (await _media(page))["time"] > start + 0.4:
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"video does not play: {await _media(page)}")


async def _stored_recording(url: str, storage: Storage, scratch: Path) -> int:
    """A recorder-format file stored and recorded for the last talk, as the archive does
    when a talk ends (the live pipeline itself is tested in
    tests/sessions/live/test_live_hls*.py)."""
    database = Database(url)
    try:
        async with database.session() as db:
            session_id = await db.scalar(
                select(ProgrammeSession.id).order_by(ProgrammeSession.starts_at.desc()).limit(1)
            )
            assert session_id is not None
            path = scratch / "0-user-1.mp4"
            path.parent.mkdir(parents=True)
            write_fragmented_mp4(path, seconds=4)
            stored = await storage.save_file(
                f"recordings/{session_id}/{path.name}", path, content_type="video/mp4"
            )
            db.add(
                Recording(
                    session_id=session_id,
                    storage_key=stored.key,
                    size_bytes=stored.size,
                    duration_seconds=4.0,
                )
            )
            await db.commit()
        return int(session_id)
    finally:
        await database.dispose()


def _recording_of(server: AppServer, session_id: int) -> str:
    status = httpx.get(f"{server.base_url}/api/sessions/{session_id}").json()
    assert status["recording_status"] == "available", status
    return str(status["recording_url"])


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_time_link_chapters_and_captions_in_chromium(
    demo_database_url: str, tmp_path: Path, browser: Any
) -> None:
    storage = LocalStorage(tmp_path / "storage")
    await seed_first_morning_recordings(demo_database_url, storage)
    live_session = await _stored_recording(demo_database_url, storage, tmp_path / "spool-live")
    server = start_app_server(tmp_path, demo_database_url, extra_env={"FAIR_TODAY": FIRST_MORNING})
    context = await browser.new_context()
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sessions = httpx.get(f"{server.base_url}/api/sessions").json()["sessions"]
        player = _recording_of(server, sessions[0]["id"])
        await page.goto(f"{player}?t=2m36s")
        await _wait_ready(page)
        state = await _media(page)
        assert abs(state["time"] - 156) <= 1, state
        assert 539 <= state["duration"] <= 541
        kinds = {t["kind"]: t["cues"] for t in state["tracks"]}
        assert kinds["chapters"] == 3 and kinds["captions"] >= 3, state
        # the fragment form, as in "the talk at 2:36"
        await page.goto(f"{player.split('?')[0]}#t=2:36")
        await _wait_ready(page)
        assert abs((await _media(page))["time"] - 156) <= 1
        # a chapter link jumps without reloading
        await page.locator("a[data-seek]").nth(2).click()
        assert abs((await _media(page))["time"] - 360) <= 1 and "?t=6m0s" in page.url
        await _plays(page)
        # "Link zu dieser Stelle" offers the current moment
        await page.locator("[data-copy-time-link]").click()
        link = await page.locator("[data-time-link-output]").inner_text()
        assert "/recordings/" in link and "?t=6m" in link
        await page.screenshot(path=str(tmp_path / "player.png"))

        # a latecomer types a word said in a talk into the search box in the header
        await page.goto(server.base_url + "/")
        await page.fill("#site-search", "Nutzerinnen")
        await page.press("#site-search", "Enter")
        hit = page.locator("#hits-spoken ~ ul a").first
        href = await hit.get_attribute("href")
        assert href and "?t=" in href
        await hit.click()
        await _wait_ready(page)
        cue_start = parse_time(href.split("?t=")[1])
        assert cue_start and abs((await _media(page))["time"] - cue_start) <= 1
        await page.screenshot(path=str(tmp_path / "search-hit.png"))

        # the live pipeline's recording, from local storage
        await page.goto(_recording_of(server, live_session))
        await _wait_ready(page)
        await _plays(page)
        assert not errors, errors
    finally:
        await context.close()
        server.stop()


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_live_pipeline_recording_plays_from_s3(
    demo_database_url: str, tmp_path: Path, browser: Any, nanio: S3Server
) -> None:
    server = None
    context = await browser.new_context()
    try:
        bucket = nanio.create_bucket()
        storage = s3_storage(nanio, bucket, fail_fast=False)
        live_session = await _stored_recording(demo_database_url, storage, tmp_path / "spool-live")
        storage.close()
        assert any(k.startswith("recordings/") for k in nanio.list_keys(bucket))
        server = start_app_server(
            tmp_path,
            demo_database_url,
            extra_env={
                "FAIR_TODAY": "2026-12-10T12:00",
                "FAIR_STORAGE_URL": f"s3://{bucket}",
                "FAIR_S3_ENDPOINT_URL": nanio.endpoint_url,
                "FAIR_S3_ACCESS_KEY": nanio.access_key,
                "FAIR_S3_SECRET_KEY": nanio.secret_key,
            },
        )
        page = await context.new_page()
        await page.goto(_recording_of(server, live_session) + "?t=2")
        await _wait_ready(page)
        state = await _media(page)
        assert 3.5 <= state["duration"] <= 4.5 and abs(state["time"] - 2) <= 0.5, state
        await _plays(page)
    finally:
        await context.close()
        if server is not None:
            server.stop()


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_open_session_page_follows_the_stage_without_reload(
    demo_database_url: str, tmp_path: Path, browser: Any
) -> None:
    async with _opening_day(demo_database_url, tmp_path, browser) as (server, context, opening):
        page = await context.new_page()
        await page.goto(f"{server.base_url}/sessions/{opening['id']}")
        await page.evaluate("() => { window.notReloaded = true; }")
        join = page.locator("[data-live-join]")
        assert await join.is_hidden()  # planned for now, but the stage is not live
        assert await page.locator("[data-live-state]").inner_text() == "Noch nicht live"
        await organiser_posts(server.base_url, opening["id"], "/live/start")
        await join.wait_for(state="visible", timeout=10000)
        await page.locator("[data-live-state]", has_text="Gleich geht es los").wait_for()
        await organiser_posts(server.base_url, opening["id"], "/live/end")
        await page.locator("[data-live-state]", has_text="Beendet").wait_for(timeout=10000)
        assert await join.is_hidden()
        assert await page.evaluate("() => window.notReloaded === true")


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_home_and_programme_follow_the_stage_without_reload(
    demo_database_url: str, tmp_path: Path, browser: Any
) -> None:
    """An organiser starts and ends the opening talk; open home and programme pages show
    it under "Jetzt live" / as live, then ended, without anyone reloading them."""
    async with _opening_day(demo_database_url, tmp_path, browser) as (server, context, opening):
        home = await context.new_page()
        await home.goto(f"{server.base_url}/")
        programme = await context.new_page()
        await programme.goto(f"{server.base_url}/programme")
        now = home.locator("#now-and-next ul.schedule").first
        item = f'[data-session-id="{opening["id"]}"] [data-session-state]'
        assert "Gerade läuft kein Programmpunkt" in await home.locator("#now-and-next").inner_text()
        assert await programme.locator(item).count() == 0
        for page in (home, programme):
            await page.evaluate("() => { window.notReloaded = true; }")
        await programme.wait_for_function(
            "() => document.querySelector('[data-star]:not([hidden])')"
        )
        await organiser_posts(server.base_url, opening["id"], "/live/start")
        await now.locator(f'[data-session-id="{opening["id"]}"] .badge.live').wait_for(
            timeout=10000
        )
        await programme.locator(f"{item}[data-session-state=live]").wait_for(timeout=10000)
        await home.screenshot(path=str(tmp_path / "home-live.png"), full_page=True)
        await organiser_posts(server.base_url, opening["id"], "/live/end")
        await home.locator("#now-and-next", has_text="Gerade läuft kein Programmpunkt").wait_for(
            timeout=10000
        )
        await programme.locator(f"{item}[data-session-state=ended]").wait_for(timeout=10000)
        await programme.screenshot(path=str(tmp_path / "programme-ended.png"))
        for page in (home, programme):
            assert await page.evaluate("() => window.notReloaded === true")
        # stars still work in the swapped-in listing
        assert await programme.locator("[data-star]:not([hidden])").count() > 0
    print("screenshots in", tmp_path)


@asynccontextmanager
async def _opening_day(
    database_url: str, tmp_path: Path, browser: Any
) -> AsyncIterator[tuple[AppServer, Any, dict[str, Any]]]:
    """The fair's first morning, just after nine: the served app, a browser context and
    the opening talk (planned now, not live yet)."""
    server = start_app_server(tmp_path, database_url, extra_env={"FAIR_TODAY": "2026-11-30T09:05"})
    context = await browser.new_context()
    try:
        yield server, context, httpx.get(f"{server.base_url}/api/sessions").json()["sessions"][0]
    finally:
        await context.close()
        server.stop()
