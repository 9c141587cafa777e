"""Pages of the exhibition hall: the hall with filters and a booth."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from booths.queries import HallFilter, get_booth, hall_filter_choices, list_booths
from fair.errors import HTTPError
from fair.models import OrganisationKind
from fair.web import render
from sessions.queries import sessions_for_booth


def parse_hall_filter(request: Request) -> HallFilter:
    params = request.query_params
    day_raw = params.get("day") or None
    kind_raw = params.get("kind") or None
    try:
        day = int(day_raw) if day_raw else None
    except ValueError as exc:
        raise HTTPError(400, "day: keine gültige Tages-ID", field="day") from exc
    try:
        kind = OrganisationKind(kind_raw) if kind_raw else None
    except ValueError as exc:
        raise HTTPError(400, "kind: unbekannte Art von Organisation", field="kind") from exc
    return HallFilter(
        topic=params.get("topic") or None,
        day=day,
        kind=kind,
        organisation=params.get("organisation") or None,
    )


async def hall(request: Request) -> Response:
    hall_filter = parse_hall_filter(request)
    async with request.app.state.db.session() as db:
        booths = await list_booths(db, hall_filter)
        topics, days, organisations = await hall_filter_choices(db)
    return render(
        request,
        "booths/hall.html",
        {
            "booths": booths,
            "topics": topics,
            "days": days,
            "organisations": organisations,
            "kinds": list(OrganisationKind),
            "filter": hall_filter,
            "q": request.query_params.get("q", ""),
        },
    )


async def booth_detail(request: Request) -> Response:
    async with request.app.state.db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        related = await sessions_for_booth(db, booth.id)
    return render(request, "booths/booth.html", {"booth": booth, "related_sessions": related})
