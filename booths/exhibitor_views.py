"""The exhibitor dashboard (``/exhibitor``: booths, inbox, analytics chart, leads export,
notification choice, unread badge); the organisers' booth administration is
:mod:`booths.organiser_views`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from booths import analytics, appointments, services
from booths.app_parts import booth_parts
from booths.lead_mail import LEAD_MAIL_CHOICES
from booths.models import Booth, ContactRequest
from booths.queries import (
    booths_of,
    contact_requests_for,
    get_booth,
)
from booths.unread import unread_chat, unread_requests
from fair.app_services import app_services
from fair.auth import CurrentUser
from fair.db import utcnow
from fair.errors import HTTPError
from fair.formatting import to_local
from fair.i18n import gettext_for
from fair.models import User
from fair.templating import N_
from fair.web import current_user, form_text, language, read_form, render


def _lead_booths(user: CurrentUser, booths: list[Booth]) -> list[Booth]:
    """Leads were consented to the exhibitor, so only its members read them."""
    return [b for b in booths if b.organisation_id in user.organisation_ids]


async def exhibitor_dashboard(request: Request) -> Response:
    user = services.require_exhibitor_area(current_user(request))
    if user.is_organiser:
        return RedirectResponse("/organiser/booths", status_code=303)
    first, last = analytics.chart_period(app_services(request).settings)
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
        booked = await appointments.appointments_for_booths(db, lead_ids)
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
            "room_opens_before": utcnow() + appointments.ROOM_EARLY,
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
