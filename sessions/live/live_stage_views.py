"""Views of the live stage (``/sessions/{id}/stage`` and ``/sessions/{id}/live…``): the
speaker's stage page, the live status, WebRTC offers for publishers and viewers, steering
the stage (start, end, hand over to the next item). The URL table is
:mod:`sessions.live.routes`; a recording's playback is :mod:`sessions.recording_views`.
The engine and its companions are :class:`~sessions.live.app_parts.LiveParts`.

Signalling is one JSON POST per peer (``{"sdp", "type"}`` in, the answer out); see
``sessions/live/README.md`` for the browser protocol. Rights are checked before any
SDP is read, so a refused publisher never gets media flowing.
"""

from __future__ import annotations

import logging

from aiortc import RTCSessionDescription
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from fair.app_services import app_services
from fair.auth import CurrentUser
from fair.errors import HTTPError
from fair.ids import path_id
from fair.rtc.signalling import check_offer_rate, read_offer
from fair.web import current_user, read_form, render, wants_json
from sessions.go_live import go_live_refusal
from sessions.live.app_parts import live_parts
from sessions.live.hls_views import hls_url
from sessions.live.session_state import store_live_state
from sessions.live_marks import spanned_sessions
from sessions.models import LiveState, ProgrammeSession
from sessions.queries import get_session
from sessions.states import Phase, phase_of
from sessions.team import is_session_team

logger = logging.getLogger(__name__)


async def may_publish(
    db: AsyncSession, user: CurrentUser | None, session: ProgrammeSession
) -> bool:
    """Organisers, and the speakers (or moderator) of this session: its team, the same
    people who mark its questions."""
    return await is_session_team(db, user, session.id)


async def _load_session(request: Request) -> ProgrammeSession:
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    async with app_services(request).db.session() as db:
        session: ProgrammeSession = await get_session(db, session_id)
        return session


async def _require_publisher(request: Request) -> ProgrammeSession:
    user = current_user(request)
    if user is None:
        raise HTTPError(401, "Bitte melden Sie sich an, um zu senden.")
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    async with app_services(request).db.session() as db:
        session = await get_session(db, session_id)
        if not await may_publish(db, user, session):
            raise HTTPError(403, "Nur die Mitwirkenden dieses Programmpunkts dürfen senden.")
    return session


def _record(request: Request, session: ProgrammeSession) -> bool:
    return bool(app_services(request).settings.record_sessions) and not session.do_not_record


async def _set_state(request: Request, session_id: int, state: LiveState) -> None:
    services = app_services(request)
    await store_live_state(services.db, services.hub, services.settings.now(), session_id, state)


async def _end_stage(request: Request, session_id: int) -> None:
    """End the talk's stage, then store "ended": while the media worker is being
    restarted this answers 503 and changes nothing (no half-ended talk); parts a dead
    worker left are joined into the talk's one recording."""
    parts = live_parts(request)
    await parts.engine.end(str(session_id))
    await parts.archive.finish_interrupted(str(session_id))
    await _set_state(request, session_id, LiveState.ended)


def _is_over(request: Request, session: ProgrammeSession) -> bool:
    return phase_of(session, app_services(request).settings.now())[0] in (
        Phase.ended,
        Phase.cancelled,
    )


def _answer(answer: RTCSessionDescription) -> JSONResponse:
    return JSONResponse({"sdp": answer.sdp, "type": answer.type})


async def stage_page(request: Request) -> Response:
    """The speaker's page: camera, microphone, screen share, go live."""
    session = await _require_publisher(request)
    return render(request, "sessions/stage.html", {"session": session})


async def _status_session(request: Request) -> ProgrammeSession:
    """The talk's own row only: the status poll (every viewer, every 3 s) needs its times
    and live state, not the joined speakers, booths and recordings of the talk's page."""
    async with app_services(request).db.session() as db:
        session_id = path_id(request.path_params, "session_id", "Programmpunkt")
        session = await db.get(ProgrammeSession, session_id)
    if session is None:
        raise HTTPError(404, "Programmpunkt nicht gefunden.")
    return session


async def live_status(request: Request) -> Response:
    session = await _status_session(request)
    parts = live_parts(request)
    engine, archive = parts.engine, parts.archive
    info = dict(await engine.describe(str(session.id)))
    if _is_over(request, session):
        info["state"] = "ended"
    elif info.get("state") == "idle" and str(session.id) in archive.interrupted_sessions:
        info["state"] = "interrupted"  # a media process died mid-talk; it continues
    elif info.get("state") == "idle" and session.live_state is LiveState.live:
        info["state"] = "waiting"
    info["generation"] = engine.generation  # changed: the pages' peers must reconnect
    info["worker_restarts"] = engine.restarts
    if engine.last_restart is not None:
        info["worker_restarted_at"] = engine.last_restart
    info["session_state"] = session.live_state.value
    if _record(request, session):  # live HLS exists only for recorded talks
        info["hls_url"] = hls_url(app_services(request).settings.media_base_url, session.id)
        audience = parts.hls_audience
        token = request.query_params.get("hls")
        if token:  # an HLS player's poll: it counts as a viewer (approximate, see module)
            audience.seen(session.id, token)
        info["hls_viewers"] = audience.count(session.id)
        info["viewers"] = int(info.get("viewers", 0)) + info["hls_viewers"]
        if archive.spool_full(session.id):
            info["recording_trouble"] = "spool_full"
    info["phase"] = phase_of(session, app_services(request).settings.now())[0].value
    return JSONResponse(info, headers={"Cache-Control": "no-store"})


async def publish(request: Request) -> Response:
    session = await _require_publisher(request)
    if _is_over(request, session):
        raise HTTPError(409, "Dieser Programmpunkt ist beendet oder abgesagt.")
    user = current_user(request)
    assert user is not None
    settings = app_services(request).settings
    refusal = go_live_refusal(
        session,
        settings.now(),
        window_minutes=settings.go_live_window_minutes,
        is_organiser=user.is_organiser,
        time_zone=settings.time_zone,
    )
    if refusal is not None:
        raise HTTPError(409, refusal)
    check_offer_rate(request)
    sdp, kind = await read_offer(request)
    source = request.query_params.get("source", "camera")
    if source not in ("camera", "screen"):
        raise HTTPError(400, "source: camera oder screen", field="source")
    publisher_id = f"user-{user.id}" + ("-screen" if source == "screen" else "")
    engine = await live_parts(request).engine.get()
    answer = await engine.publish(
        str(session.id), sdp, kind, publisher_id, record=_record(request, session)
    )
    await _set_state(request, session.id, LiveState.live)
    return _answer(answer)


async def watch(request: Request) -> Response:
    session = await _load_session(request)
    if _is_over(request, session):
        raise HTTPError(409, "Dieser Programmpunkt ist beendet; die Aufzeichnung folgt.")
    check_offer_rate(request)
    sdp, kind = await read_offer(request)
    engine = await live_parts(request).engine.get()
    info = await engine.describe(str(session.id))
    settings = app_services(request).settings
    if int(info.get("viewers", 0)) >= min(
        settings.live_max_viewers, settings.live_webrtc_max_viewers
    ):
        # the page switches to HLS, which any number of viewers can fetch from storage
        raise HTTPError(503, "Dieser Programmpunkt hat gerade zu viele Zuschauende.")
    answer = await engine.watch(str(session.id), sdp, kind, record=_record(request, session))
    return _answer(answer)


async def steer_stage(request: Request) -> Response:
    """POST ``/sessions/{id}/live/{start|end|next}``: the moderation starts the talk on its
    stage, or ends it (its speakers may end their own talk), or hands the stage over to
    the next item ("next"): its end and the next one's start are marked at the same
    moment, so chapters split there."""
    action = request.path_params["action"]
    if action == "next":
        return await _hand_over_to_next(request)
    if action not in ("start", "end"):
        raise HTTPError(404, "Seite nicht gefunden.")
    session = await _require_publisher(request)
    user = current_user(request)
    assert user is not None
    await read_form(request)
    if action == "start":
        if not user.is_organiser:
            raise HTTPError(403, "Nur die Moderation kann einen Programmpunkt starten.")
        if _is_over(request, session):
            raise HTTPError(409, "Dieser Programmpunkt ist beendet oder abgesagt.")
        await _set_state(request, session.id, LiveState.live)
    else:
        await _end_stage(request, session.id)
    if wants_json(request):
        return JSONResponse({"state": "live" if action == "start" else "ended"})
    return RedirectResponse(f"/sessions/{session.id}/stage", status_code=303)


async def _hand_over_to_next(request: Request) -> Response:
    session = await _require_publisher(request)
    user = current_user(request)
    assert user is not None
    await read_form(request)
    if not user.is_organiser:
        raise HTTPError(403, "Nur die Moderation kann zum nächsten Programmpunkt wechseln.")
    if _is_over(request, session):
        raise HTTPError(409, "Dieser Programmpunkt ist beendet oder abgesagt.")
    async with app_services(request).db.session() as db:
        following = (await spanned_sessions(db, session))[1:2]
    if not following:
        raise HTTPError(409, "Auf dieser Bühne folgt heute kein weiterer Programmpunkt.")
    await _end_stage(request, session.id)
    await _set_state(request, following[0].id, LiveState.live)
    if wants_json(request):
        return JSONResponse({"state": "ended", "next": following[0].id})
    return RedirectResponse(f"/sessions/{following[0].id}/stage", status_code=303)
