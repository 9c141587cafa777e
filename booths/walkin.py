"""Walk-in calls: "Jetzt sprechen" while a team member is online and available.

A team member is available while their dashboard holds the booth's team channel open
(presence in :func:`team_channel`, counted across instances by the hub). A visitor's
request travels to the team as a *ticket*: name, topic, consent and a random request id,
signed with the app's secret and valid for ``TICKET_SECONDS``, so any instance can
accept it without shared state and nobody can forge one. Accepting turns the ticket
into an ordinary appointment that starts now (same consent record, retention, counts
and room rules as a booked one); the visitor, waiting on the request's own channel,
gets the room link pushed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from booths import appointments as service
from booths.models import AppointmentSlot, Booth
from booths.services import Translate
from fair.auth import CurrentUser
from fair.errors import HTTPError, bad_request

TICKET_SECONDS = 600
WALKIN_MINUTES = 30
TICKET_SALT = "fair-walkin"


def team_channel(booth_id: int) -> str:
    return f"walkin-team:{booth_id}"


def visitor_channel(request_id: str) -> str:
    return f"walkin:{request_id}"


@dataclass(frozen=True)
class WalkinRequest:
    request_id: str
    booth_id: int
    name: str
    topic: str
    language: str


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=TICKET_SALT)


def make_ticket(
    secret_key: str, booth: Booth, *, name: str, topic: str, consent: bool, language: str
) -> tuple[WalkinRequest, str]:
    """Check the visitor's input and sign it; nothing is stored until a team member
    accepts, so a declined or unanswered request leaves no personal data behind."""
    if not consent:
        raise bad_request(
            "consent",
            "Ohne Ihre Einwilligung können wir Ihren Namen nicht an den Stand weitergeben.",
        )
    request = WalkinRequest(secrets.token_hex(16), booth.id, name, topic, language)
    ticket = _serializer(secret_key).dumps([request.request_id, booth.id, name, topic, language])
    return request, ticket


def read_ticket(secret_key: str, ticket: Any, booth: Booth) -> WalkinRequest:
    expired = HTTPError(410, "Diese Anfrage ist abgelaufen.")
    if not isinstance(ticket, str) or len(ticket) > 8000:
        raise HTTPError(400, "ticket: fehlt oder zu lang", field="ticket")
    try:
        payload = _serializer(secret_key).loads(ticket, max_age=TICKET_SECONDS)
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise expired from exc
    request_id, booth_id, name, topic, language = payload
    if booth_id != booth.id:
        raise HTTPError(403, "Diese Anfrage gilt einem anderen Stand.")
    return WalkinRequest(str(request_id), int(booth_id), str(name), str(topic), str(language))


def _expert_contact(booth: Booth, user: CurrentUser) -> int:
    """The team member's own contact entry if there is one, else the booth's first."""
    if not booth.contacts:
        raise HTTPError(409, "Legen Sie zuerst eine Ansprechperson für den Stand an.")
    for contact in booth.contacts:
        if contact.email and contact.email.lower() == user.email.lower():
            return contact.id
    return booth.contacts[0].id


async def accept(
    db: AsyncSession,
    booth: Booth,
    request: WalkinRequest,
    user: CurrentUser,
    *,
    secret_key: str,
    time_zone: str,
    gettext: Translate,
    now: datetime,
) -> service.Booking:
    """An appointment from ``now`` (the fair's clock, which the room checks) for
    ``WALKIN_MINUTES``; its room is open at once."""
    if not service.can_staff_room(user, booth):
        raise HTTPError(403, "Nur das Team dieses Stands kann Anfragen annehmen.")
    now = now.replace(microsecond=0)
    slot = AppointmentSlot(
        booth_id=booth.id,
        contact_person_id=_expert_contact(booth, user),
        starts_at=now + timedelta(seconds=1),
        ends_at=now + timedelta(minutes=WALKIN_MINUTES),
    )
    db.add(slot)
    await db.flush()
    return await service.book(
        db,
        booth,
        service.BookingInput(
            slot.id, request.name, "", request.topic, consent=True, language=request.language
        ),
        secret_key=secret_key,
        gettext=gettext,
        time_zone=time_zone,
        now=now,
        email_required=False,
    )
