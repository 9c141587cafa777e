"""Live HLS and recordings' segments served by the app, when no CDN or bucket origin is set.

With ``FAIR_MEDIA_BASE_URL`` the page points players at that origin and the app is not in
the HLS path at all. Without it (local storage, or a private bucket) this view streams the
objects under the talk's ``live/<session>/`` prefix: playlists change every segment and
are cacheable for one second, init and media segments never change and are immutable.

Only names the archive writes are accepted (a strict pattern, never a path from the
request), so nothing outside the talk's prefix can be reached.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from fair.app_services import app_services
from fair.errors import HTTPError
from fair.ids import parse_id
from fair.storage import range_response
from fair.web import current_user
from sessions.live.archive import (
    MASTER_NAME,
    MEDIA_PLAYLIST_NAME,
    PLAYLIST_CACHE,
    PLAYLIST_TYPE,
    SEATS_NAME,
    SEGMENT_CACHE,
    live_prefix,
)
from sessions.models import ProgrammeSession, Recording
from sessions.team import is_session_team

HLS_NAME = re.compile(
    r"^(?:master\.m3u8|seats\.json"
    r"|(?P<seat>[0-9]{1,2}-[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}-[0-9]{8}T[0-9]{6})"
    r"/(?:low/)?(?:init\.mp4|index\.m3u8|[0-9]{5}\.m4s))$"
)


def hls_url(media_base_url: str, session_id: int) -> str:
    """The multivariant playlist of a talk, as the player fetches it."""
    if media_base_url:
        return f"{media_base_url.rstrip('/')}/{live_prefix(session_id)}/{MASTER_NAME}"
    return f"/sessions/{session_id}/hls/{MASTER_NAME}"


def recording_hls_url(media_base_url: str, session_id: int, playlist_key: str) -> str:
    """A recording's VOD playlist (``playlist_key`` is ``live/<session>/<seat>/index.m3u8``)."""
    if media_base_url:
        return f"{media_base_url.rstrip('/')}/{playlist_key}"
    return f"/sessions/{session_id}/hls/{playlist_key.removeprefix(live_prefix(session_id) + '/')}"


def _not_found() -> HTTPError:
    return HTTPError(404, "Stream nicht gefunden.")


async def hls_file(request: Request) -> Response:
    """One playlist or segment of a talk; 404 for anything not recorded or withdrawn."""
    session_id = parse_id(request.path_params["session_id"])
    name = request.path_params["name"]
    match = HLS_NAME.match(name) if ".." not in name else None
    if session_id is None or match is None:
        raise _not_found()
    async with app_services(request).db.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        if session is None or session.do_not_record or session.cancelled:
            raise _not_found()
        if match.group("seat"):  # a withdrawn recording stays visible to its people only
            playlist = f"{live_prefix(session_id)}/{match.group('seat')}/{MEDIA_PLAYLIST_NAME}"
            published = await db.scalar(
                select(Recording.published).where(Recording.playlist_key == playlist)
            )
            if published is False and not await is_session_team(
                db, current_user(request), session_id
            ):
                raise _not_found()
    is_playlist = name.endswith((".m3u8", ".json"))  # seats.json changes like a playlist
    if name == SEATS_NAME:
        content_type = "application/json"
    else:
        content_type = PLAYLIST_TYPE if is_playlist else "video/mp4"
    response = await range_response(
        app_services(request).storage,
        f"{live_prefix(session_id)}/{name}",
        request,
        content_type=content_type,
    )
    response.headers["Cache-Control"] = PLAYLIST_CACHE if is_playlist else SEGMENT_CACHE
    return response
