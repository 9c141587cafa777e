"""``/search``: one search box for the whole fair, results grouped by kind with counts.

Booths (with their materials and contacts) come from the booth index, sessions, speakers
and what is said in recordings from the programme index; a caption hit links to the
second its cue starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from starlette.requests import Request
from starlette.responses import Response

from booths.models import ALL_BOOTHS
from booths.queries import HallFilter, list_booths
from booths.search import SearchService
from fair.app_services import app_services
from fair.pagecache import cached_page, page_tags
from fair.search import MAX_QUERY_CHARS
from fair.web import render
from sessions.models import Caption, CaptionCue, ProgrammeSession, Recording, Speaker
from sessions.queries import all_sessions, session_query
from sessions.search import Hit, search_programme
from sessions.timelinks import format_time_link

MAX_CUE_HITS = 50


@dataclass(frozen=True)
class SpokenHit:
    recording: Recording
    seconds: float
    text: str
    language: str  # the captions' (the page marks text in another language)

    @property
    def url(self) -> str:
        return f"/recordings/{self.recording.id}?t={format_time_link(self.seconds)}"


def _ids(hits: list[Hit], kind: str) -> list[int]:
    seen: dict[int, None] = {}
    for hit in hits:
        if hit.kind == kind:
            seen.setdefault(hit.ref_id, None)
    return list(seen)


async def _spoken(db: Any, hits: list[Hit]) -> list[SpokenHit]:
    wanted = [(h.ref_id, h.seconds) for h in hits if h.kind == "cue"][:MAX_CUE_HITS]
    if not wanted:
        return []
    # One statement: the recordings (with their session) and their cues' start, text and
    # language.
    rows = (
        await db.execute(
            select(Recording, CaptionCue.start_seconds, CaptionCue.text, Caption.language)
            .join(Caption, Caption.recording_id == Recording.id)
            .join(CaptionCue, CaptionCue.caption_id == Caption.id)
            .where(Recording.id.in_({rid for rid, _ in wanted}))
            .options(joinedload(Recording.session))
        )
    ).all()
    recordings = {row[0].id: row[0] for row in rows}
    texts = {(row[0].id, float(row[1])): (row[2], row[3]) for row in rows}
    return [
        SpokenHit(recordings[rid], seconds, *texts.get((rid, seconds), ("", "")))
        for rid, seconds in wanted
        if rid in recordings and recordings[rid].published
    ]


@cached_page(params=("q",))
async def search_page(request: Request) -> Response:
    page_tags(request, ALL_BOOTHS)  # any booth may start or stop matching
    q = request.query_params.get("q", "").strip()[:MAX_QUERY_CHARS]
    booths: list[Any] = []
    sessions: list[ProgrammeSession] = []
    speakers: list[Speaker] = []
    spoken: list[SpokenHit] = []
    if q:
        async with app_services(request).db.session() as db:
            booth_ids = await SearchService.for_db(db).search(db, q)
            if booth_ids:
                booths = await list_booths(db, HallFilter(booth_ids=booth_ids))
            hits = await search_programme(db, q)
            session_ids = _ids(hits, "session")
            if session_ids:
                found = await all_sessions(
                    db, session_query().where(ProgrammeSession.id.in_(session_ids))
                )
                order = {sid: i for i, sid in enumerate(session_ids)}
                sessions = sorted(found, key=lambda s: order[s.id])
            speaker_ids = _ids(hits, "speaker")
            if speaker_ids:
                found_speakers = (
                    await db.scalars(
                        select(Speaker)
                        .where(Speaker.id.in_(speaker_ids))
                        .options(joinedload(Speaker.organisation))
                    )
                ).all()
                speakers = sorted(found_speakers, key=lambda p: p.name)
            spoken = await _spoken(db, hits)
    context = {
        "q": q,
        "booths": booths,
        "sessions": sessions,
        "speakers": speakers,
        "spoken": spoken,
    }
    return render(request, "sessions/search.html", context)
