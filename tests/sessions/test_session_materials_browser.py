"""A talk's slides as people meet them, in headless Chromium against a real server: the
speaker uploads a PDF with the form on their session's page, a latecomer opens the
recording days later and downloads it under its own name; axe-core finds nothing on
either page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from fair.db import Database
from fair.seed import tiny_pdf
from fair.storage import LocalStorage
from sessions.models import Recording
from tests.support.app import DEMO_PASSWORD
from tests.support.app_server import AFTER_THE_EVENT, start_app_server
from tests.support.axe import AXE, axe_violations
from tests.support.media import write_fragmented_mp4
from tests.support.stage import first_talk_of

pytestmark = pytest.mark.browser

SPEAKER = "henning.wiebusch@example.org"
SLIDES = tiny_pdf("Folien: Digitale Verwaltung im Kreis").ljust(20_700, b"\n")
SCREENSHOTS = os.environ.get("FAIR_SCREENSHOTS")  # a folder: keep the pictures to look at


async def _recorded_talk(url: str, storage: LocalStorage, scratch: Path) -> tuple[int, int]:
    """(the speaker's first talk, its recording): a real video stored as the archive
    stores one when a talk ends."""
    database = Database(url)
    try:
        async with database.session() as db:
            session_id = await db.scalar(first_talk_of("Henning Wiebusch"))
            assert session_id is not None
            video = scratch / "talk.mp4"
            write_fragmented_mp4(video, seconds=4)
            stored = await storage.save_file(
                f"recordings/{session_id}/talk.mp4", video, content_type="video/mp4"
            )
            recording = Recording(
                session_id=session_id,
                storage_key=stored.key,
                size_bytes=stored.size,
                duration_seconds=4.0,
            )
            db.add(recording)
            await db.commit()
            return int(session_id), recording.id
    finally:
        await database.dispose()


async def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_speaker_uploads_slides_and_a_latecomer_downloads_them(
    demo_database_url: str, tmp_path: Path, browser: Any
) -> None:
    storage = LocalStorage(tmp_path / "storage")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    session_id, recording_id = await _recorded_talk(demo_database_url, storage, scratch)
    server = start_app_server(
        tmp_path, demo_database_url, extra_env={"FAIR_TODAY": AFTER_THE_EVENT}
    )
    slides = scratch / "Folien Wiebusch.pdf"
    slides.write_bytes(SLIDES)
    errors: list[str] = []
    try:
        speaker = await browser.new_context(bypass_csp=bool(AXE.exists()))
        page = await speaker.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{server.base_url}/login")
        await page.fill("#email", SPEAKER)
        await page.fill("#password", DEMO_PASSWORD)
        await page.click("main button[type=submit]")
        await page.wait_for_load_state()
        await page.goto(f"{server.base_url}/sessions/{session_id}")
        await page.click("text=Folien und Material verwalten")
        await page.wait_for_url(f"**/sessions/{session_id}/materials")
        await page.fill("#new-title", "Folien zum Vortrag")
        await page.set_input_files("#new-file", str(slides))
        status = page.locator("form:has(#new-file) .upload-status")
        assert "Folien Wiebusch.pdf" in (await status.text_content() or "")
        async with page.expect_navigation():
            await page.click("form:has(#new-file) button[type=submit]")
        assert "saved=1" in page.url
        listed = page.locator(".material-edit-list li").first
        assert "Folien zum Vortrag" in (await listed.text_content() or "")
        await _shot(page, "session-materials-speaker", tmp_path)
        manage_violations = await axe_violations(page) if AXE.exists() else []
        await speaker.close()

        latecomer = await browser.new_context(accept_downloads=True, bypass_csp=bool(AXE.exists()))
        page = await latecomer.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{server.base_url}/recordings/{recording_id}")
        section = page.locator("[data-talk-materials]")
        text = " ".join((await section.text_content() or "").split())
        assert "Folien zum Vortrag" in text and "PDF" in text and "20,2 KB" in text, (
            text
        )  # split() folds the no-break space
        await _shot(page, "session-materials-recording", tmp_path)
        recording_violations = await axe_violations(page) if AXE.exists() else []
        async with page.expect_download() as info:
            await section.locator("a:has-text('Folien zum Vortrag')").click()
        download = await info.value
        assert download.suggested_filename == "Folien Wiebusch.pdf"
        saved = tmp_path / "downloaded.pdf"
        await download.save_as(saved)
        assert saved.read_bytes() == SLIDES
        await latecomer.close()
    finally:
        server.stop()
    assert errors == []
    assert manage_violations == [] and recording_violations == []
