"""Recordings after the fair: the library and the player page with chapters and captions,
their edits and bad inputs, recordings made elsewhere, the talks' slides, and chapters from
the marks taken while live."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import webvtt
from sqlalchemy import func, select
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.models import Caption, CaptionCue, Chapter, ProgrammeSession, Recording
from tests.support.app import csrf_of, login, make_client, make_settings, running_app
from tests.support.form_errors import error_at
from tests.support.programme import session_ids

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
        # a browser's form post gets the page again, the text kept, the reason at the field
        client.cookies.set("fair_lang", "en")
        form = await client.post(url, data={"csrf_token": token, "chapters": "kaputt Titel"})
        assert form.status_code == 400
        assert error_at(form, "chapters-text") == "line 1: “kaputt” is not a time"
        assert ">kaputt Titel</textarea>" in form.text
        client.cookies.set("fair_lang", "de")
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


# ------------------------------------------------------------------ recordings made elsewhere


async def test_organisers_upload_replace_and_speakers_opt_out(
    after_event: Starlette, tmp_path: Path
) -> None:
    from tests.support.media import write_fragmented_mp4

    video = tmp_path / "talk.mp4"
    write_fragmented_mp4(video, seconds=3)
    session_id = (await session_ids(after_event))[5]
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
        other = next(i for i in await session_ids(first_morning) if i not in recorded)
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

    async for app in running_app(
        make_settings(demo_database_url, tmp_path, today="2026-11-30T09:05")
    ):
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
