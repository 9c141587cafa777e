"""Pages of the programme: the event home, the programme, a session, recordings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fair.errors import HTTPError
from fair.web import render
from sessions.queries import (
    event_faq,
    get_series,
    get_session,
    list_days,
    list_sessions,
    now_and_next,
    published_recordings,
)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise HTTPError(400, f"{name}: keine gültige ID", field=name) from exc


async def home(request: Request) -> Response:
    async with request.app.state.db.session() as db:
        series = await get_series(db)
        days = await list_days(db)
        current = await now_and_next(db)
        faq = await event_faq(db)
    return render(
        request,
        "sessions/home.html",
        {"series": series, "days": days, "current": current, "faq": faq},
    )


async def programme(request: Request) -> Response:
    day_id = _int_param(request, "day")
    async with request.app.state.db.session() as db:
        days = await list_days(db)
        sessions = await list_sessions(db, day_id=day_id)
    by_day = {day.id: [s for s in sessions if s.day_id == day.id] for day in days}
    return render(
        request,
        "sessions/programme.html",
        {"days": days, "by_day": by_day, "selected_day": day_id, "count": len(sessions)},
    )


def _session_id(request: Request) -> int:
    try:
        return int(request.path_params["session_id"])
    except ValueError as exc:
        raise HTTPError(404, "Programmpunkt nicht gefunden.") from exc


async def session_detail(request: Request) -> Response:
    async with request.app.state.db.session() as db:
        session = await get_session(db, _session_id(request))
        faq = await event_faq(db, session.id)
    return render(request, "sessions/session.html", {"session": session, "faq": faq})


async def recordings(request: Request) -> Response:
    async with request.app.state.db.session() as db:
        items = await published_recordings(db)
    return render(request, "sessions/recordings.html", {"recordings": items})
