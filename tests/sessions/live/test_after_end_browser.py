"""In Chromium: what a visitor and the speaker see when the moderator ends a talk while
their pages are open. The visitor's Q&A and chat forms close by themselves (the answered
question stays, focus lands on the note, one polite announcement); the speaker's camera
goes off and the stage says the talk is over and links to the session page. A reload
shows the same, drawn by the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.app import csrf_of, login
from tests.support.app_server import AppServer
from tests.support.stage import SPEAKER, browser_login, speaker_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLOSED_QA = "Die Fragerunde ist beendet; beantwortete Fragen bleiben sichtbar."
TRACKS_ENDED = """() => {
  const camera = window.fairStage.camera;
  return camera !== null && camera.stream.getTracks().length > 0
    && camera.stream.getTracks().every((t) => t.readyState === 'ended');
}"""


async def _organiser(base: str, session_id: int, path: str, **data: str) -> None:
    async with httpx.AsyncClient(base_url=base) as organiser:
        await login(organiser, "orga@example.org")
        token = await csrf_of(organiser, "/")
        response = await organiser.post(
            f"/sessions/{session_id}{path}", data={"csrf_token": token, **data}
        )
        assert response.status_code == 303, response.text


async def test_an_ended_talk_closes_qa_chat_and_camera_without_reload(
    live_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    app_server, db_path = live_server
    base = app_server.base_url
    session_id = speaker_session(db_path, SPEAKER)
    await _organiser(base, session_id, "/live/start")

    speaker_context = await browser.new_context(permissions=["camera", "microphone"])
    visitor_context = await browser.new_context()
    try:
        speaker = await speaker_context.new_page()
        await browser_login(speaker, base, SPEAKER)
        await speaker.goto(f"{base}/sessions/{session_id}/stage")
        await speaker.click("[data-stage-camera]")
        await speaker.wait_for_selector("[data-stage-go-live]:not([disabled])")
        assert not await speaker.is_visible("[data-stage-ended]")

        visitor = await visitor_context.new_page()
        await visitor.goto(f"{base}/sessions/{session_id}")
        await visitor.fill("#qa-name", "Ada")
        await visitor.fill("#qa-body", "Wie skaliert das?")
        await visitor.click("[data-qa-form] button[type=submit]")
        question = visitor.locator("[data-qa-list] li[data-question-id]")
        await question.first.wait_for(timeout=10_000)
        question_id = await question.first.get_attribute("data-question-id")
        assert question_id
        await _organiser(base, session_id, f"/questions/{question_id}/moderate", action="answer")
        await visitor.wait_for_selector("[data-qa-list] li .badge:text('beantwortet')")
        await visitor.wait_for_selector("[data-chat-form]:not([hidden])", timeout=10_000)
        await visitor.fill("#qa-body", "Noch eine Frage")  # the visitor is typing

        await _organiser(base, session_id, "/live/end")

        # the visitor's page closes its forms by itself
        await visitor.wait_for_selector("[data-qa-form]", state="hidden", timeout=15_000)
        note = visitor.locator("[data-qa-closed-note]")
        assert await note.is_visible()
        assert (await note.inner_text()).strip() == CLOSED_QA
        assert await visitor.evaluate(
            "() => document.activeElement === document.querySelector('[data-qa-closed-note]')"
        ), "focus must move to the note, not to <body>"
        announcer = visitor.locator("[data-session-ended-announcer]")
        assert (await announcer.inner_text()).strip() == CLOSED_QA
        assert await announcer.get_attribute("aria-live") == "polite"
        await visitor.wait_for_selector("[data-chat-form]", state="hidden", timeout=15_000)
        assert await visitor.is_visible("[data-chat-closed]")
        assert "Wie skaliert das?" in await visitor.locator("[data-qa-list]").inner_text()
        assert await visitor.locator("[data-qa-list] button, [data-qa-list] form").count() == 0
        await visitor.screenshot(path=str(tmp_path / "visitor-after-end.png"), full_page=True)

        # the speaker's camera is off and the stage says so, with the way on
        await speaker.wait_for_selector("[data-stage-ended]", state="visible", timeout=15_000)
        assert await speaker.evaluate(TRACKS_ENDED), "camera tracks still running"
        assert not await speaker.is_visible("[data-stage-preview]")
        assert not await speaker.is_visible("[data-stage-camera]")
        ended = await speaker.locator("[data-stage-ended]").inner_text()
        assert "Kamera und Mikrofon sind aus" in ended
        link = speaker.locator("[data-stage-ended] a")
        assert await link.get_attribute("href") == f"/sessions/{session_id}"
        await speaker.screenshot(path=str(tmp_path / "stage-after-end.png"), full_page=True)

        # a reload shows the same, drawn by the server
        await visitor.reload()
        assert await visitor.locator("[data-qa-form]").count() == 0
        assert (await visitor.locator("[data-qa-closed-note]").inner_text()).strip() == CLOSED_QA
        assert "Wie skaliert das?" in await visitor.locator("[data-qa-list]").inner_text()
        assert await visitor.locator("[data-chat-form]").count() == 0
        assert await visitor.is_visible("[data-chat-closed]")
        await speaker.reload()
        assert await speaker.locator("[data-stage-camera]").count() == 0
        assert await speaker.is_visible(f"[data-stage-ended] a[href='/sessions/{session_id}']")
    finally:
        await speaker_context.close()
        await visitor_context.close()
