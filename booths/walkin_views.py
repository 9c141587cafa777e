"""HTTP and WebSocket endpoints of walk-in calls (see :mod:`booths.walkin`).

* ``GET /booths/{slug}/walkin`` → ``{"available": bool}`` (the booth page asks with JS,
  so the page itself stays the same for everyone and cacheable).
* ``POST /booths/{slug}/walkin`` (form: name, topic, consent) → ``{"socket": url}``; the
  visitor waits there for ``{"type": "accepted", "room": url}`` or ``{"type": "declined"}``.
* ``/ws/exhibitor/booths/{slug}/walkin``: a team member is available while connected;
  receives ``{"type": "walkin", "ticket", "request", "name", "topic"}`` and answers
  ``{"type": "accept"|"decline", "ticket": …}``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from booths import walkin
from booths.app_parts import booth_parts
from booths.appointments import appointment_booth, appointment_consent, can_staff_room
from booths.channels import booth_channel
from booths.team_presence import at_booth
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.i18n import gettext_for
from fair.realtime import ChannelLimits, MessageRejected, serve_channel
from fair.web import (
    client_key,
    current_user,
    form_text,
    language,
    read_form,
    refuse_socket,
    same_origin_only,
)

TEAM_LIMITS = ChannelLimits(max_message_bytes=8192, rate_messages=20, rate_seconds=20.0)
VISITOR_LIMITS = ChannelLimits(max_message_bytes=256, rate_messages=5, rate_seconds=10.0)


async def status(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        booth = await appointment_booth(db, slug=request.path_params["slug"])
    present = await app_services(request).hub.presence(walkin.team_channel(booth.id))
    consent = appointment_consent(booth, gettext_for(language(request)).gettext)
    return JSONResponse(
        {"available": present > 0, "consent": consent}, headers={"Cache-Control": "no-store"}
    )


async def ask(request: Request) -> Response:
    form = await read_form(request)
    booth_parts(request).contact_limiter.check(client_key(request), time.monotonic())
    hub = app_services(request).hub
    async with app_services(request).db.session() as db:
        booth = await appointment_booth(db, slug=request.path_params["slug"])
    if await hub.presence(walkin.team_channel(booth.id)) == 0:
        raise HTTPError(
            409, "Gerade ist niemand vom Stand verfügbar. Bitte buchen Sie einen Termin."
        )
    visitor, ticket = walkin.make_ticket(
        booth_parts(request).link_secret,
        booth,
        name=form_text(form, "name", max_length=200),
        topic=form_text(form, "topic", max_length=500),
        consent=form.get("consent") == "yes",
        language=language(request),
    )
    await hub.publish(
        walkin.team_channel(booth.id),
        {
            "type": "walkin",
            "ticket": ticket,
            "request": visitor.request_id,
            "name": visitor.name,
            "topic": visitor.topic,
        },
    )
    return JSONResponse(
        {"socket": f"/ws/booths/{booth.slug}/walkin/{visitor.request_id}"},
        headers={"Cache-Control": "no-store"},
    )


@same_origin_only
async def visitor_socket(websocket: WebSocket) -> None:
    """The visitor waits here for the answer; it only listens."""
    request_id = websocket.path_params["request_id"]
    if len(request_id) != 32 or not all(c in "0123456789abcdef" for c in request_id):
        await refuse_socket(websocket, 4404, "unknown request")
        return

    async def on_message(event: dict[str, Any]) -> None:
        if event.get("type") != "hello":
            raise MessageRejected("this channel only listens")

    await serve_channel(
        websocket,
        walkin.visitor_channel(request_id),
        app_services(websocket).hub,
        on_message,
        VISITOR_LIMITS,
    )


@same_origin_only
async def team_socket(websocket: WebSocket) -> None:
    app = websocket.app
    user = current_user(websocket)
    async with app_services(app).db.session() as db:
        try:
            booth = await appointment_booth(db, slug=websocket.path_params["slug"][:80])
        except HTTPError:
            await refuse_socket(websocket, 4404, "unknown booth")
            return
    if user is None or not can_staff_room(user, booth):
        await refuse_socket(websocket, 4403, "not a member of this booth's team")
        return
    hub = app_services(app).hub
    settings = app_services(app).settings
    secret = booth_parts(app).link_secret

    async def reply(event: dict[str, Any]) -> None:
        await websocket.send_text(json.dumps([event], ensure_ascii=False))

    async def on_message(event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "hello":
            await reply({"type": "available"})
            return
        if kind not in ("accept", "decline"):
            raise MessageRejected("unknown message type")
        try:
            request = walkin.read_ticket(secret, event.get("ticket"), booth)
        except HTTPError as exc:
            await reply({"type": "error", "message": exc.message})
            return
        if kind == "decline":
            await hub.publish(walkin.visitor_channel(request.request_id), {"type": "declined"})
            await hub.publish(
                walkin.team_channel(booth.id), {"type": "taken", "request": request.request_id}
            )
            return
        try:
            async with app_services(app).db.session() as db:
                booking = await walkin.accept(
                    db,
                    booth,
                    request,
                    user,
                    secret_key=secret,
                    time_zone=settings.time_zone,
                    gettext=gettext_for(request.language).gettext,
                )
                await db.commit()
        except HTTPError as exc:
            await reply({"type": "error", "message": exc.message})
            return
        room = f"/appointments/{booking.token}/room"
        await hub.publish(
            walkin.visitor_channel(request.request_id), {"type": "accepted", "room": room}
        )
        await hub.publish(
            walkin.team_channel(booth.id), {"type": "taken", "request": request.request_id}
        )
        staff_room = f"/exhibitor/appointments/{booking.appointment.id}/room"
        await reply({"type": "accepted", "room": staff_room, "request": request.request_id})

    # While the dashboard waits for walk-ins, the member counts as „Jetzt am Stand“ too.
    announcer = booth_parts(app).team_presence
    visible_at = booth_channel(booth.slug)
    try:
        async with at_booth(hub, booth.id, user.id):
            announcer.mark(visible_at)
            await serve_channel(
                websocket, walkin.team_channel(booth.id), hub, on_message, TEAM_LIMITS
            )
    finally:
        announcer.mark(visible_at)
