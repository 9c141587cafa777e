"""Pages of the programme: event home, programme, agenda, a session page (its Q&A and chat;
the questions' own routes are :mod:`sessions.question_views`) and the schedule exports."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from booths.models import NO_BOOTHS, booth_tags
from fair.app_services import app_services
from fair.archive_mode import is_archived, midnight_after
from fair.chat import recent_messages
from fair.errors import HTTPError
from fair.formatting import to_local
from fair.ids import parse_id, path_id, query_id
from fair.pagecache import cached_page, is_shared_render, page_fresh_until, page_tags
from fair.web import base_url, current_user, render, render_async
from sessions import qa
from sessions.exporters import Schedule, exporter_for
from sessions.library import MOST_WATCHED_REFRESH, LibraryFilter, library_recordings
from sessions.live.app_parts import live_parts
from sessions.queries import (
    event_faq,
    get_series,
    get_session,
    list_days,
    list_sessions,
    list_stages,
    list_topics,
    now_and_next,
    schedule_sessions,
)
from sessions.question_views import VOTER_COOKIE, set_voter
from sessions.states import next_change
from sessions.team import is_session_team

GROUPINGS = ("day", "stage", "topic")


@cached_page()
async def home(request: Request) -> Response:
    page_tags(request, NO_BOOTHS)  # now and next, FAQ; the hall is a link
    settings = app_services(request).settings
    now = settings.now()
    async with app_services(request).db.session() as db:
        series = await get_series(db)
        days = await list_days(db)
        faq = await event_faq(db)
        last_day = max((d.date for d in days), default=None)
        if is_archived(series.archive_mode if series else None, last_day, now, settings.time_zone):
            recordings = await library_recordings(db, LibraryFilter())
            page_fresh_until(request, now + MOST_WATCHED_REFRESH)  # views do not invalidate
            return await render_async(
                request,
                "sessions/archive_home.html",
                {
                    "series": series,
                    "days": days,
                    "faq": faq,
                    "by_day": {
                        d.id: [r for r in recordings if r.session.day_id == d.id] for d in days
                    },
                    "most_watched": sorted(recordings, key=lambda r: (-r.views, r.id))[:4],
                },
            )
        current = await now_and_next(db, now)
    page_fresh_until(request, next_change([*current.now, *current.next], now))
    if series is not None and series.archive_mode is None:
        page_fresh_until(request, midnight_after(last_day, settings.time_zone))
    other_series = await app_services(request).series_cache.others()
    return await render_async(
        request,
        "sessions/home.html",
        {
            "series": series,
            "days": days,
            "current": current,
            "faq": faq,
            "other_series": other_series,
        },
    )


@cached_page(params=("by", "day", "stage", "topic"))
async def programme(request: Request) -> Response:
    """By day (default, with each day's host), by stage or by topic; filters combine."""
    page_tags(request, NO_BOOTHS)
    by = request.query_params.get("by", "day")
    if by not in GROUPINGS:
        raise HTTPError(400, "by: day, stage oder topic", field="by")
    day_id = query_id(request.query_params, "day")
    stage_id = query_id(request.query_params, "stage")
    topic_id = query_id(request.query_params, "topic")
    async with app_services(request).db.session() as db:
        days = await list_days(db)
        stages = await list_stages(db)
        topics = await list_topics(db)
        sessions = await list_sessions(db, day_id=day_id, stage_id=stage_id, topic_id=topic_id)
    settings = app_services(request).settings
    page_fresh_until(request, next_change(sessions, settings.now()))
    # the "Heute" badge moves at local midnight
    page_fresh_until(
        request,
        midnight_after(to_local(settings.now(), settings.time_zone).date(), settings.time_zone),
    )
    groups: list[tuple[str, Any, list[Any]]] = []
    if by == "day":
        groups = [("day", d, [s for s in sessions if s.day_id == d.id]) for d in days]
    elif by == "stage":
        groups = [("stage", st, [s for s in sessions if s.stage_id == st.id]) for st in stages]
    else:
        groups = [("topic", t, [s for s in sessions if s.topic_id == t.id]) for t in topics]
        rest = [s for s in sessions if s.topic_id is None]
        if rest:
            groups.append(("topic", None, rest))
    context = {
        "days": days,
        "stages": stages,
        "topics": topics,
        "groups": [g for g in groups if g[2]],
        "by": by,
        "selected_day": day_id,
        "selected_stage": stage_id,
        "selected_topic": topic_id,
        "count": len(sessions),
        "show_day": by != "day",
    }
    return await render_async(request, "sessions/programme.html", context)


@cached_page()
async def agenda(request: Request) -> Response:
    """The personal agenda: starred sessions live in the browser (static/js/agenda.js)."""
    page_tags(request, NO_BOOTHS)
    async with app_services(request).db.session() as db:
        sessions = await list_sessions(db, include_cancelled=False)
    return await render_async(request, "sessions/agenda.html", {"sessions": sessions})


async def _voter_on_hit(request: Request, _meta: dict[str, Any], response: Response) -> None:
    if not request.cookies.get(VOTER_COOKIE):
        set_voter(request, response)


@cached_page(params=("t",), on_hit=_voter_on_hit)
async def session_detail(request: Request) -> Response:
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    user = current_user(request)
    voter = request.cookies.get(VOTER_COOKIE)
    # A page for every anonymous visitor shows no one's votes: qa.js marks the
    # visitor's own from the browser's storage.
    voter_for_page = None if is_shared_render(request) else voter
    page_tags(
        request,
        f"questions:{session_id}",
        f"chat_messages:{qa.session_channel(session_id)}",
    )
    async with app_services(request).db.session() as db:
        session = await get_session(db, session_id)
        faq = await event_faq(db, session.id)
        session_team = await is_session_team(db, user, session.id)
        questions = await qa.questions_for(db, session.id, include_hidden=session_team)
        voted = await qa.voted_ids(db, session.id, voter_for_page)
        messages = await recent_messages(db, qa.session_channel(session.id))
    page_tags(request, *booth_tags(session.booths))  # its booths and their materials
    page_fresh_until(request, next_change([session], app_services(request).settings.now()))
    context = {
        "session": session,
        "faq": faq,
        "session_team": session_team,
        "composition": live_parts(request).compositions.jobs.get(session.id),
        "questions": [q for q in questions if not q.hidden],
        "hidden_questions": [q for q in questions if q.hidden],
        "voted": voted,
        "messages": messages,
        "display_name": user.name if user else "",
    }
    response = render(request, "sessions/session.html", context)
    if not voter:
        set_voter(request, response)
    return response


def _session_ids(request: Request) -> list[int] | None:
    raw = request.query_params.get("sessions")
    if raw is None:
        return None
    ids = [parse_id(p.strip()) for p in raw.split(",") if p.strip()]
    if len(ids) > 500 or None in ids:
        raise HTTPError(400, "sessions: durch Kommas getrennte IDs", field="sessions")
    return [i for i in ids if i is not None]


@cached_page(params=("day", "sessions"))
async def schedule_export(request: Request) -> Response:
    """``/schedule.{ics,xml,json}``; the calendar also per ``?day=`` or ``?sessions=1,2``."""
    exporter_class = exporter_for(request.path_params["ext"])
    if exporter_class is None:
        raise HTTPError(404, "Exportformat nicht gefunden.")
    day_id = session_ids = None
    suffix = ""
    if exporter_class.filterable:
        day_id = query_id(request.query_params, "day")
        session_ids = _session_ids(request)
    settings = app_services(request).settings
    async with app_services(request).db.session() as db:
        series = await get_series(db)
        days = await list_days(db)
        stages = await list_stages(db)
        sessions = await schedule_sessions(
            db, day_id=day_id, session_ids=session_ids, include_cancelled=exporter_class.filterable
        )
    if day_id is not None:
        day = next((d for d in days if d.id == day_id), None)
        if day is None:
            raise HTTPError(404, "Veranstaltungstag nicht gefunden.")
        suffix = f" – {day.date:%d.%m.%Y}"
    elif session_ids is not None:
        suffix = " – Mein Programm"
    # the exports link each talk's booths by name
    page_tags(request, *booth_tags({b.id: b for s in sessions for b in s.booths}.values()))
    time_zone = series.time_zone if series else settings.time_zone
    schedule = Schedule(series, days, stages, sessions, time_zone, base_url(request), suffix)
    data = exporter_class(schedule).get_data()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=60",
        "Access-Control-Allow-Origin": "*",
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=exporter_class.content_type, headers=headers)
