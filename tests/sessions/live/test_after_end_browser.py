"""In Chromium: what a visitor and the speaker see when the moderator ends a talk while
their pages are open. The visitor's Q&A and chat forms close by themselves (the answered
question stays, focus lands on the note, one polite announcement); the speaker's camera
goes off and the stage says the talk is over and links to the session page. A reload
shows the same, drawn by the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.app_server import AppServer
from tests.support.stage import SPEAKER, live_room, organiser_posts, speaker_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLOSED_QA = "Die Fragerunde ist beendet; beantwortete Fragen bleiben sichtbar."
TRACKS_ENDED = """() => {
  const camera = window.fairStage.camera;
  return camera !== null && camera.stream.getTracks().length > 0
    && camera.stream.getTracks().every((t) => t.readyState === 'ended');
}"""


async def test_an_ended_talk_closes_qa_chat_and_camera_without_reload(
    live_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    base = live_server[0].base_url
    session_id = speaker_session(live_server[1], SPEAKER)
    await organiser_posts(base, session_id, "/live/start")

    async with live_room(browser, live_server, until="camera") as room:
        speaker = room.speaker
        assert not await speaker.is_visible("[data-stage-ended]")

        visitor = await room.visitor()
        await visitor.fill("#qa-name", "Ada")
        await visitor.fill("#qa-body", "Wie skaliert das?")
        await visitor.click("[data-qa-form] button[type=submit]")
        question = visitor.locator("[data-qa-list] li[data-question-id]")
        await question.first.wait_for(timeout=10_000)
        question_id = await question.first.get_attribute("data-question-id")
        assert question_id
        await organiser_posts(
            base, session_id, f"/questions/{question_id}/moderate", action="answer"
        )
        await visitor.wait_for_selector("[data-qa-list] li .badge:text('beantwortet')")
        await visitor.wait_for_selector("[data-chat-form]:not([hidden])", timeout=10_000)
        await visitor.fill("#qa-body", "Noch eine Frage")  # the visitor is typing

        await organiser_posts(base, session_id, "/live/end")

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
