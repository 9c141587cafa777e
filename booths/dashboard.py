"""The exhibitor dashboard (booths, inbox, analytics chart, leads export) and the
organiser's booth administration with hall-wide analytics."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from booths import analytics, appointments, services
from booths.app_parts import booth_parts
from booths.lead_mail import LEAD_MAIL_CHOICES
from booths.models import Booth, ContactRequest
from booths.queries import (
    all_organisations,
    booths_of,
    contact_requests_for,
    exhibitors_of,
    get_booth,
    hall_filter_choices,
)
from booths.unread import unread_chat, unread_requests
from fair import audit
from fair.app_services import app_services
from fair.auth import CurrentUser
from fair.errors import HTTPError
from fair.formatting import to_local
from fair.i18n import gettext_for
from fair.ids import MAX_ID
from fair.models import User
from fair.templating import N_
from fair.web import current_user, form_int, form_text, language, read_form, render

CHART_DAYS = 14


def _period(request: Request) -> tuple[date, date]:
    last = analytics.fair_today(app_services(request).settings)
    return last - timedelta(days=CHART_DAYS - 1), last


def _lead_booths(user: CurrentUser, booths: list[Booth]) -> list[Booth]:
    """Leads were consented to the exhibitor, so only its members read them."""
    return [b for b in booths if b.organisation_id in user.organisation_ids]


async def exhibitor_dashboard(request: Request) -> Response:
    user = services.require_exhibitor_area(current_user(request))
    if user.is_organiser:
        return RedirectResponse("/organiser/booths", status_code=303)
    first, last = _period(request)
    await booth_parts(request).visit_counts.flush()  # this process's latest page views
    async with app_services(request).db.session() as db:
        await services.purge_expired_requests(db)
        await db.commit()
        booths = await booths_of(db, sorted(user.organisation_ids))
        per_booth = await analytics.daily_counts_by_booth(
            db, [b.id for b in booths], first=first, last=last
        )
        charts = [(b, analytics.bar_chart(per_booth[b.id])) for b in booths]
        requests = await contact_requests_for(db, [b.id for b in _lead_booths(user, booths)])
        lead_ids = [b.id for b in _lead_booths(user, booths)]
        now = app_services(request).settings.now()  # the fair's clock, as the rooms use
        booked = await appointments.appointments_for_booths(db, lead_ids, now=now)
        appointment_totals = await appointments.totals_for_booths(db, lead_ids)
        unread = {r.id for r in requests if r.read_at is None}
        chat_unread = await unread_chat(db, user.id, booths)
        lead_mail = await db.scalar(select(User.lead_mail).where(User.id == user.id))
        await services.mark_requests_read(db, requests)
        await db.commit()
    names = {b.id: b.name for b in booths}
    return render(
        request,
        "booths/exhibitor.html",
        {
            "appointments": booked,
            "room_opens_before": now + appointments.ROOM_EARLY,
            "appointment_totals": appointment_totals,
            "booths": booths,
            "charts": charts,
            "series": analytics.SERIES,
            "requests": requests,
            "unread": unread,
            "chat_unread": chat_unread,
            "booth_names": names,
            "lead_mail": lead_mail,
            "lead_mail_choices": LEAD_MAIL_CHOICES,
            "saved": request.query_params.get("saved") == "1",
        },
    )


async def unread_counts(request: Request) -> Response:
    """For the menu badge (static/js/unread.js): what this exhibitor has not seen yet."""
    user = services.require_exhibitor_area(current_user(request))
    async with app_services(request).db.session() as db:
        booths = await booths_of(db, sorted(user.organisation_ids))
        requests = await unread_requests(db, [b.id for b in _lead_booths(user, booths)])
        chat = await unread_chat(db, user.id, booths)
    return JSONResponse(
        {"requests": requests, "chat": sum(chat.values())},
        headers={"Cache-Control": "no-store"},
    )


async def notification_settings(request: Request) -> Response:
    """How this exhibitor hears about new contact requests: each, daily, or not by mail."""
    user = services.require_exhibitor_area(current_user(request))
    form = await read_form(request)
    choice = form_text(form, "lead_mail", max_length=10)
    if choice not in LEAD_MAIL_CHOICES:
        raise HTTPError(
            400, f"lead_mail: eines von {', '.join(LEAD_MAIL_CHOICES)}", field="lead_mail"
        )
    async with app_services(request).db.session() as db:
        await db.execute(update(User).where(User.id == user.id).values(lead_mail=choice))
        await db.commit()
    return RedirectResponse("/exhibitor?saved=1#notifications", status_code=303)


CSV_COLUMNS = (
    N_("Stand"),
    N_("Eingegangen"),
    N_("Name"),
    N_("E-Mail"),
    N_("Ansprechperson"),
    N_("Nachricht"),
    N_("Zweck"),
    N_("Aufbewahrung (Tage)"),
    N_("Löschung am"),
    N_("Einwilligung"),
)


def _cell(value: object) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a lead's name could be =HYPERLINK."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_rows(
    requests: list[ContactRequest],
    names: dict[int, str],
    time_zone: str,
    gettext: services.Translate,
) -> Iterator[str]:
    """Semicolon-separated with a byte-order mark (sent before): what German Excel opens
    as columns with umlauts intact; headers in the reader's language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([gettext(column) for column in CSV_COLUMNS])
    for r in requests:
        person = r.contact_person
        writer.writerow(
            [
                _cell(v)
                for v in (
                    names[r.booth_id],
                    to_local(r.created_at, time_zone).strftime("%d.%m.%Y %H:%M"),
                    r.name,
                    r.email,
                    person.name if person is not None else "",
                    r.message,
                    r.purpose,
                    r.retention_days,
                    to_local(r.expires_at, time_zone).strftime("%d.%m.%Y"),
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
    async with app_services(request).db.session() as db:
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
    rows = _csv_rows(
        requests,
        names,
        app_services(request).settings.time_zone,
        gettext_for(language(request)).gettext,
    )
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
    await booth_parts(request).visit_counts.flush()  # this process's latest page views
    async with app_services(request).db.session() as db:
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
    async with app_services(request).db.session() as db:
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
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        email = form_text(form, "email", max_length=254)
        assignment = await services.assign_exhibitor(db, booth, email)
        await db.commit()
    if assignment.invitation_token is None:
        return RedirectResponse("/organiser/booths?saved=1#assign", status_code=303)
    base = app_services(request).settings.base_url or str(request.base_url).rstrip("/")
    link = f"{base.rstrip('/')}/invite/{assignment.invitation_token}"
    response = await organiser_booths(request, invitation=(email, link))
    response.headers["Cache-Control"] = "no-store"
    return response


async def organiser_unassign(request: Request) -> Response:
    services.require_organiser(current_user(request))
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        await services.remove_exhibitor(
            db, booth, form_int(form, "user", minimum=1, maximum=MAX_ID) or 0
        )
        await db.commit()
    return RedirectResponse("/organiser/booths?saved=1#assign", status_code=303)
