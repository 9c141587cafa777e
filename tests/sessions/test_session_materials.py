"""A talk's own slides and files through the app's real routes, to local storage and to
a nanio S3 server, on SQLite and PostgreSQL: a speaker uploads, renames, reorders and
deletes; anonymous visitors see the file on the (cached) session and recording pages
at once, download it with the right name, the fair-wide search finds it; bad input is
refused with a clear message and leaves nothing behind."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.seed import tiny_pdf
from sessions.models import (
    ProgrammeSession,
    Recording,
    SessionMaterial,
    SessionMaterialDownloads,
    SessionSpeaker,
)
from tests.support.app import login
from tests.support.booth_helpers import (
    KRZ,
    LIMIT,
    ORGANISER,
    client_of,
    error_text,
    fetch_download,
    open_uploads,
    stored_files,
    upload,
)
from tests.support.stage import first_talk_of

SPEAKER = "henning.wiebusch@example.org"
OTHER_SPEAKER = "nora.engels@example.org"
# A real PDF padded to 20,700 bytes: "20,2 KB" in German, "20.2 KB" in English.
SLIDES = tiny_pdf("Folien zum Zuständigkeitsfinder").ljust(20_700, b"\n")
WORD = "Zuständigkeitsfinder"  # in the material title only, in no demo text


async def _talks(app: Starlette) -> tuple[int, int]:
    """(a talk of SPEAKER, a talk SPEAKER has no part in)."""
    async with app_services(app).db.session() as db:
        own = await db.scalar(first_talk_of("Henning Wiebusch"))
        theirs = select(SessionSpeaker.session_id).where(SessionSpeaker.session_id == own)
        other = await db.scalar(
            select(ProgrammeSession.id)
            .where(ProgrammeSession.id != own, ProgrammeSession.id.not_in(theirs))
            .order_by(ProgrammeSession.id)
            .limit(1)
        )
        assert own is not None and other is not None
        return own, other


async def _recording(app: Starlette, session_id: int) -> int:
    """A published recording of the talk (its player page needs no video file)."""
    async with app_services(app).db.session() as db:
        recording = Recording(
            session_id=session_id,
            storage_key=f"recordings/{session_id}/talk.mp4",
            size_bytes=1000,
            duration_seconds=180.0,
            source="upload",
        )
        db.add(recording)
        await db.commit()
        return recording.id


async def _materials(app: Starlette) -> list[tuple[int, str, str, int]]:
    async with app_services(app).db.session() as db:
        rows = await db.scalars(
            select(SessionMaterial).order_by(SessionMaterial.session_id, SessionMaterial.position)
        )
        return [(m.session_id, m.title, m.filename, m.position) for m in rows]


async def _downloads(app: Starlette) -> int:
    async with app_services(app).db.session() as db:
        total = await db.scalar(select(func.sum(SessionMaterialDownloads.downloads)))
        return int(total or 0)


def _section(page: str) -> str:
    assert "data-talk-materials" in page
    return page.split("data-talk-materials", 1)[1].split("</section>", 1)[0]


def _slide_files(app: Starlette) -> list[str]:
    return [f for f in stored_files(app) if f.startswith("session-materials/")]


async def test_speaker_uploads_slides_latecomers_see_find_and_download_them(
    hall_app: Starlette, storage_kind: str
) -> None:
    own, _other = await _talks(hall_app)
    recording_id = await _recording(hall_app, own)
    pages = (f"/sessions/{own}", f"/recordings/{recording_id}")
    async with client_of(hall_app) as visitor:
        for path in pages:  # rendered and cached before the upload
            assert "data-session-materials" not in (await visitor.get(path)).text
        assert f'href="/sessions/{own}"' not in (await visitor.get(f"/search?q={WORD}")).text

        async with client_of(hall_app) as speaker:
            await login(speaker, SPEAKER)
            assert "Folien und Material verwalten" in (await speaker.get(pages[0])).text
            sent = await upload(
                speaker,
                f"/sessions/{own}/materials",
                SLIDES,
                filename="Folien Zuständigkeitsfinder.pdf",
                title=f"Folien: {WORD}",
            )
            assert sent.status_code == 303, error_text(sent)
            assert sent.headers["location"].startswith(f"/sessions/{own}/materials?saved=1")
            manage = (await speaker.get(sent.headers["location"])).text
            assert f"Folien: {WORD}" in manage and "0 Downloads" in manage

        for path in pages:  # the cached pages were dropped by the upload's commit
            section = _section((await visitor.get(path)).text)
            assert f"Folien: {WORD}" in section, path
            assert ">PDF<" in section and "20,2\u00a0KB" in section, section
        link = re.search(r'href="(/sessions/\d+/materials/\d+/download\.pdf)"', section)
        assert link is not None
        english = (await visitor.get(f"{pages[1]}?lang=en")).text
        assert "20.2\u00a0KB" in _section(english)

        file = await fetch_download(visitor, link.group(1))
        assert file.status_code == 200 and file.content == SLIDES
        disposition = file.headers["content-disposition"]
        assert disposition.startswith("attachment")
        assert "filename*=UTF-8''Folien%20Zust%C3%A4ndigkeitsfinder.pdf" in disposition
        assert file.headers["content-type"].startswith("application/pdf")
        if storage_kind == "local":  # the rest of a file is not a second download
            rest = await visitor.get(link.group(1), headers={"Range": "bytes=100-"})
            assert rest.status_code == 206 and rest.content == SLIDES[100:]
        assert await _downloads(hall_app) == 1
        wrong = link.group(1).replace(".pdf", ".html")
        assert (await visitor.get(wrong)).status_code == 404

        hits = (await visitor.get(f"/search?q={WORD}")).text
        assert f'href="/sessions/{own}"' in hits


async def test_speakers_rename_reorder_and_delete(hall_app: Starlette) -> None:
    own, _other = await _talks(hall_app)
    async with client_of(hall_app) as speaker:
        await login(speaker, SPEAKER)
        for title, name in (("Folien", "folien.pdf"), ("Handout", "handout.pdf")):
            sent = await upload(speaker, f"/sessions/{own}/materials", SLIDES, filename=name,
                                title=title)  # fmt: skip
            assert sent.status_code == 303, error_text(sent)
        assert [m[1] for m in await _materials(hall_app)] == ["Folien", "Handout"]
        base = f"/sessions/{own}/materials"
        manage = (await speaker.get(base)).text
        ids = re.findall(r'id="material-(\d+)"', manage)
        token = re.search(r'name="csrf_token" value="([^"]+)"', manage)
        assert token is not None and len(ids) == 2
        form = {"csrf_token": token.group(1)}

        moved = await speaker.post(f"{base}/{ids[1]}/move", data={**form, "direction": "up"})
        assert moved.status_code == 303
        assert [m[1] for m in await _materials(hall_app)] == ["Handout", "Folien"]
        bad_move = await speaker.post(f"{base}/{ids[1]}/move", data={**form, "direction": "x"})
        assert bad_move.status_code == 400 and "direction" in error_text(bad_move)

        renamed = await speaker.post(f"{base}/{ids[0]}", data={**form, "title": "Folien (final)"})
        assert renamed.status_code == 303
        empty = await speaker.post(f"{base}/{ids[0]}", data={**form, "title": "  "})
        assert empty.status_code == 400 and "title" in error_text(empty)
        too_long = await speaker.post(f"{base}/{ids[0]}", data={**form, "title": "x" * 201})
        assert too_long.status_code == 400 and "title" in error_text(too_long)
        page = _section((await speaker.get(f"/sessions/{own}")).text)
        assert page.index("Handout") < page.index("Folien (final)")

        assert len(_slide_files(hall_app)) == 2
        deleted = await speaker.post(f"{base}/{ids[1]}/delete", data=form)
        assert deleted.status_code == 303
        assert await _materials(hall_app) == [(own, "Folien (final)", "folien.pdf", 0)]
        assert len(_slide_files(hall_app)) == 1  # the file went with it
        again = await speaker.post(f"{base}/{ids[1]}/delete", data=form)
        assert again.status_code == 404


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_bad_uploads_are_refused_and_leave_nothing_behind(hall_app: Starlette) -> None:
    own, other = await _talks(hall_app)
    cases: list[tuple[str | None, str, bytes, str, int, str]] = [
        (SPEAKER, f"/sessions/{own}/materials", b"<html><script>x</script></html>", "a.pdf",
         415, "Dateityp nicht erlaubt"),
        (SPEAKER, f"/sessions/{own}/materials", SLIDES.ljust(LIMIT + 10, b"\n"), "big.pdf",
         413, "zu groß"),
        (SPEAKER, f"/sessions/{own}/materials", b"", "leer.pdf", 400, "leer"),
        (SPEAKER, f"/sessions/{other}/materials", SLIDES, "f.pdf", 403, "Mitwirkenden"),
        (OTHER_SPEAKER, f"/sessions/{own}/materials", SLIDES, "f.pdf", 403, "Mitwirkenden"),
        (KRZ, f"/sessions/{own}/materials", SLIDES, "f.pdf", 403, "Mitwirkenden"),
        (None, f"/sessions/{own}/materials", SLIDES, "f.pdf", 401, "melden Sie sich an"),
        (ORGANISER, "/sessions/999999/materials", SLIDES, "f.pdf", 404, "Programmpunkt"),
    ]  # fmt: skip
    for account, path, content, filename, status, message in cases:
        async with client_of(hall_app) as client:
            if account is not None:
                await login(client, account)
            response = await upload(client, path, content, filename=filename)
            assert response.status_code == status, (account, path, response.text[:300])
            text = error_text(response)
            assert message in text, (status, text[:300])
            if status in (400, 413, 415):
                assert "file" in text
    assert await _materials(hall_app) == []
    assert _slide_files(hall_app) == [] and open_uploads(hall_app) == []
    async with client_of(hall_app) as organiser:  # organisers may, for any talk
        await login(organiser, ORGANISER)
        sent = await upload(organiser, f"/sessions/{other}/materials", SLIDES, title="Folien")
        assert sent.status_code == 303, error_text(sent)
    assert [m[0] for m in await _materials(hall_app)] == [other]
