"""The fair after the event: truthful session states, time links, the recordings library,
the player page with chapters and captions, and their bad inputs."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import webvtt
from sqlalchemy import func, select
from starlette.applications import Starlette

from fair.app import create_app
from fair.app_services import app_services
from sessions.demo_recordings import seed_demo_recordings
from sessions.models import Caption, CaptionCue, Chapter, ProgrammeSession, Recording
from sessions.timelinks import format_time_link, parse_time, resolve_time
from tests.support.app import csrf_of, login, make_client, make_settings
from tests.support.app_server import AFTER_THE_EVENT, FIRST_MORNING

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


# ------------------------------------------------------------------ fixtures


async def _app_at(database_url: str, tmp_path: Path, today: str) -> AsyncIterator[Starlette]:
    app = create_app(make_settings(database_url, tmp_path, today=today))
    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture
async def after_event(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    """The demo fair a week after its last day, no recordings stored yet."""
    async for app in _app_at(demo_database_url, tmp_path, AFTER_THE_EVENT):
        yield app


@pytest_asyncio.fixture
async def first_morning(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    """The demo fair at 11:00 on its first day, with the recordings of what is over."""
    async for app in _app_at(demo_database_url, tmp_path, FIRST_MORNING):
        made = await seed_demo_recordings(
            app_services(app).db, app_services(app).storage, now=app_services(app).settings.now()
        )
        assert made == 2  # the three-item stage piece and the forum talk
        yield app


async def _session_ids(app: Starlette) -> list[int]:
    async with app_services(app).db.session() as db:
        return list((await db.scalars(select(ProgrammeSession.id))).all())


LIVE_CONTROLS = ("data-live-join", "data-live ", "data-qa-form", "Live ansehen", "/live/watch")


# ------------------------------------------------------------------ states


async def test_after_the_event_no_page_offers_a_live_control(after_event: Starlette) -> None:
    async with make_client(after_event) as client:
        pages = ["/", "/programme", "/programme?by=stage", "/agenda", "/recordings"]
        pages += [f"/sessions/{i}" for i in await _session_ids(after_event)]
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
    session_id = (await _session_ids(after_event))[0]
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
    async for app in _app_at(demo_database_url, tmp_path, "2026-11-30T09:05"):
        async with make_client(app) as client:
            home = (await client.get("/")).text
            assert "Gerade läuft kein Programmpunkt" in home  # planned, but nobody is live
            opening = (await client.get("/api/sessions")).json()["sessions"][0]
            assert opening["state"] == "scheduled"
            await login(client, "orga@example.org")
            token = await csrf_of(client, "/")
            started = await client.post(
                f"/sessions/{opening['id']}/live/start",
                data={"csrf_token": token},
                headers={"Accept": "application/json"},
            )
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


# ------------------------------------------------------------------ library and player


async def _stage_recording(app: Starlette) -> Recording:
    async with app_services(app).db.session() as db:
        chapter = await db.scalar(select(Chapter).order_by(Chapter.id).limit(1))
        assert chapter is not None
        recording = await db.get(Recording, chapter.recording_id)
        assert recording is not None
        return recording


async def test_library_lists_filters_and_plays_at_a_moment(first_morning: Starlette) -> None:
    recording = await _stage_recording(first_morning)
    async with make_client(first_morning) as client:
        library = (await client.get("/recordings")).text
        assert "2 Aufzeichnungen" in library and library.count("poster.jpg") == 2
        forum = (await client.get("/api/sessions")).json()["sessions"][3]
        assert (await client.get("/recordings?stage=999")).text.count("poster.jpg") == 0
        assert (await client.get("/recordings?language=xx")).status_code == 400
        assert (await client.get("/recordings?day=abc")).status_code == 400
        poster = await client.get(f"/recordings/{recording.id}/poster.jpg")
        assert poster.status_code == 200 and poster.content[:3] == b"\xff\xd8\xff"

        player = (await client.get(f"/recordings/{recording.id}?t=2m36s")).text
        assert f"{recording.media_url}#t=156" in player
        assert 'kind="chapters"' in player and 'kind="captions"' in player
        beyond = (await client.get(f"/recordings/{recording.id}?t=99999")).text
        assert "nach dem Ende der Aufzeichnung" in beyond and "#t=535" in beyond
        garbage = (await client.get(f"/recordings/{recording.id}?t=%3Cscript%3E")).text
        assert "nicht lesbar" in garbage and "<script>" not in garbage.split("</header>")[1]

        chapters = webvtt.WebVTT.from_buffer(
            io.StringIO((await client.get(f"/recordings/{recording.id}/chapters.vtt")).text)
        )
        assert [c.start for c in chapters] == ["00:00:00.000", "00:03:00.000", "00:06:00.000"]
        captions = webvtt.WebVTT.from_buffer(
            io.StringIO((await client.get(f"/recordings/{recording.id}/captions/de.vtt")).text)
        )
        assert len(captions.captions) >= 3 and "Grußwort" in captions.captions[0].text

        # each talk's session page leads straight into its chapter
        second = (await client.get("/api/sessions")).json()["sessions"][1]
        assert second["recording_status"] == "available"
        assert second["recording_url"].endswith(f"/recordings/{recording.id}?t=3m0s")
        page = (await client.get(f"/sessions/{second['id']}")).text
        assert f"/recordings/{recording.id}?t=3m0s" in page
        assert forum["state"] == "ended"


# ------------------------------------------------------------------ edits and bad input


async def test_captions_upload_converts_srt_and_refuses_bad_files(
    first_morning: Starlette,
) -> None:
    recording = await _stage_recording(first_morning)
    url = f"/recordings/{recording.id}/captions"
    srt = (
        "1\n00:00:01,000 --> 00:00:04,000\nGrüße aus Münster\n\n"
        "2\n00:02:36,000 --> 00:02:40,000\nDie Bürger-ID kommt.\n"
    )
    async with make_client(first_morning) as client:
        anonymous = await client.post(
            url,
            data={"csrf_token": await csrf_of(client, "/"), "language": "en"},
            files={"captions": ("x.srt", srt.encode("cp1252"), "application/x-subrip")},
        )
        assert anonymous.status_code == 401
        await login(client, "orga@example.org")
        token = await csrf_of(client, f"/recordings/{recording.id}")

        async def upload(data: bytes, language: str = "en") -> httpx.Response:
            return await client.post(
                url,
                data={"csrf_token": token, "language": language},
                files={"captions": ("captions.srt", data, "application/octet-stream")},
                headers={"Accept": "application/json"},
            )

        stored = await upload(srt.encode("cp1252"))
        assert stored.status_code == 303, stored.text
        vtt = (await client.get(f"/recordings/{recording.id}/captions/en.vtt")).text
        assert vtt.startswith("WEBVTT") and "00:02:36.000 --> 00:02:40.000" in vtt
        assert "Grüße aus Münster" in vtt

        bad = {
            b"WEBVTT\n\n00:00:01.000 --> 00:0x:02.500\nHallo\n": "Zeile 3",
            (
                b"WEBVTT\n\n00:00:01.000 --> 00:00:09.000\nA\n\n00:00:05.000 --> 00:00:12.000\nB\n"
            ): "überschneidet",
            (
                b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\n"
                b"00:00:03.000 --> 00:00:04.000\n\x81\x8d\x90\n"
            ): "Zeile 7",
            b"WEBVTT\n\n01:00:00.000 --> 01:00:02.000\nA\n": "nach dem Ende",
            b"": "leer",
        }
        for data, message in bad.items():
            refused = await upload(data)
            assert refused.status_code == 400, data
            assert message in refused.json()["error"], (message, refused.json())
        assert (await upload(srt.encode(), language="fr")).status_code == 400
        # nothing already stored was lost
        again = (await client.get(f"/recordings/{recording.id}/captions/en.vtt")).text
        assert again == vtt
    async with app_services(first_morning).db.session() as db:
        cues = await db.scalar(
            select(func.count())
            .select_from(CaptionCue)
            .join(Caption, Caption.id == CaptionCue.caption_id)
            .where(Caption.recording_id == recording.id, Caption.language == "en")
        )
    assert cues == 2


async def test_organisers_correct_chapters_and_bad_ones_are_refused(
    first_morning: Starlette,
) -> None:
    recording = await _stage_recording(first_morning)
    url = f"/recordings/{recording.id}/chapters"
    async with make_client(first_morning) as client:
        await login(client, "orga@example.org")
        token = await csrf_of(client, f"/recordings/{recording.id}")
        page = (await client.get(f"/recordings/{recording.id}")).text
        assert "0:00 Grußwort der gastgebenden Region" in page  # the editable text
        for text, message in [
            ("0:00 Anfang\n12:00 Nach dem Ende", "Zeile 2"),
            ("0:00 Anfang\nkaputt Titel", "keine Zeit"),
            ("0:00 Anfang\n0:00 Doppelt", "nach dem vorigen"),
            ("0:00", "Titel fehlt"),
        ]:
            refused = await client.post(
                url,
                data={"csrf_token": token, "chapters": text},
                headers={"Accept": "application/json"},
            )
            assert refused.status_code == 400 and message in refused.json()["error"], text
        saved = await client.post(
            url,
            data={
                "csrf_token": token,
                "chapters": "0:00 Grußwort der gastgebenden Region Gelsenkirchen\n"
                "3:05 Grußwort des Landes: Kommunen lernen von Kommunen\n6:00 Kommunalportal",
            },
        )
        assert saved.status_code == 303
        vtt = (await client.get(f"/recordings/{recording.id}/chapters.vtt")).text
        starts = [c.start for c in webvtt.WebVTT.from_buffer(io.StringIO(vtt))]
        assert starts == ["00:00:00.000", "00:03:05.000", "00:06:00.000"]
        second = (await client.get("/api/sessions")).json()["sessions"][1]
        assert re.search(r"\?t=3m5s$", second["recording_url"])  # the link kept its talk


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


# ------------------------------------------------------------------ recordings made elsewhere


async def test_organisers_upload_replace_and_speakers_opt_out(
    after_event: Starlette, tmp_path: Path
) -> None:
    from tests.support.media import write_fragmented_mp4

    video = tmp_path / "talk.mp4"
    write_fragmented_mp4(video, seconds=3)
    session_id = (await _session_ids(after_event))[5]
    url = f"/sessions/{session_id}/recordings/upload"
    async with make_client(after_event) as client:
        await login(client, "orga@example.org")
        token = await csrf_of(client, f"/sessions/{session_id}")

        async def upload(name: str, data: bytes, replace: str = "") -> httpx.Response:
            return await client.post(
                url,
                data={"csrf_token": token, "replace": replace},
                files={"file": (name, data, "video/mp4")},
                headers={"Accept": "application/json"},
            )

        assert (await upload("notes.pdf", b"%PDF-1.4 not a video")).status_code == 415
        broken = video.read_bytes()[:48] + b"\x00" * 4000  # an MP4 header, then nothing
        refused = await upload("broken.mp4", broken)
        assert refused.status_code in (415, 400) and "Video" in refused.json()["error"]
        first = await upload("talk.mp4", video.read_bytes())
        assert first.status_code == 303, first.text
        listed = (await client.get(f"/api/sessions/{session_id}")).json()
        assert listed["recording_status"] == "available" and len(listed["recordings"]) == 1
        old_id = listed["recordings"][0]
        again = await upload("better.mp4", video.read_bytes(), replace=str(old_id))
        assert again.status_code == 303
        new_ids = (await client.get(f"/api/sessions/{session_id}")).json()["recordings"]
        assert len(new_ids) == 1 and new_ids != [old_id]
        assert (await client.get(f"/recordings/{new_ids[0]}/poster.jpg")).status_code == 200
        # the speaker declines publication: gone from the library and the player
        opt_out = await client.post(
            f"/sessions/{session_id}/recording-opt-out",
            data={"csrf_token": token, "opt_out": "1"},
        )
        assert opt_out.status_code == 303
    async with make_client(after_event) as visitor:
        assert (await visitor.get(f"/recordings/{new_ids[0]}")).status_code == 404
        status = (await visitor.get(f"/api/sessions/{session_id}")).json()
        assert status["recording_status"] == "not_recorded"
        anonymous = await visitor.post(
            url, data={"csrf_token": await csrf_of(visitor, "/")}, files={"file": ("a.mp4", b"x")}
        )
        assert anonymous.status_code == 401
    async with app_services(after_event).db.session() as db:
        keys = list((await db.scalars(select(Recording.storage_key))).all())
    stored = sorted(p.name for p in (tmp_path / "storage" / "recordings").rglob("*") if p.is_file())
    assert len(keys) == 1 and len(stored) == 2  # the video and its poster; nothing else left


# ------------------------------------------------------------------ slides and materials


async def test_session_and_recording_pages_offer_the_talks_materials(
    first_morning: Starlette,
) -> None:
    """Besides their own slides (test_session_materials.py), session pages list the
    slides and materials of the booths linked to the talk (uploaded and content-checked
    as booth materials), each downloadable; the recording page of the talk too."""
    from booths.models import Booth
    from sessions.models import session_booths
    from tests.support.booth_helpers import KRZ, OWN, PDF, upload

    recording = await _stage_recording(first_morning)
    async with app_services(first_morning).db.session() as db:
        booth_id = await db.scalar(select(Booth.id).where(Booth.slug == OWN))
        await db.execute(
            session_booths.insert().values(session_id=recording.session_id, booth_id=booth_id)
        )
        await db.commit()
    async with make_client(first_morning) as exhibitor:
        await login(exhibitor, KRZ)
        uploaded = await upload(exhibitor, f"/booths/{OWN}/materials", PDF, title="Folien 2027")
        assert uploaded.status_code in (200, 303), uploaded.text
    async with make_client(first_morning) as client:
        for path in (f"/sessions/{recording.session_id}", f"/recordings/{recording.id}"):
            page = (await client.get(path)).text
            section = page.split("data-talk-materials", 1)[1].split("</section>", 1)[0]
            assert "Folien 2027" in section, path
            link = re.search(rf'href="(/booths/{OWN}/materials/\d+/download)"', section)
            assert link, path
        file = await client.get(link.group(1))
        assert file.status_code == 200 and file.content.startswith(b"%PDF")
        recorded = {recording.session_id, *(await _sessions_with_materials(first_morning))}
        other = next(i for i in await _session_ids(first_morning) if i not in recorded)
        assert "data-talk-materials" not in (await client.get(f"/sessions/{other}")).text


async def test_demo_recordings_come_with_the_talks_slides(first_morning: Starlette) -> None:
    """Every talk the demo recorded has its slides as a generated PDF, deterministic
    (the same bytes for the same talk), listed and downloadable beside the recording."""
    from fair.seed import tiny_pdf
    from sessions.models import SessionMaterial

    async with app_services(first_morning).db.session() as db:
        slides = (await db.scalars(select(SessionMaterial).order_by(SessionMaterial.id))).all()
        titles = {
            s.id: s.title
            for s in await db.scalars(
                select(ProgrammeSession).where(
                    ProgrammeSession.id.in_([m.session_id for m in slides])
                )
            )
        }
    assert len(slides) == 4 and len(titles) == 4  # the stage piece's three and the forum talk
    recording = await _stage_recording(first_morning)
    async with make_client(first_morning) as client:
        player = (await client.get(f"/recordings/{recording.id}")).text
        section = player.split("data-talk-materials", 1)[1].split("</section>", 1)[0]
        ours = next(m for m in slides if m.session_id == recording.session_id)
        assert ours.download_url in section and ">PDF<" in section
        for material in slides:
            file = await client.get(material.download_url)
            assert file.status_code == 200, material.download_url
            assert file.content == tiny_pdf(f"Folien: {titles[material.session_id]}")
            assert material.filename in file.headers["content-disposition"]


async def _sessions_with_materials(app: Starlette) -> set[int]:
    """Talks with slides of their own (the demo's recorded talks) or linked booths."""
    from sessions.models import SessionMaterial, session_booths

    async with app_services(app).db.session() as db:
        slides = set((await db.scalars(select(SessionMaterial.session_id))).all())
        linked = set((await db.scalars(select(session_booths.c.session_id))).all())
        return slides | linked


# ------------------------------------------------------------------ chapters from live marks


async def test_chapters_follow_the_marks_taken_while_live(
    demo_database_url: str, tmp_path: Path
) -> None:
    """Start/end on the stage record marks; a recording spanning a stage's morning gets one
    chapter per item at the real starts (a late start, a handover by "end", a marked
    start), not at the planned times; items after its end get none."""
    from datetime import timedelta

    from sessions.live_marks import chapters_from_marks, record_mark
    from sessions.models import LiveMark

    async for app in _app_at(demo_database_url, tmp_path, "2026-11-30T09:05"):
        async with make_client(app) as client:
            opening = (await client.get("/api/sessions")).json()["sessions"][0]
            await login(client, "orga@example.org")
            token = await csrf_of(client, "/")
            for action in ("start", "next"):
                done = await client.post(
                    f"/sessions/{opening['id']}/live/{action}",
                    data={"csrf_token": token},
                    headers={"Accept": "application/json"},
                )
                assert done.status_code == 200
            handed_to = done.json()["next"]  # the moderator's "next item"
            assert (await client.get(f"/api/sessions/{handed_to}")).json()["state"] == "live"
            stage = (await client.get(f"/sessions/{handed_to}/stage")).text
            assert f'action="/sessions/{handed_to}/live/next"' in stage
        async with app_services(app).db.session() as db:
            marks = (await db.scalars(select(LiveMark).order_by(LiveMark.id))).all()
            assert [(m.session_id, m.kind) for m in marks] == [
                (opening["id"], "start"),
                (opening["id"], "end"),
                (handed_to, "start"),
            ]
            first = await db.get(ProgrammeSession, opening["id"])
            assert first is not None
            morning = (
                await db.scalars(
                    select(ProgrammeSession)
                    .where(
                        ProgrammeSession.stage_id == first.stage_id,
                        ProgrammeSession.day_id == first.day_id,
                    )
                    .order_by(ProgrammeSession.starts_at)
                )
            ).all()
            one, two, three = morning[:3]
            for mark in marks:  # start over with marks of a morning that ran late
                await db.delete(mark)
            await db.flush()
            late = one.starts_at + timedelta(minutes=5)  # the morning began 5 min late
            await record_mark(db, one.id, "start", late)
            await record_mark(db, one.id, "end", late + timedelta(minutes=20))  # handover
            await record_mark(db, three.id, "start", late + timedelta(minutes=50))
            recording = Recording(
                session_id=one.id,
                storage_key="recordings/morning.mp4",
                content_type="video/mp4",
                size_bytes=1,
                duration_seconds=3600.0,
                source="upload",
            )
            db.add(recording)
            await db.flush()
            chapters = await chapters_from_marks(db, recording)
            await db.commit()
            assert [(c.session_id, c.start_seconds) for c in chapters] == [
                (one.id, 0.0),
                (two.id, 1200.0),
                (three.id, 3000.0),
            ]
            planned = (two.starts_at - one.starts_at).total_seconds()
            assert planned != 1200.0  # the programme alone would have put it elsewhere
        async with make_client(app) as client:
            vtt = (await client.get(f"/recordings/{recording.id}/chapters.vtt")).text
            assert "00:20:00.000" in vtt and "00:50:00.000" in vtt and two.title in vtt
