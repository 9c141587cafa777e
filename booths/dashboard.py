"""The exhibitor dashboard (booths, inbox, analytics chart, leads export) and the
organiser's booth administration with hall-wide analytics."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from booths import analytics, appointments, services
from booths.models import Booth, ContactRequest
from booths.queries import (
    all_organisations,
    booths_of,
    contact_requests_for,
    exhibitors_of,
    get_booth,
    hall_filter_choices,
)
from fair import audit
from fair.auth import CurrentUser
from fair.db import utcnow
from fair.errors import HTTPError
from fair.formatting import to_local
from fair.web import current_user, form_int, form_text, read_form, render
from sessions.ids import MAX_ID

CHART_DAYS = 14


def _period(request: Request) -> tuple[analytics.date, analytics.date]:
    last = analytics.local_today(request.app.state.settings.time_zone)
    return last - timedelta(days=CHART_DAYS - 1), last


def _lead_booths(user: CurrentUser, booths: list[Booth]) -> list[Booth]:
    """Leads were consented to the exhibitor, so only its members read them."""
    return [b for b in booths if b.organisation_id in user.organisation_ids]


async def exhibitor_dashboard(request: Request) -> Response:
    user = services.require_exhibitor_area(current_user(request))
    if user.is_organiser:
        return RedirectResponse("/organiser/booths", status_code=303)
    first, last = _period(request)
    await request.app.state.visit_counts.flush()  # this process's latest page views
    async with request.app.state.db.session() as db:
        await services.purge_expired_requests(db)
        await db.commit()
        booths = await booths_of(db, sorted(user.organisation_ids))
        per_booth = await analytics.daily_counts_by_booth(
            db, [b.id for b in booths], first=first, last=last
        )
        charts = [(b, analytics.bar_chart(per_booth[b.id])) for b in booths]
        requests = await contact_requests_for(db, [b.id for b in _lead_booths(user, booths)])
        lead_ids = [b.id for b in _lead_booths(user, booths)]
        booked = await appointments.appointments_for_booths(db, lead_ids)
        appointment_totals = await appointments.totals_for_booths(db, lead_ids)
    names = {b.id: b.name for b in booths}
    return render(
        request,
        "booths/exhibitor.html",
        {
            "appointments": booked,
            "room_opens_before": utcnow() + appointments.ROOM_EARLY,
            "appointment_totals": appointment_totals,
            "booths": booths,
            "charts": charts,
            "series": analytics.SERIES,
            "requests": requests,
            "booth_names": names,
        },
    )


CSV_FIELDS = (
    "booth",
    "created_at",
    "name",
    "email",
    "message",
    "purpose",
    "retention_days",
    "expires_at",
    "consent_text",
)


def _cell(value: object) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a lead's name could be =HYPERLINK."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_rows(
    requests: list[ContactRequest], names: dict[int, str], time_zone: str
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    for r in requests:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    names[r.booth_id],
                    to_local(r.created_at, time_zone).isoformat(timespec="minutes"),
                    r.name,
                    r.email,
                    r.message,
                    r.purpose,
                    r.retention_days,
                    to_local(r.expires_at, time_zone).date().isoformat(),
                    r.consent_text,
                )
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


async def leads_csv(request: Request) -> Response:
    """Consented contact requests of the user's booths (optionally one booth)."""
    user = services.require_exhibitor_area(current_user(request))
    slug = request.query_params.get("booth")
    async with request.app.state.db.session() as db:
        await services.purge_expired_requests(db)
        await db.commit()
        if slug:
            booths = [await get_booth(db, slug)]
            if not _lead_booths(user, booths):
                raise HTTPError(403, "Sie dürfen die Kontakte dieses Stands nicht sehen.")
        else:
            booths = _lead_booths(user, await booths_of(db, sorted(user.organisation_ids)))
        requests = await contact_requests_for(db, [b.id for b in booths])
    names = {b.id: b.name for b in booths}
    filename = f"leads-{slug or 'alle'}.csv"
    rows = _csv_rows(requests, names, request.app.state.settings.time_zone)
    return StreamingResponse(
        iter(["\ufeff", *rows]),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --------------------------------------------------------------------------- organiser


async def organiser_booths(
    request: Request, *, invitation: tuple[str, str] | None = None
) -> Response:
    services.require_organiser(current_user(request))
    first, last = _period(request)
    await request.app.state.visit_counts.flush()  # this process's latest page views
    async with request.app.state.db.session() as db:
        totals = await analytics.totals_per_booth(db, first=first, last=last)
        days = await analytics.daily_counts(db, booth_ids=None, first=first, last=last)
        organisations = await all_organisations(db)
        _topics, event_days, _orgs = await hall_filter_choices(db)
        exhibitors = await exhibitors_of(db, [o.id for o in organisations])
        booths = await booths_of(db, None)
    return render(
        request,
        "booths/organiser.html",
        {
            "booths": booths,
            "totals": totals,
            "chart": analytics.bar_chart(days),
            "series": analytics.SERIES,
            "hall_sums": {name: sum(d.get(name) for d in days) for name, _ in analytics.SERIES},
            "organisations": organisations,
            "days": event_days,
            "exhibitors": exhibitors,
            "saved": request.query_params.get("saved") == "1",
            "invitation": invitation,
        },
    )


async def organiser_create_booth(request: Request) -> Response:
    services.require_organiser(current_user(request))
    form = await read_form(request)
    async with request.app.state.db.session() as db:
        booth = await services.create_booth(
            db,
            slug=form_text(form, "slug", max_length=80),
            name=form_text(form, "name", max_length=200),
            organisation_id=form_int(form, "organisation", minimum=1, maximum=MAX_ID) or 0,
            day_id=form_int(form, "day", minimum=1, maximum=MAX_ID, required=False),
        )
        await audit.record(db, current_user(request), "create", "booth", booth.id, booth.name)
        await db.commit()
    return RedirectResponse(f"/booths/{booth.slug}/edit", status_code=303)


async def organiser_assign(request: Request) -> Response:
    """Add an exhibitor account to the booth's organisation, or invite a new one: the
    one-time link is shown once, on this response only (it is not stored in clear)."""
    services.require_organiser(current_user(request))
    form = await read_form(request)
    async with request.app.state.db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        email = form_text(form, "email", max_length=254)
        assignment = await services.assign_exhibitor(db, booth, email)
        await db.commit()
    if assignment.invitation_token is None:
        return RedirectResponse("/organiser/booths?saved=1#assign", status_code=303)
    base = request.app.state.settings.base_url or str(request.base_url).rstrip("/")
    link = f"{base.rstrip('/')}/invite/{assignment.invitation_token}"
    response = await organiser_booths(request, invitation=(email, link))
    response.headers["Cache-Control"] = "no-store"
    return response


async def organiser_unassign(request: Request) -> Response:
    services.require_organiser(current_user(request))
    form = await read_form(request)
    async with request.app.state.db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        await services.remove_exhibitor(
            db, booth, form_int(form, "user", minimum=1, maximum=MAX_ID) or 0
        )
        await db.commit()
    return RedirectResponse("/organiser/booths?saved=1#assign", status_code=303)
