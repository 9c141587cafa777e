"""HTTP signalling for relayed appointment calls: one offer in, one answer out.

The same room rules as the WebSocket (:mod:`booths.call_socket`): the visitor's secret
link or a member of the booth's team, only while the room is open, at most four.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from booths import appointments as service
from booths.app_parts import booth_parts
from booths.appointment_views import _visitor_appointment, fair_now, staff_appointment
from booths.call_relay import CallRelays
from booths.models import Appointment
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.rtc.signalling import check_offer_rate, read_offer
from fair.web import current_user

PARTICIPANT_RE = re.compile(r"^[0-9a-f]{12}$")


def _participant(request: Request) -> str:
    """The room peer id the browser got from the WebSocket: a rejoin replaces the old seat."""
    peer = request.query_params.get("peer", "")
    if not PARTICIPANT_RE.match(peer):
        raise HTTPError(400, "peer: 12 Hexadezimalzeichen erwartet", field="peer")
    return peer


async def _answer(request: Request, appointment: Appointment, role: str) -> Response:
    """``role`` names whose seat a rejoin may replace: the visitor's link is one person;
    a team member's seat is bound to their account, so nobody else can take it over."""
    now = fair_now(request)
    closes = service.check_room_open(appointment.slot, now)
    check_offer_rate(request)
    participant = _participant(request)
    sdp, _ = await read_offer(request)
    relays: CallRelays = booth_parts(request).call_relays
    answer = await relays.join(appointment.id, closes, f"{role}:{participant}", sdp, now=now)
    if role == "visitor":  # the visitor talks to the team through the server
        async with app_services(request).db.session() as db:
            await service.mark_held(db, appointment, app_services(request).settings.time_zone)
            await db.commit()
    response = JSONResponse({"sdp": answer.sdp, "type": answer.type})
    response.headers["Cache-Control"] = "no-store"
    return response


async def visitor_relay(request: Request) -> Response:
    appointment, _ = await _visitor_appointment(request)
    return await _answer(request, appointment, "visitor")


async def staff_relay(request: Request) -> Response:
    appointment, _ = await staff_appointment(request)
    user = current_user(request)
    return await _answer(request, appointment, f"team:{user.id if user else 0}")


async def staff_relay_state(request: Request) -> Response:
    """Who is connected through the server right now (connection states, no identities),
    for the booth's team and for operators checking that a relayed call really runs."""
    appointment, _ = await staff_appointment(request)
    relays: CallRelays = booth_parts(request).call_relays
    states = await relays.states(appointment.id)
    response = JSONResponse({"relayed": len(states), "states": states})
    response.headers["Cache-Control"] = "no-store"
    return response
