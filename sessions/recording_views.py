"""Pages of the lasting fair: the recordings library, the player page with chapters and
captions, their WebVTT files and poster frames, and the organisers' edits; a talk's
recording file (``/sessions/{id}/recordings/{id}``, with Range support) and its
publishing, whose addresses sit beside the talk's live stage (:mod:`sessions.live.routes`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booths.models import NO_BOOTHS, booth_tags
from fair.app_services import app_services
from fair.auth import require_user
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import LANGUAGES, gettext_for
from fair.ids import path_id, query_id
from fair.models import Role
from fair.pagecache import cached_page, page_meta, page_tags
from fair.storage import range_response
from fair.web import (
    CSRF_FIELD,
    check_csrf,
    current_user,
    form_text,
    language,
    read_form,
    render,
    wants_json,
)
from sessions import chapters as chapter_rules
from sessions.app_parts import programme_parts
from sessions.library import (
    LibraryFilter,
    all_recordings,
    answered_questions,
    caption_vtt,
    get_recording,
    matching,
    speakers_of,
)
from sessions.models import Recording
from sessions.queries import event_faq, get_session, list_days, list_stages, list_topics
from sessions.team import is_session_team
from sessions.timelinks import resolve_time

VTT_TYPE = "text/vtt; charset=utf-8"


def _library_filter(request: Request) -> LibraryFilter:
    params = request.query_params
    language = params.get("language") or None
    if language is not None and language not in LANGUAGES:
        raise HTTPError(400, "language: de oder en", field="language")
    return LibraryFilter(
        day_id=query_id(params, "day"),
        stage_id=query_id(params, "stage"),
        topic_id=query_id(params, "topic"),
        speaker_id=query_id(params, "speaker"),
        language=language,
    )


@cached_page(params=("day", "stage", "topic", "speaker", "language"))
async def library(request: Request) -> Response:
    """``/recordings``: filter by day (and its host), stage, topic, speaker, language."""
    page_tags(request, NO_BOOTHS)
    wanted = _library_filter(request)
    async with app_services(request).db.session() as db:
        everything = await all_recordings(db)
        days = await list_days(db)
        stages = await list_stages(db)
        topics = await list_topics(db)
    context = {
        "recordings": matching(everything, wanted),
        "speakers": speakers_of(everything),
        "days": days,
        "stages": stages,
        "topics": topics,
        "languages": LANGUAGES,
        "wanted": wanted,
    }
    return render(request, "sessions/recordings.html", context)


async def _visible_recording(request: Request, db: Any) -> tuple[Recording, bool]:
    """The recording and whether the visitor may edit it; unpublished ones are 404 to
    everyone but the people who may publish them."""
    recording = await get_recording(
        db, path_id(request.path_params, "recording_id", "Aufzeichnung")
    )
    editor = await is_session_team(db, current_user(request), recording.session_id)
    if not editor and (not recording.published or recording.session.recording_opt_out):
        raise HTTPError(404, "Aufzeichnung nicht gefunden.")
    return recording, editor


async def _count_view(request: Request, meta: dict[str, object], _response: Response) -> None:
    recording_id = meta.get("recording_id")
    if request.method == "GET" and isinstance(recording_id, int):
        programme_parts(request).recording_views.add(recording_id, 1)


@cached_page(params=("t",), on_hit=_count_view)
async def player(request: Request) -> Response:
    """``/recordings/{id}``: the video at ``?t=``, chapters beside it, captions, the talk's
    speakers, FAQ, answered questions and booths. A view is counted in memory
    (:class:`sessions.library.RecordingViews`), on cache hits too."""
    return await _player_page(request)


async def _player_page(
    request: Request,
    refused: tuple[str, dict[str, str], dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The player page; after a refused edit ``refused`` names the form ("chapters",
    "captions"), what was typed and the reason at its field."""
    async with app_services(request).db.session() as db:
        recording, editor = await _visible_recording(request, db)
        session_ids = sorted(
            {recording.session_id}
            | {c.session_id for c in recording.chapters if c.session_id is not None}
        )
        questions = await answered_questions(db, session_ids)
        faq = await event_faq(db, recording.session_id)
    page_tags(request, *(f"questions:{sid}" for sid in session_ids))
    page_tags(request, *booth_tags(recording.session.booths))  # with their materials
    page_meta(request, recording_id=recording.id)
    if request.method == "GET":
        programme_parts(request).recording_views.add(recording.id, 1)
    start = resolve_time(request.query_params.get("t"), recording.duration_seconds)
    context = {
        "recording": recording,
        "session": recording.session,
        "start": start,
        "questions": questions,
        "faq": faq,
        "editor": editor,
        "chapters_text": chapter_rules.chapters_text(recording),
        "caption_languages": chapter_rules.CAPTION_LANGUAGES,
        "edit_target": refused[0] if refused else None,
        "edit_values": refused[1] if refused else {},
        "edit_errors": refused[2] if refused else {},
    }
    return render(request, "sessions/recording.html", context, status_code=status_code)


async def _refused_edit(
    request: Request, error: HTTPError, target: str, typed: dict[str, str]
) -> Response:
    """A refused chapter list or caption file: the page with what was typed (a client
    that asks for JSON, the page's own script, gets the error as JSON)."""
    if error.status_code != 400 or wants_json(request):
        raise error
    errors = field_errors(error, gettext_for(language(request)).gettext)
    return await _player_page(request, (target, typed, errors), 400)


@cached_page()
async def chapters_file(request: Request) -> Response:
    page_tags(request, NO_BOOTHS)
    async with app_services(request).db.session() as db:
        recording, _editor = await _visible_recording(request, db)
    return Response(chapter_rules.chapters_vtt(recording), media_type=VTT_TYPE)


@cached_page()
async def captions_file(request: Request) -> Response:
    page_tags(request, NO_BOOTHS)
    language = request.path_params["language"]
    if language not in chapter_rules.CAPTION_LANGUAGES:
        raise HTTPError(404, "Untertitel nicht gefunden.")
    async with app_services(request).db.session() as db:
        recording, _editor = await _visible_recording(request, db)
        caption = await caption_vtt(db, recording.id, language)
    return Response(caption.vtt, media_type=VTT_TYPE)


async def poster(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        recording, _editor = await _visible_recording(request, db)
    if not recording.poster_key:
        raise HTTPError(404, "Standbild nicht gefunden.")
    return await range_response(
        app_services(request).storage, recording.poster_key, request, content_type="image/jpeg"
    )


async def _require_editor(request: Request, db: Any) -> Recording:
    require_user(current_user(request))  # 401 before anything is looked up
    recording, editor = await _visible_recording(request, db)
    if not editor:
        raise HTTPError(403, "Nur Organisation und Mitwirkende bearbeiten Aufzeichnungen.")
    return recording


async def edit_chapters(request: Request) -> Response:
    require_user(current_user(request))
    form = await read_form(request)
    try:
        text = form_text(form, "chapters", required=False, max_length=20000)
        async with app_services(request).db.session() as db:
            recording = await _require_editor(request, db)
            await chapter_rules.replace_chapters(db, recording, text)
            await db.commit()
    except HTTPError as error:
        return await _refused_edit(
            request, error, "chapters", {"chapters": str(form.get("chapters") or "")}
        )
    return RedirectResponse(f"/recordings/{recording.id}#chapters", status_code=303)


async def upload_captions(request: Request) -> Response:
    """WebVTT or SRT as a file or pasted; a bad file is refused naming line and reason."""
    require_user(current_user(request))
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # python-multipart raises several types for broken bodies
        raise HTTPError(400, f"Formular konnte nicht gelesen werden: {exc}") from exc
    token = form.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else None)
    caption_language = str(form.get("language") or "")
    upload = form.get("captions")
    if upload is None or isinstance(upload, str):
        data = (upload or "").encode()
    else:
        data = await upload.read(chapter_rules.MAX_CAPTION_BYTES + 1)
    try:
        async with app_services(request).db.session() as db:
            recording = await _require_editor(request, db)
            await chapter_rules.store_captions(db, recording, caption_language, data)
            await db.commit()
    except HTTPError as error:
        return await _refused_edit(request, error, "captions", {"language": caption_language})
    return RedirectResponse(f"/recordings/{recording.id}#captions", status_code=303)


async def _path_recording(request: Request, db: AsyncSession) -> Recording:
    """The recording the path names, of the session the path names; 404 otherwise."""
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    recording_id = path_id(request.path_params, "recording_id", "Aufzeichnung")
    recording = await db.get(Recording, recording_id)
    if recording is None or recording.session_id != session_id:
        raise HTTPError(404, "Aufzeichnung nicht gefunden.")
    return recording


async def recording_media(request: Request) -> Response:
    """A recording, streamed with Range support so players can seek."""
    async with app_services(request).db.session() as db:
        recording = await _path_recording(request, db)
        if not recording.published:
            session = await get_session(db, recording.session_id)
            if not await is_session_team(db, current_user(request), session.id):
                raise HTTPError(404, "Aufzeichnung nicht gefunden.")
    return await range_response(
        app_services(request).storage,
        recording.storage_key,
        request,
        content_type=recording.content_type,
    )


async def toggle_recording(request: Request) -> Response:
    """Organisers publish or withdraw a recording."""
    require_user(current_user(request), Role.organiser)
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        recording = await _path_recording(request, db)
        recording.published = form.get("published") == "1"
        session_id = recording.session_id
        await db.commit()
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)
