"""Whole journeys in headless Chromium against a real ``fair`` server process, clicking as
each person would: the attendee, the exhibitor, the organiser, the speaker (with the
fake camera, watched by a second browser and ended by the organiser) and the latecomer
who opens a recording at a moment. Screenshots of every step land in ``shots/`` under
the test's tmp dir."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from fair.clock import fair_now
from fair.db import Database
from fair.seed import tiny_pdf
from fair.storage import LocalStorage
from sessions.demo_recordings import seed_demo_recordings
from tests.support.app import DEMO_PASSWORD, TemplateDatabases
from tests.support.app_server import FIRST_MORNING, AppServer, start_app_server
from tests.support.journey_helpers import Journey, close_journeys, open_journey, poll
from tests.support.stage import SPEAKER, speaker_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOOTH = "ac-digicheck"  # "DigiCheck@Kom", of krz
BOOTH_NAME = "DigiCheck@Kom"
EXHIBITOR = "aussteller.krz@example.org"
ORGANISER = "orga@example.org"


@pytest.fixture
def server(live_server: tuple[AppServer, Path]) -> AppServer:
    """A fresh demo fair (SQLite) served by its own process for one journey."""
    return live_server[0]


def _csrf(client: httpx.Client, path: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def _upload_as_exhibitor(base: str, title: str, payload: bytes) -> None:
    """The exhibitor's earlier upload the attendee will download (the demo database of
    the tests holds no stored files)."""
    with httpx.Client(base_url=base, timeout=30) as exhibitor:
        token = _csrf(exhibitor, "/login")
        login = exhibitor.post(
            "/login", data={"email": EXHIBITOR, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert login.status_code == 303, login.text
        token = _csrf(exhibitor, f"/booths/{BOOTH}/edit")
        response = exhibitor.post(
            f"/booths/{BOOTH}/materials",
            data={"csrf_token": token, "title": title},
            files={"file": ("broschuere.pdf", payload, "application/pdf")},
        )
        assert response.status_code in (200, 303), response.text


async def _downloaded(journey: Journey, link: Any) -> tuple[str, bytes]:
    async with journey.page.expect_download() as info:
        await link.click()
    download = await info.value
    path = await download.path()
    return download.suggested_filename, Path(path).read_bytes()


async def test_attendee_finds_a_booth_downloads_and_asks_for_contact(
    server: AppServer, browser: Any, tmp_path: Path
) -> None:
    base = server.base_url
    payload = tiny_pdf("Broschuere DigiCheck")
    _upload_as_exhibitor(base, "Broschüre DigiCheck", payload)
    shots = tmp_path / "shots"
    attendee = await open_journey(browser, shots, "attendee")
    page = attendee.page
    try:
        await page.goto(f"{base}/")
        await attendee.shot("home")
        await page.get_by_role("navigation").get_by_role("link", name="Messehalle").click()
        await page.wait_for_url(f"{base}/booths")
        all_booths = await page.locator("ul.booth-list > li").count()
        await page.select_option("#topic", "e-government")
        await page.fill("#q", "DigiCheck")
        await page.get_by_role("button", name="Filtern").click()
        await page.wait_for_url(re.compile(r"/booths\?.*q=DigiCheck"))
        await attendee.shot("hall-filtered")
        hits = page.locator("ul.booth-list > li")
        assert 1 <= await hits.count() < all_booths
        await hits.get_by_role("link", name=BOOTH_NAME).click()
        await page.wait_for_url(f"{base}/booths/{BOOTH}")
        await attendee.shot("booth")

        name, content = await _downloaded(
            attendee, page.get_by_role("link", name="Broschüre DigiCheck")
        )
        assert content == payload
        assert name.endswith(".pdf")

        await page.fill("#cr-name", "Alma Attendee")
        await page.fill("#cr-email", "alma@example.org")
        await page.fill("#cr-message", "Wir möchten DigiCheck in unserer Verwaltung nutzen.")
        await page.get_by_role("button", name="Anfrage senden").click()
        # without consent the browser refuses to send
        assert "sent=1" not in page.url
        assert await page.locator("#cr-consent").evaluate("(box) => !box.validity.valid")
        await page.check("#cr-consent")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Anfrage senden").click()
        notice = page.locator("#contact-form .notice")
        await notice.wait_for()
        assert "Danke" in await notice.inner_text()
        await attendee.shot("contact-sent")
        assert attendee.errors == []
    finally:
        await page.context.close()

    exhibitor = await open_journey(browser, shots, "exhibitor")
    try:
        await exhibitor.login(base, EXHIBITOR)
        await exhibitor.page.wait_for_url(f"{base}/exhibitor")
        lead = exhibitor.page.locator("ul.inbox > li", has_text="Alma Attendee")
        await lead.wait_for()
        assert "alma@example.org" in await lead.inner_text()
        assert "DigiCheck in unserer Verwaltung" in await lead.inner_text()
        await exhibitor.shot("sees-lead")
    finally:
        await exhibitor.page.context.close()


async def test_exhibitor_edits_uploads_sees_lead_and_analytics_and_exports(
    server: AppServer, browser: Any, tmp_path: Path
) -> None:
    base = server.base_url
    shots = tmp_path / "shots"
    # a visitor was at the booth earlier and left a contact request with consent
    visitor = await open_journey(browser, shots, "visitor")
    try:
        await visitor.page.goto(f"{base}/booths/{BOOTH}")
        await visitor.page.fill("#cr-name", "Viktor Visitor")
        await visitor.page.fill("#cr-email", "viktor@example.org")
        await visitor.page.fill("#cr-message", "Bitte rufen Sie mich an.")
        await visitor.page.check("#cr-consent")
        async with visitor.page.expect_navigation():
            await visitor.page.get_by_role("button", name="Anfrage senden").click()
    finally:
        await visitor.page.context.close()

    exhibitor = await open_journey(browser, shots, "exhibitor")
    page = exhibitor.page
    try:
        await exhibitor.login(base, EXHIBITOR)
        await page.wait_for_url(f"{base}/exhibitor")  # lands on the dashboard
        await exhibitor.shot("dashboard")
        card = page.locator("article.booth-stats", has_text=BOOTH_NAME)
        await card.get_by_role("link", name="Bearbeiten").click()
        await page.wait_for_url(f"{base}/booths/{BOOTH}/edit")
        tagline = "Jetzt neu: DigiCheck auch für kleine Gemeinden"
        await page.fill("#b-tagline", tagline)
        async with page.expect_navigation():
            await (
                page.locator("form:has(#b-tagline)").get_by_role("button", name="Speichern").click()
            )
        await page.locator(".notice", has_text="Gespeichert").first.wait_for()
        await exhibitor.shot("edited")

        pdf = tmp_path / "preisliste.pdf"
        pdf.write_bytes(tiny_pdf("Preisliste 2027"))
        await page.fill("#new-title", "Preisliste 2027")
        await page.set_input_files("#new-file", str(pdf))
        async with page.expect_navigation():
            await (
                page.locator("form:has(#new-file)").get_by_role("button", name="Hochladen").click()
            )
        assert await page.locator("text=Preisliste 2027").count() >= 1
        await exhibitor.shot("uploaded")

        # the public booth page shows both, to anyone
        anonymous = await open_journey(browser, shots, "public")
        try:
            await anonymous.page.goto(f"{base}/booths/{BOOTH}")
            assert await anonymous.page.locator("p.lead").inner_text() == tagline
            link = anonymous.page.get_by_role("link", name="Preisliste 2027")
            _, content = await _downloaded(anonymous, link)
            assert content == tiny_pdf("Preisliste 2027")
            await anonymous.shot("public-booth")
        finally:
            await anonymous.page.context.close()

        await page.get_by_role("navigation").get_by_role("link", name="Mein Stand").click()
        await page.wait_for_url(f"{base}/exhibitor")
        lead = page.locator("ul.inbox > li", has_text="Viktor Visitor")
        assert "viktor@example.org" in await lead.inner_text()
        # analytics: today's row counts the visits, the download and the request
        card = page.locator("article.booth-stats", has_text=BOOTH_NAME)
        await card.locator("summary", has_text="Zahlen als Tabelle").click()
        rows = await card.locator("table.data-table tbody tr").all_inner_texts()
        counts = [[int(n) for n in re.findall(r"\t(\d+)", row)] for row in rows]
        totals = [sum(column) for column in zip(*counts, strict=True)]
        assert len(totals) == 4 and all(total >= 1 for total in totals), rows
        await exhibitor.shot("lead-and-analytics")

        name, content = await _downloaded(
            exhibitor, card.get_by_role("link", name="Kontakte als CSV")
        )
        assert name == f"leads-{BOOTH}.csv"
        # semicolons and a byte order mark, as spreadsheet programs in Germany expect
        table = csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
        leads = [row for row in table if row["E-Mail"] == "viktor@example.org"]
        assert len(leads) == 1, content
        assert leads[0]["Name"] == "Viktor Visitor"
        assert leads[0]["Nachricht"] == "Bitte rufen Sie mich an."
        assert leads[0]["Stand"] == BOOTH_NAME
        assert "Einwilligung" in (table.fieldnames or [])
        assert exhibitor.errors == []
    finally:
        await page.context.close()


async def test_organiser_creates_a_clashing_session_overrides_and_publishes(
    server: AppServer, browser: Any, tmp_path: Path
) -> None:
    base = server.base_url
    shots = tmp_path / "shots"
    existing = httpx.get(f"{base}/api/sessions").json()["sessions"][0]
    organiser = await open_journey(browser, shots, "organiser")
    page = organiser.page
    title = "Offene Fragestunde Registermodernisierung"
    try:
        await organiser.login(base, ORGANISER)
        await page.get_by_role("navigation").get_by_role("link", name="Programm verwalten").click()
        await page.wait_for_url(f"{base}/organiser/programme")
        await page.get_by_role("link", name="Neuer Programmpunkt").click()
        await page.wait_for_url(f"{base}/organiser/programme/new")
        await page.fill("#title", title)
        # the same stage and start as the fair's first talk
        await page.select_option("#stage_id", label=existing["stage"])
        start = existing["starts_at"][11:16]
        day_label = await page.locator("#day_id option").first.inner_text()
        await page.select_option("#day_id", label=day_label)
        await page.fill("#start", start)
        await page.fill("#duration_minutes", "30")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Speichern").click()
        conflicts = page.locator(".conflicts[role=alert]")
        await conflicts.wait_for()
        assert existing["title"] in await conflicts.inner_text()
        await organiser.shot("clash")
        assert await page.locator("#title").input_value() == title  # nothing lost

        await page.get_by_label("Trotz Konflikt speichern").check()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Speichern").click()
        await organiser.shot("saved")
        assert await page.locator(".conflicts").count() == 0

        anonymous = httpx.get(f"{base}/programme").text
        assert title not in anonymous  # a draft until published

        await page.goto(f"{base}/organiser/programme")
        row = page.locator("tr", has_text=title)
        assert "Entwurf" in await row.inner_text()
        await page.get_by_role("link", name="Entwürfe veröffentlichen").click()
        await organiser.shot("publish")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Alle Entwürfe veröffentlichen").click()
        await organiser.shot("published")
        # the one error answer is the clash itself (409 Conflict, the form shown again)
        assert organiser.errors == [f"409 {base}/organiser/programme/new"]
    finally:
        await page.context.close()

    visitor = await open_journey(browser, shots, "visitor")
    try:
        await visitor.page.goto(f"{base}/programme")
        item = visitor.page.get_by_role("link", name=title)
        await item.wait_for()
        await visitor.shot("programme")
    finally:
        await visitor.page.context.close()


async def _video_state(page: Any, selector: str) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate(
        """(selector) => {
          const videos = [...document.querySelectorAll(selector)].filter((v) => !v.hidden);
          return {
            width: Math.max(0, ...videos.map((v) => v.videoWidth)),
            frames: Math.max(0, ...videos.map((v) => v.getVideoPlaybackQuality().totalVideoFrames)),
            time: videos.length ? videos[0].currentTime : -1,
          };
        }""",
        selector,
    )
    return state


async def test_speaker_goes_live_viewer_watches_moderator_ends_recording_appears(
    template_databases: TemplateDatabases, browser: Any, tmp_path: Path
) -> None:
    url = await template_databases.sqlite(seeded=True)
    session_id = speaker_session(Path(url.removeprefix("sqlite+aiosqlite:///")), SPEAKER)
    server = start_app_server(tmp_path, url)
    base = server.base_url
    shots = tmp_path / "shots"
    speaker = await open_journey(browser, shots, "speaker", permissions=["camera", "microphone"])
    viewer = await open_journey(browser, shots, "viewer")
    moderator = await open_journey(browser, shots, "moderator")
    try:
        title = httpx.get(f"{base}/api/sessions/{session_id}").json()["title"]
        await speaker.login(base, SPEAKER)
        await (
            speaker.page.get_by_role("navigation")
            .get_by_role("link", name="Meine Auftritte")
            .click()
        )
        await speaker.page.wait_for_url(f"{base}/speaker")
        await speaker.shot("appearances")
        talk = speaker.page.locator("ul.appearances > li", has_text=title)
        await talk.get_by_role("link", name="Zur Bühne (senden)").click()
        await speaker.page.wait_for_url(f"{base}/sessions/{session_id}/stage")
        await speaker.page.get_by_role("button", name="Kamera und Mikrofon einschalten").click()
        go_live = speaker.page.get_by_role("button", name="Live gehen")
        await speaker.page.wait_for_selector("[data-stage-go-live]:not([disabled])")
        await go_live.click()
        await speaker.page.wait_for_selector(".stage[data-state='live']", timeout=20_000)
        await speaker.shot("live")

        await viewer.page.goto(f"{base}/sessions/{session_id}")
        await viewer.page.wait_for_selector(".live[data-state='live']", timeout=15_000)
        await viewer.page.click("[data-live-join]")
        player = "[data-live-player] video"

        async def picture() -> dict[str, Any] | None:
            state = await _video_state(viewer.page, player)
            return state if state["width"] > 0 and state["frames"] > 10 else None

        first = await poll(picture, 30, "the viewer sees no video")
        await poll(
            lambda: _advanced(viewer.page, player, first["frames"] + 25),
            15,
            "the viewer's frames do not advance",
        )
        await viewer.shot("watching")
        for page in (speaker.page, viewer.page):
            await page.evaluate("() => { window.notReloaded = true; }")

        await moderator.login(base, ORGANISER)
        await moderator.page.goto(f"{base}/sessions/{session_id}")
        await moderator.page.get_by_role("link", name="Zur Bühne (senden)").click()
        await moderator.page.wait_for_url(f"{base}/sessions/{session_id}/stage")
        moderator.page.on("dialog", lambda dialog: dialog.accept())
        async with moderator.page.expect_navigation():
            await moderator.page.get_by_role("button", name="Programmpunkt beenden").click()
        await moderator.shot("ended")

        # both open pages show the end, without a reload
        await viewer.page.wait_for_selector(".live[data-state='ended']", timeout=15_000)
        await speaker.page.wait_for_selector(".stage[data-state='ended']", timeout=15_000)
        await speaker.page.locator("[data-stage-session-state]", has_text="beendet").wait_for(
            timeout=15_000
        )
        # the ended page promises no connection any more
        assert await viewer.page.locator("[data-live-mode]").inner_text() == ""
        await speaker.shot("speaker-sees-end")
        await viewer.shot("viewer-sees-end")
        for page in (speaker.page, viewer.page):
            assert await page.evaluate("() => window.notReloaded === true")
        # the Q&A closes by itself: the form gives way to the note, answered questions stay
        note = viewer.page.locator("[data-qa-closed-note]")
        await note.wait_for(state="visible", timeout=15_000)
        assert "Fragerunde ist beendet" in await note.inner_text()
        assert not await viewer.page.locator("#qa-name").is_visible()
        assert viewer.errors == []

        # the recording reaches the session page and the library
        async def recording_on_session_page() -> bool:
            await viewer.page.goto(f"{base}/sessions/{session_id}")
            return await viewer.page.locator("video.recording-video, .recording-video").count() > 0

        await poll(recording_on_session_page, 45, "no recording on the session page")
        await viewer.shot("session-recording")
        await (
            viewer.page.get_by_role("navigation").get_by_role("link", name="Aufzeichnungen").click()
        )
        card = viewer.page.locator("li.recording-card", has_text=title)
        await card.wait_for()
        await viewer.shot("library")
    finally:
        errors = await close_journeys(speaker, viewer, moderator)
        server.stop()
    assert errors == [], errors


async def _advanced(page: Any, selector: str, frames: int) -> bool:
    return bool((await _video_state(page, selector))["frames"] >= frames)


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_latecomer_opens_a_recording_at_2m36s(
    demo_database_url: str, browser: Any, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "storage")
    database = Database(demo_database_url)
    try:
        made = await seed_demo_recordings(
            database, storage, now=fair_now(FIRST_MORNING, "Europe/Berlin")
        )
        assert made >= 1
    finally:
        await database.dispose()
    server = start_app_server(tmp_path, demo_database_url, extra_env={"FAIR_TODAY": FIRST_MORNING})
    latecomer = await open_journey(browser, tmp_path / "shots", "latecomer")
    page = latecomer.page
    try:
        # a link someone shared: the library lists the talk, the link names a moment
        await page.goto(f"{server.base_url}/recordings")
        href = await page.locator("li.recording-card a.poster-link").first.get_attribute("href")
        assert href
        await page.goto(f"{server.base_url}{href}?t=2m36s")

        async def ready() -> dict[str, Any] | None:
            state = await _video_state(page, "video")
            ready_state = await page.locator("video").first.evaluate("(v) => v.readyState")
            return state if ready_state >= 1 else None

        state = await poll(ready, 20, "the recording never became ready")
        assert abs(state["time"] - 156) <= 1, state
        # a link that names a moment plays from there at once (muted if autoplay is blocked)

        async def advancing() -> bool:
            now = (await _video_state(page, "video"))["time"]
            return now > 156.5

        await poll(advancing, 15, "the recording does not play from 2:36")
        assert (await _video_state(page, "video"))["time"] < 175
        await latecomer.shot("playing")
        assert latecomer.errors == []
    finally:
        await page.context.close()
        server.stop()
