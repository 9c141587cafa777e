"""Signalling for appointment calls over the realtime hub (works across instances).

Media flows browser to browser (WebRTC mesh, up to ``MAX_PARTICIPANTS``); the server
only passes session descriptions and ICE candidates between the participants of one
appointment's channel. Only when no direct path exists do the browsers switch to the
server relay (:mod:`booths.call_relay`); nothing is ever recorded.

Client → server, one JSON object per frame:

* ``{"type": "hello"}`` → the sender alone gets ``{"type": "welcome", "peer": id}``; all
  others get ``{"type": "join", "peer": id}``.
* ``{"type": "here", "to": id}`` → tells a newcomer who is already there.
* ``{"type": "relay"}`` → everyone gets ``{"type": "relay", "from": id}`` and moves to
  the server relay (:mod:`booths.call_relay`): some participant found no direct path.
* ``{"type": "signal", "to": id, "description": {"type": "offer"|"answer", "sdp": …}}``
  or ``{"type": "signal", "to": id, "candidate": {"candidate": …, "sdpMid": …,
  "sdpMLineIndex": …}}``.

The server stamps ``from`` itself (a participant cannot speak for another) and sends
``{"type": "leave", "peer": id}`` when a connection ends. Participants filter by ``to``.

Refusals, as close codes: 4403 not allowed, 4404 unknown or forged link, 4409 room full,
4410 the room is closed (before the slot opens, or after the slot plus grace; open
connections are closed at that moment). Oversized messages (1009), floods (1008) and
malformed signals (1008) close only the sender's connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from datetime import datetime
from typing import Any

from starlette.websockets import WebSocket

from booths import appointments as service
from booths.app_parts import booth_parts
from booths.appointment_views import fair_now, get_booth_by_id
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.ids import parse_id
from fair.realtime import ChannelLimits, MessageRejected, serve_channel
from fair.web import current_user, refuse_socket, same_origin_only

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_FULL = 4409
CLOSE_CLOSED = 4410

#: Chrome's offer is ~5 KB for the microphone plus ~4 KB per video section, and a little
#: more when gathered candidates are inside it; a section once used to send is not reused,
#: so each screen share started again adds one. 40,000 characters hold a call that shared
#: its screen several times (12,000 refused the second offer of a share, now and then).
MAX_SDP_CHARS = 40_000
MAX_CANDIDATE_CHARS = 600
PEER_RE = re.compile(r"^[0-9a-f]{12}$")

LIMITS = ChannelLimits(
    max_message_bytes=48 * 1024,
    rate_messages=150,
    rate_seconds=60.0,
    max_per_address=8,
)
"""Joining three others and then sharing the screen (descriptions plus trickled
candidates for every new media section, on every connection) fits the burst; past it and
its backlog allowance single messages are refused, and a client that keeps sending
through the refusals is closed (``serve_channel``'s rules)."""


def call_channel(appointment_id: int) -> str:
    return f"appointment:{appointment_id}"


def _status_code(exc: HTTPError) -> int:
    return {403: CLOSE_CLOSED, 410: CLOSE_CLOSED, 401: CLOSE_FORBIDDEN}.get(
        exc.status_code, CLOSE_NOT_FOUND
    )


@same_origin_only
async def visitor_call_socket(websocket: WebSocket) -> None:
    app = websocket.app
    secret = booth_parts(app).link_secret
    try:
        async with app_services(app).db.session() as db:
            appointment = await service.appointment_for_token(
                db, secret, websocket.path_params["token"]
            )
        closes = service.check_room_open(appointment.slot, fair_now(websocket))
    except HTTPError as exc:
        await refuse_socket(websocket, _status_code(exc), exc.message[:120])
        return
    await _serve_call(websocket, appointment, closes, role="visitor")


@same_origin_only
async def staff_call_socket(websocket: WebSocket) -> None:
    app = websocket.app
    user = current_user(websocket)
    appointment_id = parse_id(websocket.path_params["appointment_id"]) or 0
    async with app_services(app).db.session() as db:
        appointment = await service.load_appointment(db, appointment_id)
        booth = await get_booth_by_id(db, appointment.booth_id) if appointment else None
    if appointment is None or booth is None:
        await refuse_socket(websocket, CLOSE_NOT_FOUND, "unknown appointment")
        return
    if not service.can_staff_room(user, booth):
        await refuse_socket(websocket, CLOSE_FORBIDDEN, "not a member of this booth's team")
        return
    try:
        closes = service.check_room_open(appointment.slot, fair_now(websocket))
    except HTTPError as exc:
        await refuse_socket(websocket, _status_code(exc), exc.message[:120])
        return
    await _serve_call(websocket, appointment, closes, role="team")


async def _serve_call(websocket: WebSocket, appointment: Any, closes: datetime, role: str) -> None:
    app = websocket.app
    hub = app_services(app).hub
    channel = call_channel(appointment.id)
    if await hub.presence(channel) >= service.MAX_PARTICIPANTS:
        await refuse_socket(websocket, CLOSE_FULL, "room full")
        return
    peer = secrets.token_hex(6)
    held = False

    async def on_message(event: dict[str, Any]) -> None:
        nonlocal held
        kind = event.get("type")
        if kind == "hello":
            welcome = {"type": "welcome", "peer": peer, "role": role}
            await websocket.send_text(json.dumps([welcome]))
            await hub.publish(channel, {"type": "join", "peer": peer, "role": role})
        elif kind == "relay":  # no direct path: everyone moves to the server relay
            await hub.publish(channel, {"type": "relay", "from": peer})
        elif kind == "here":
            await hub.publish(channel, {"type": "here", "from": peer, "to": _peer(event)})
        elif kind == "signal":
            signal = _signal(event)
            await hub.publish(channel, {"type": "signal", "from": peer, **signal})
            if role == "visitor" and not held and "description" in signal:
                held = True  # the visitor negotiates with someone of the team
                async with app_services(app).db.session() as db:
                    await service.mark_held(db, appointment, app_services(app).settings.time_zone)
                    await db.commit()
        else:
            raise MessageRejected("unknown message type")

    closer = asyncio.create_task(_close_at(websocket, closes, fair_now(websocket)))
    try:
        await serve_channel(websocket, channel, hub, on_message, LIMITS)
    finally:
        closer.cancel()
        with contextlib.suppress(Exception):
            await hub.publish(channel, {"type": "leave", "peer": peer})


async def _close_at(websocket: WebSocket, closes: datetime, now: datetime) -> None:
    """Close the connection when the room closes: ``closes`` and ``now`` are both on the
    fair's clock, so the wait is the same on a real or a moved clock."""
    await asyncio.sleep(max((closes - now).total_seconds(), 0))
    with contextlib.suppress(Exception):
        await websocket.close(CLOSE_CLOSED, "the appointment is over")


def _peer(event: dict[str, Any]) -> str:
    to = event.get("to")
    if not isinstance(to, str) or not PEER_RE.match(to):
        raise MessageRejected("'to' must be a peer id")
    return to


def _signal(event: dict[str, Any]) -> dict[str, Any]:
    """Only the fields WebRTC needs, checked for type and size; anything else closes."""
    to = _peer(event)
    description = event.get("description")
    candidate = event.get("candidate")
    if isinstance(description, dict) and candidate is None:
        kind = description.get("type")
        sdp = description.get("sdp")
        if kind not in ("offer", "answer") or not isinstance(sdp, str):
            raise MessageRejected("description needs type offer|answer and an sdp string")
        if len(sdp) > MAX_SDP_CHARS:
            raise MessageRejected(f"sdp longer than {MAX_SDP_CHARS} characters")
        return {"to": to, "description": {"type": kind, "sdp": sdp}}
    if isinstance(candidate, dict) and description is None:
        text = candidate.get("candidate")
        mid = candidate.get("sdpMid")
        index = candidate.get("sdpMLineIndex")
        if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
            raise MessageRejected("candidate must be a string of at most 600 characters")
        if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
            raise MessageRejected("sdpMid must be a short string")
        if index is not None and (not isinstance(index, int) or not 0 <= index < 64):
            raise MessageRejected("sdpMLineIndex must be a small number")
        return {"to": to, "candidate": {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}}
    raise MessageRejected("a signal carries either a description or a candidate")
