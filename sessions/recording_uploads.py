"""Recordings made elsewhere, and the speakers' say over publication.

Organisers upload a video for a session: it streams to storage like booth materials
(never held in memory), is checked by content (MP4 or WebM), then probed with PyAV; a
file that does not decode as video is deleted again and refused. A new upload may
replace an earlier recording (the old file goes once the new one is stored). Speakers
may opt out of publication before or after their talk.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from fair.app_services import app_services
from fair.auth import require_user
from fair.errors import HTTPError
from fair.ids import parse_id, path_id
from fair.models import Role
from fair.storage import Storage
from fair.upload_receiving import store_upload, upload_errors
from fair.uploads import stream_upload_form
from fair.web import check_csrf, current_user, read_form, wants_json
from sessions.demo_media import poster_frame, probe_duration
from sessions.live.app_parts import live_parts
from sessions.live_marks import chapters_from_marks
from sessions.models import ProgrammeSession, Recording
from sessions.team import is_session_team

VIDEO_TYPES = {"video/mp4", "video/webm"}


async def _download(storage: Storage, key: str, path: Path) -> None:
    opened = await storage.open_range(key, None, None)
    with path.open("wb") as out:
        async for chunk in opened.body:
            await asyncio.to_thread(out.write, chunk)


def _has_video(path: Path) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return False
            for _frame in container.decode(video=0):
                return True
    except (av.FFmpegError, OSError, ValueError):
        return False
    return False


async def upload_recording(request: Request) -> Response:
    """POST ``/sessions/{id}/recordings/upload``: organisers only; ``replace`` names a
    recording of the same session the new file takes the place of."""
    require_user(current_user(request), Role.organiser)
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    async with app_services(request).db.session() as db:
        if await db.get(ProgrammeSession, session_id) is None:
            raise HTTPError(404, "Programmpunkt nicht gefunden.")
    storage: Storage = app_services(request).storage
    settings = app_services(request).settings
    async with upload_errors():
        form = await stream_upload_form(
            request, field_name="file", max_bytes=settings.max_upload_bytes
        )
        check_csrf(request, form.fields.get("csrf_token"))
        upload = await store_upload(
            storage,
            prefix=f"recordings/{session_id}/upload",
            chunks=form.chunks,
            filename=form.filename,
            max_bytes=settings.max_upload_bytes,
            allowed=VIDEO_TYPES,
        )
    replace = parse_id(form.fields.get("replace", "") or "")
    key = upload.stored.key
    with tempfile.TemporaryDirectory(prefix="fair-upload-") as scratch:
        local = Path(scratch) / "video"
        await _download(storage, key, local)
        duration = await asyncio.to_thread(probe_duration, local)
        if not duration or not await asyncio.to_thread(_has_video, local):
            await storage.delete(key)
            raise HTTPError(
                415, "file: Die Datei lässt sich nicht als Video abspielen.", field="file"
            )
        poster = Path(scratch) / "poster.jpg"
        poster_key = ""
        if await asyncio.to_thread(poster_frame, local, poster, min(5.0, duration / 2)):
            poster_key = (
                await storage.save_file(
                    f"{key}.jpg", poster, content_type="image/jpeg", filename="poster.jpg"
                )
            ).key
    async with app_services(request).db.session() as db:
        old = await db.get(Recording, replace) if replace else None
        if replace and (old is None or old.session_id != session_id):
            await storage.delete(key)
            raise HTTPError(404, "replace: Aufzeichnung dieses Programmpunkts nicht gefunden.")
        recording = Recording(
            session_id=session_id,
            storage_key=key,
            content_type=upload.stored.content_type or "video/mp4",
            size_bytes=upload.stored.size,
            duration_seconds=round(duration, 2),
            poster_key=poster_key,
            source="upload",
        )
        db.add(recording)
        await db.flush()
        # a stage's morning in one video: one chapter per item, at the marks taken live
        await chapters_from_marks(db, recording)
        old_keys = [old.storage_key, old.poster_key] if old else []
        if old is not None:
            await db.delete(old)
        await db.commit()
    for old_key in filter(None, old_keys):
        with contextlib.suppress(Exception):
            await storage.delete(old_key)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


async def recording_opt_out(request: Request) -> Response:
    """POST ``/sessions/{id}/recording-opt-out``: a speaker of the session (or an
    organiser) withdraws the talk's recordings from publication, or allows them again."""
    require_user(current_user(request))
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        if not await is_session_team(db, current_user(request), session_id):
            raise HTTPError(403, "Nur die Mitwirkenden dieses Programmpunkts entscheiden das.")
        session = await db.get(ProgrammeSession, session_id)
        if session is None:
            raise HTTPError(404, "Programmpunkt nicht gefunden.")
        session.recording_opt_out = form.get("opt_out") == "1"
        await db.commit()
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


async def compose_panel(request: Request) -> Response:
    """POST ``/sessions/{id}/recordings/compose``: organisers start composing a panel's
    per-publisher recordings into one video; GET shows the progress as JSON."""
    require_user(current_user(request), Role.organiser)
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    compositions = live_parts(request).compositions
    if request.method == "POST":
        await read_form(request)
        async with app_services(request).db.session() as db:
            if await db.get(ProgrammeSession, session_id) is None:
                raise HTTPError(404, "Programmpunkt nicht gefunden.")
        compositions.start(session_id)
        if not wants_json(request):
            return RedirectResponse(f"/sessions/{session_id}", status_code=303)
    job = compositions.jobs.get(session_id)
    if job is None:
        return JSONResponse({"state": "none", "progress": 0.0})
    return JSONResponse({"state": job.state, "progress": job.progress, "message": job.message})
