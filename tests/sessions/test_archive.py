"""The fair after the event: truthful session states, time links, the recordings library,
the player page with chapters and captions, and their bad inputs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from sessions.timelinks import format_time_link, parse_time, resolve_time
from tests.support.app import csrf_of, login, make_client, make_settings, running_app
from tests.support.programme import session_ids
from tests.support.stage import start_live

# ------------------------------------------------------------------ time links


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("156", 156),
        ("2m36s", 156),
        ("2m36", 156),
        ("1h2m3s", 3723),
        ("1h", 3600),
        ("36s", 36),
        ("2:36", 156),
        ("t=2:36", 156),
        ("1:02:03", 3723),
        ("156.5", 156.5),
        (" 2M36S ", 156),
    ],
)
def test_time_links_read_seconds_as_people_write_them(raw: str, seconds: float) -> None:
    assert parse_time(raw) == seconds


@pytest.mark.parametrize("raw", ["", "-5", "abc", "2:75", "1:60:00", "1e9", "m", "5x", "9" * 40])
def test_time_links_refuse_what_is_not_a_time(raw: str) -> None:
    assert parse_time(raw) is None


def test_time_links_clamp_to_the_recording() -> None:
    assert resolve_time("2m36s", 540).seconds == 156
    beyond = resolve_time("30m", 83)
    assert beyond.problem == "beyond_end" and 0 <= beyond.seconds < 83
    assert resolve_time("garbage", 83) == resolve_time("garbage", 83)
    assert resolve_time("garbage", 83).seconds == 0 and resolve_time("-3", 83).problem
    assert resolve_time(None, 83).seconds == 0 and not resolve_time(None, 83).problem
    assert format_time_link(156) == "2m36s" and format_time_link(3723) == "1h2m3s"
    assert parse_time(format_time_link(3723)) == 3723


LIVE_CONTROLS = ("data-live-join", "data-live ", "data-qa-form", "Live ansehen", "/live/watch")


# ------------------------------------------------------------------ states


async def test_after_the_event_no_page_offers_a_live_control(after_event: Starlette) -> None:
    async with make_client(after_event) as client:
        pages = ["/", "/programme", "/programme?by=stage", "/agenda", "/recordings"]
        pages += [f"/sessions/{i}" for i in await session_ids(after_event)]
        for path in pages:
            page = await client.get(path)
            assert page.status_code == 200, path
            for control in LIVE_CONTROLS:
                assert control not in page.text, (path, control)
        listed = (await client.get("/api/sessions")).json()["sessions"]
        states = {s["state"] for s in listed}
        assert states <= {"ended", "cancelled"}
        assert {s["recording_status"] for s in listed if s["state"] == "ended"} <= {
            "pending",
            "not_recorded",
        }
        programme = (await client.get("/programme")).text
        assert "Aufzeichnung folgt" in programme and "nicht aufgezeichnet" in programme


async def test_questions_close_at_the_end_and_answered_ones_stay(after_event: Starlette) -> None:
    session_id = (await session_ids(after_event))[0]
    async with make_client(after_event) as client:
        token = await csrf_of(client, f"/sessions/{session_id}")
        asked = await client.post(
            f"/sessions/{session_id}/questions",
            data={"csrf_token": token, "author_name": "Spät", "body": "Noch offen?"},
            headers={"Accept": "application/json"},
        )
        assert asked.status_code == 409 and "beendet" in asked.json()["error"]
        page = (await client.get(f"/sessions/{session_id}")).text
        assert "Die Fragerunde ist beendet" in page and "data-qa-closed" in page


async def test_live_comes_from_the_stage_not_the_timetable(
    demo_database_url: str, tmp_path: Path
) -> None:
    async for app in running_app(
        make_settings(demo_database_url, tmp_path, today="2026-11-30T09:05")
    ):
        async with make_client(app) as client:
            home = (await client.get("/")).text
            assert "Gerade läuft kein Programmpunkt" in home  # planned, but nobody is live
            opening = (await client.get("/api/sessions")).json()["sessions"][0]
            assert opening["state"] == "scheduled"
            await login(client, "orga@example.org")
            started = await start_live(client, opening["id"])
            token = await csrf_of(client, "/")
            assert started.status_code == 200
            status = (await client.get(f"/sessions/{opening['id']}/live")).json()
            assert status["phase"] == "live"
            assert (await client.get(f"/api/sessions/{opening['id']}")).json()["state"] == "live"
            assert 'class="badge live"' in (await client.get("/")).text
            ended = await client.post(
                f"/sessions/{opening['id']}/live/end",
                data={"csrf_token": token},
                headers={"Accept": "application/json"},
            )
            assert ended.status_code == 200
            page = (await client.get(f"/sessions/{opening['id']}")).text
            assert "Die Aufzeichnung folgt" in page and "data-live-join" not in page
            stage = (await client.get(f"/sessions/{opening['id']}/stage")).text
            assert "data-stage-go-live" not in stage and "Sie sind live" not in stage


# ------------------------------------------------------------------ one search


async def test_one_search_finds_booths_talks_speakers_and_words_spoken(
    first_morning: Starlette,
) -> None:
    async with make_client(first_morning) as client:
        # "Nutzerinnen" is said in the Bürger-ID talk (its captions) and in its abstract
        page = (await client.get("/search?q=Nutzerinnen")).text
        assert "In Aufzeichnungen gesagt" in page and "Programmpunkte" in page
        spoken = re.findall(r'href="(/recordings/\d+\?t=[0-9hms]+)"', page)
        assert spoken, page[-3000:]
        player = (await client.get(spoken[0])).text
        seconds = parse_time(spoken[0].split("?t=")[1])
        assert seconds is not None and seconds > 0
        assert f"#t={seconds:g}" in player or f"#t={seconds}" in player
        # a stemmed form finds the same; speakers and booths are found too
        assert spoken[0] in (await client.get("/search?q=Nutzerin")).text
        speaker = (await client.get("/search?q=Wellmann")).text
        assert "Dr. Katharina Wellmann" in speaker and "Mitwirkende" in speaker
        booths = (await client.get("/search?q=Schulanmeldung")).text
        assert "Stände und Material" in booths
        nothing = await client.get("/search?q=%22%20OR%20*%20NEAR(")
        assert nothing.status_code == 200 and "Nichts gefunden" in nothing.text
        assert (await client.get("/search")).status_code == 200


# ------------------------------------------------------------------ archive mode


async def test_archive_mode_after_the_last_day(after_event: Starlette) -> None:
    async with make_client(after_event) as client:
        home = (await client.get("/")).text
        assert "data-archive-mode" in home and "Aufzeichnungen nach Tagen" in home
        booths = (await client.get("/api/booths")).json()["booths"]
        booth = (await client.get(f"/booths/{booths[0]['slug']}")).text
        assert "data-chat-closed" in booth and "data-chat-form" not in booth
        assert 'name="consent"' in booth  # contact requests keep working
        # an organiser switches it off (and back to automatic)
        await login(client, "orga@example.org")
        token = await csrf_of(client, "/organiser/programme")
        assert "Archivmodus" in (await client.get("/organiser/programme")).text
        bad = await client.post("/organiser/archive", data={"csrf_token": token, "mode": "x"})
        assert bad.status_code == 400
        for mode, archived in (("off", False), ("on", True), ("auto", True)):
            switched = await client.post(
                "/organiser/archive", data={"csrf_token": token, "mode": mode}
            )
            assert switched.status_code == 303
            assert ("data-archive-mode" in (await client.get("/")).text) is archived, mode


async def test_archive_mode_waits_for_the_end(client: httpx.AsyncClient) -> None:
    assert "data-archive-mode" not in (await client.get("/")).text
