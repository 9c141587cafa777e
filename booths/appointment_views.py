"""Pages of appointments: the booth's free slots and booking form, the visitor's
confirmation (calendar file, cancel), the exhibitor's slot editor, and the call room
for the visitor (secret link) and the booth's team (logged in)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from datetime import time as clock
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from booths import appointments as service
from booths.app_parts import booth_parts
from booths.appointment_notices import (
    Links,
    invitation,
    send_booking_mails,
    send_cancellation_mails,
)
from booths.appointments import appointment_consent
from booths.models import Appointment, Booth
from booths.services import RETENTION_DAYS, require_booth_editor
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import form_id, parse_id
from fair.web import (
    base_url,
    client_key,
    current_user,
    form_int,
    form_text,
    language,
    read_form,
    render,
)

BOOKING_ATTEMPTS = 3
"""SQLite refuses a write whose snapshot another writer changed (busy snapshot); the
booking is then tried again in a fresh transaction, where the unique slot decides."""


def _secret(request: Request) -> str:
    return str(booth_parts(request).link_secret)


def _tz(request: Request) -> str:
    return str(app_services(request).settings.time_zone)


def fair_now(request: HTTPConnection) -> datetime:
    """The fair's clock (``FAIR_TODAY`` moves it), which decides what is bookable and
    when rooms open: the same "now" as the programme and the archive."""
    return app_services(request).settings.now()


async def _booking_page(
    request: Request,
    booth: Booth,
    *,
    form: dict[str, str] | None = None,
    error: HTTPError | None = None,
) -> Response:
    now = fair_now(request)
    async with app_services(request).db.session() as db:
        slots = (await service.slots_for_booths(db, [booth.id], since=now))[booth.id]
    free = [s.slot for s in slots if not s.booked and s.slot.starts_at > now]
    return render(
        request,
        "booths/appointments.html",
        {
            "booth": booth,
            "free_slots": free,
            "consent_text": appointment_consent(booth, gettext_for(language(request)).gettext),
            "retention_days": RETENTION_DAYS,
            "form": form or {},
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


async def booking_form(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        booth = await service.appointment_booth(db, slug=request.path_params["slug"])
    return await _booking_page(request, booth)


async def book(request: Request) -> Response:
    """Book a slot; the loser of a race gets 409 and the list of what is still free."""
    form = await read_form(request)
    limiter = booth_parts(request).contact_limiter  # counts the bookings it accepts
    limiter.refuse_when_full(client_key(request), time.monotonic())
    lang = language(request)
    values = {k: str(form.get(k) or "") for k in ("slot", "name", "email", "topic")}
    async with app_services(request).db.session() as db:
        booth = await service.appointment_booth(db, slug=request.path_params["slug"])
    try:
        data = service.BookingInput(
            slot_id=form_id(form, "slot"),
            name=form_text(form, "name", max_length=200),
            email=form_text(form, "email", max_length=254),
            topic=form_text(form, "topic", max_length=2000),
            consent=form.get("consent") == "yes",
            language=lang,
        )
        booking = await _book_with_retry(request, booth, data)
    except HTTPError as exc:
        return await _booking_page(request, booth, form=values, error=exc)
    limiter.count(client_key(request), time.monotonic())
    links = Links.for_token(base_url(request), booking.token)
    await send_booking_mails(
        request.app, booking.appointment, booth, links, f"{base_url(request)}/exhibitor"
    )
    return RedirectResponse(f"/appointments/{booking.token}?booked=1", status_code=303)


async def _book_with_retry(
    request: Request, booth: Booth, data: service.BookingInput
) -> service.Booking:
    gettext = gettext_for(data.language).gettext
    for attempt in range(BOOKING_ATTEMPTS):
        async with app_services(request).db.session() as db:
            try:
                booking = await service.book(
                    db,
                    booth,
                    data,
                    secret_key=_secret(request),
                    gettext=gettext,
                    time_zone=_tz(request),
                    now=fair_now(request),
                )
                await db.commit()
                return booking
            except OperationalError:
                await db.rollback()
                if attempt == BOOKING_ATTEMPTS - 1:
                    raise HTTPError(
                        409, "slot: gerade sehr viele Buchungen. Bitte erneut versuchen."
                    ) from None
    raise AssertionError("unreachable")


async def _visitor_appointment(request: Request) -> tuple[Appointment, Booth]:
    token = request.path_params["token"]
    async with app_services(request).db.session() as db:
        await service.purge_expired_appointments(db)
        await db.commit()
        appointment = await service.appointment_for_token(db, _secret(request), token)
        booth = await get_booth_by_id(db, appointment.booth_id)
    return appointment, booth


async def get_booth_by_id(db: AsyncSession, booth_id: int) -> Booth:
    return await service.appointment_booth(db, booth_id=booth_id)


async def appointment_page(request: Request) -> Response:
    appointment, booth = await _visitor_appointment(request)
    token = request.path_params["token"]
    response = render(
        request,
        "booths/appointment.html",
        {
            "appointment": appointment,
            "booth": booth,
            "token": token,
            "booked": request.query_params.get("booked") == "1",
            "mail_enabled": app_services(request).mailer.enabled,
        },
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def appointment_ics(request: Request) -> Response:
    appointment, booth = await _visitor_appointment(request)
    links = Links.for_token(base_url(request), request.path_params["token"])
    body = invitation(appointment, booth, links, _tz(request))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="termin.ics"',
            "Cache-Control": "no-store",
        },
    )


async def appointment_cancel(request: Request) -> Response:
    await read_form(request)
    token = request.path_params["token"]
    async with app_services(request).db.session() as db:
        appointment = await service.appointment_for_token(db, _secret(request), token)
        booth = await get_booth_by_id(db, appointment.booth_id)
        await service.cancel(db, appointment, time_zone=_tz(request), now=fair_now(request))
        await db.commit()
    links = Links.for_token(base_url(request), token)
    await send_cancellation_mails(request.app, appointment, booth, links)
    return render(request, "booths/appointment_cancelled.html", {"slug": booth.slug})


# --------------------------------------------------------------------------- the room


def _room_context(
    request: Request, appointment: Any, booth: Booth, socket_url: str, closes: Any
) -> dict[str, Any]:
    return {
        "appointment": appointment,
        "booth": booth,
        "socket_url": socket_url,
        "relay_url": request.url.path.removesuffix("/room") + "/relay",
        "closes_at": closes,
        "ice_servers": json.dumps(app_services(request).settings.ice_server_list),
    }


async def visitor_room(request: Request) -> Response:
    appointment, booth = await _visitor_appointment(request)
    closes = service.check_room_open(appointment.slot, fair_now(request), _tz(request))
    token = request.path_params["token"]
    response = render(
        request,
        "booths/appointment_room.html",
        _room_context(request, appointment, booth, f"/ws/appointments/{token}", closes),
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def staff_appointment(request: Request) -> tuple[Appointment, Booth]:
    """The appointment for a member of the booth's team; 401/403/404 otherwise."""
    appointment_id = parse_id(request.path_params["appointment_id"])
    user = current_user(request)
    if user is None:
        raise HTTPError(401, "Bitte melden Sie sich an.")
    async with app_services(request).db.session() as db:
        appointment = await service.load_appointment(db, appointment_id or 0)
        if appointment is None:
            raise HTTPError(404, "Termin nicht gefunden.")
        booth = await get_booth_by_id(db, appointment.booth_id)
    if not service.can_staff_room(user, booth):
        raise HTTPError(403, "Nur das Team dieses Stands kann den Gesprächsraum betreten.")
    return appointment, booth


async def staff_room(request: Request) -> Response:
    appointment, booth = await staff_appointment(request)
    closes = service.check_room_open(appointment.slot, fair_now(request), _tz(request))
    response = render(
        request,
        "booths/appointment_room.html",
        _room_context(
            request, appointment, booth, f"/ws/exhibitor/appointments/{appointment.id}", closes
        ),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- slot editor


async def slots_page(
    request: Request, *, error: HTTPError | None = None, form: dict[str, str] | None = None
) -> Response:
    async with app_services(request).db.session() as db:
        booth = await service.appointment_booth(db, slug=request.path_params["slug"])
        require_booth_editor(current_user(request), booth)
        slots = (await service.slots_for_booths(db, [booth.id], since=fair_now(request)))[booth.id]
        days = await service.event_days(db)
    return render(
        request,
        "booths/slots.html",
        {
            "booth": booth,
            "slots": slots,
            "days": days,
            "minutes_choices": service.SLOT_MINUTES,
            "default_minutes": str(app_services(request).settings.appointment_minutes),
            "error": error,
            "errors": field_errors(error, gettext_for(language(request)).gettext)
            if error is not None and error.field
            else {},
            "form": form or {},
            "saved": request.query_params.get("saved") == "1",
        },
        status_code=error.status_code if error else 200,
    )


def _form_time(value: str, name: str) -> clock:
    try:
        return clock.fromisoformat(value)
    except ValueError as exc:
        raise HTTPError(400, f"{name}: Uhrzeit als HH:MM", field=name) from exc


async def slots_publish(request: Request) -> Response:
    """Authorize first (a stranger learns nothing from field errors), then parse."""
    form = await read_form(request)
    values = {k: str(form.get(k) or "") for k in ("contact", "day", "from", "until", "minutes")}
    async with app_services(request).db.session() as db:
        booth = await service.appointment_booth(db, slug=request.path_params["slug"])
        require_booth_editor(current_user(request), booth)
        try:
            plan = service.SlotPlan(
                contact_person_id=form_id(form, "contact"),
                day_id=form_id(form, "day"),
                first=_form_time(form_text(form, "from", max_length=8), "from"),
                last=_form_time(form_text(form, "until", max_length=8), "until"),
                minutes=form_int(form, "minutes", minimum=1, maximum=600) or 0,
            )
            await service.publish_slots(
                db, booth, plan, time_zone=_tz(request), now=fair_now(request)
            )
            await db.commit()
        except HTTPError as exc:
            if exc.status_code == 404:
                raise
            return await slots_page(request, error=exc, form=values)
    return RedirectResponse(f"/booths/{booth.slug}/slots?saved=1", status_code=303)


async def slot_delete(request: Request) -> Response:
    await read_form(request)
    slot_id = parse_id(request.path_params["slot_id"]) or 0
    async with app_services(request).db.session() as db:
        booth = await service.appointment_booth(db, slug=request.path_params["slug"])
        require_booth_editor(current_user(request), booth)
        await service.delete_free_slot(db, booth, slot_id)
        await db.commit()
    return RedirectResponse(f"/booths/{booth.slug}/slots?saved=1", status_code=303)
