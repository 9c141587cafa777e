"""Appointments with a booth's experts: slots, bookings, links, room access, counts.

A contact person's availability is a set of slots (15 to 60 minutes) on an event day,
inside that day's opening hours. A visitor books one slot with name, e-mail, topic and
the same explicit consent and retention as a contact request. The unique ``slot_id`` of
:class:`~booths.models.Appointment` decides races: exactly one insert wins.

The visitor's links (confirmation page, calendar file, cancel, call room) carry one
token signed with the app's secret (itsdangerous) that holds the appointment id and a
random key; only the key's hash is stored, so neither a forged nor a guessed link
matches, and a cancelled appointment's links die with it. The room is open from
``ROOM_EARLY`` before the slot to ``ROOM_GRACE`` after it; outside that, every link and
the dashboard refuse to enter. Calls are browser to browser: the server only relays
signalling and never sees or records media.

Every "now" that decides which slots are bookable and when a room opens or closes is the
fair's clock (``Settings.now()``, moved by ``FAIR_TODAY``), handed in by the caller, so
appointments agree with the programme, the archive and the analytics of the same fair.
The functions take it as a required argument: a forgotten one fails loudly instead of
quietly falling back to the wall clock. Records of what really happened (consent given,
held, retention) keep the real time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from booths.models import (
    Appointment,
    AppointmentSlot,
    Booth,
    BoothAppointmentStats,
)
from booths.services import (
    Translate,
    _same,
    check_email,
    consent_record,
    consent_text,
    find_contact,
)
from fair.auth import CurrentUser
from fair.counters import add_counts
from fair.db import utcnow
from fair.errors import HTTPError, bad_request
from fair.formatting import local_to_utc, to_local
from fair.models import EventDay, Role

SLOT_MINUTES = (15, 20, 30, 45, 60)
MAX_SLOTS_PER_PUBLISH = 48
ROOM_EARLY = timedelta(minutes=10)
"""The room opens this long before the slot, to test camera and microphone."""
ROOM_GRACE = timedelta(minutes=15)
"""…and closes this long after the slot's end."""
MAX_PARTICIPANTS = 4
TOKEN_SALT = "fair-appointment"


# --------------------------------------------------------------------------- slots


@dataclass(frozen=True)
class SlotPlan:
    """An exhibitor's request: slots of ``minutes`` from ``first`` to ``last`` (local time)."""

    contact_person_id: int
    day_id: int
    first: time
    last: time
    minutes: int


async def publish_slots(
    db: AsyncSession,
    booth: Booth,
    plan: SlotPlan,
    *,
    time_zone: str,
    now: datetime,
) -> list[AppointmentSlot]:
    """Cut ``first``–``last`` into slots; refuse the past (of the fair's clock ``now``),
    times outside the day's opening hours and overlaps with the contact person's
    existing slots."""
    contact = find_contact(booth, plan.contact_person_id)  # 404 for another booth's person
    if plan.minutes not in SLOT_MINUTES:
        raise bad_request("minutes", "erlaubt sind " + ", ".join(map(str, SLOT_MINUTES)))
    day = await db.get(EventDay, plan.day_id)
    if day is None:
        raise bad_request("day", "unbekannter Veranstaltungstag")
    if plan.last <= plan.first:
        raise bad_request("until", "muss nach dem Beginn liegen")
    if plan.first < day.starts or plan.last > day.ends:
        raise bad_request(
            "from",
            f"außerhalb der Öffnungszeiten {day.starts:%H:%M}–{day.ends:%H:%M} Uhr",
        )
    start = local_to_utc(datetime.combine(day.date, plan.first), time_zone)
    end = local_to_utc(datetime.combine(day.date, plan.last), time_zone)
    if start < now:
        raise bad_request("from", "liegt in der Vergangenheit")
    step = timedelta(minutes=plan.minutes)
    count = int((end - start) / step)
    if count < 1:
        raise bad_request("until", f"zu kurz für einen Termin von {plan.minutes} Minuten")
    if count > MAX_SLOTS_PER_PUBLISH:
        raise bad_request("until", f"höchstens {MAX_SLOTS_PER_PUBLISH} Termine auf einmal")
    overlapping = await db.scalar(
        select(AppointmentSlot.starts_at)
        .where(
            AppointmentSlot.contact_person_id == contact.id,
            AppointmentSlot.starts_at < start + count * step,
            AppointmentSlot.ends_at > start,
        )
        .order_by(AppointmentSlot.starts_at)
        .limit(1)
    )
    if overlapping is not None:
        at = to_local(overlapping, time_zone)
        raise bad_request("from", f"überschneidet sich mit dem Termin um {at:%H:%M} Uhr")
    slots = [
        AppointmentSlot(
            booth_id=booth.id,
            contact_person_id=contact.id,
            starts_at=start + i * step,
            ends_at=start + (i + 1) * step,
        )
        for i in range(count)
    ]
    db.add_all(slots)
    await db.flush()
    return slots


async def event_days(db: AsyncSession) -> list[EventDay]:
    """The days slots can be published on, with their opening hours."""
    return list((await db.scalars(select(EventDay).order_by(EventDay.date))).all())


async def delete_free_slot(db: AsyncSession, booth: Booth, slot_id: int) -> None:
    """Withdraw a slot nobody has booked; a booked one must be cancelled first."""
    slot = await _slot_of_booth(db, booth, slot_id)
    if await db.scalar(select(Appointment.id).where(Appointment.slot_id == slot.id)):
        raise HTTPError(409, "slot: dieser Termin ist gebucht", field="slot")
    await db.delete(slot)


async def _slot_of_booth(db: AsyncSession, booth: Booth, slot_id: int) -> AppointmentSlot:
    slot = await db.scalar(
        select(AppointmentSlot)
        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booth_id == booth.id)
        .options(selectinload(AppointmentSlot.contact))
    )
    if slot is None:
        raise HTTPError(404, "Termin nicht gefunden.")
    return slot


@dataclass(frozen=True)
class OpenSlot:
    slot: AppointmentSlot
    booked: bool


async def slots_for_booths(
    db: AsyncSession, booth_ids: Sequence[int], *, since: datetime
) -> dict[int, list[OpenSlot]]:
    """Slots per booth that end after ``since`` (the fair's now) with whether each is
    booked, in one query."""
    rows = (
        await db.execute(
            select(AppointmentSlot, Appointment.id)
            .outerjoin(Appointment, Appointment.slot_id == AppointmentSlot.id)
            .where(AppointmentSlot.booth_id.in_(list(booth_ids)), AppointmentSlot.ends_at > since)
            .options(joinedload(AppointmentSlot.contact))
            .order_by(AppointmentSlot.starts_at, AppointmentSlot.contact_person_id)
        )
    ).all()
    result: dict[int, list[OpenSlot]] = {booth_id: [] for booth_id in booth_ids}
    for slot, appointment_id in rows:
        result[slot.booth_id].append(OpenSlot(slot, appointment_id is not None))
    return result


# --------------------------------------------------------------------------- booking


@dataclass(frozen=True)
class BookingInput:
    slot_id: int
    name: str
    email: str
    topic: str
    consent: bool
    language: str = "de"


@dataclass(frozen=True)
class Booking:
    appointment: Appointment
    token: str


def appointment_consent_purpose(booth: Booth, gettext: Translate = _same) -> str:
    return gettext("Gesprächstermin mit %(organisation)s") % {
        "organisation": booth.organisation.name
    }


def appointment_consent(booth: Booth, gettext: Translate = _same) -> str:
    """The consent sentence of a booking: the contact request's, with this purpose."""
    return consent_text(booth, gettext, appointment_consent_purpose(booth, gettext))


async def book(
    db: AsyncSession,
    booth: Booth,
    data: BookingInput,
    *,
    secret_key: str,
    gettext: Translate = _same,
    time_zone: str = "Europe/Berlin",
    now: datetime,
    email_required: bool = True,
) -> Booking:
    """Book a slot of this booth that has not begun by ``now`` (the fair's clock); the
    caller commits. The consent record carries the real time it was given.

    Raises 409 when someone else was faster (also when both inserts race: the unique
    slot id refuses the second; the caller's transaction is then rolled back).
    """
    if not data.consent:
        raise bad_request(
            "consent",
            "Ohne Ihre Einwilligung können wir den Termin nicht an den Stand weitergeben.",
        )
    if email_required and not data.email:
        raise bad_request("email", "Pflichtfeld")
    check_email(data.email)
    slot = await _slot_of_booth(db, booth, data.slot_id)  # 404 for another booth's slot
    if slot.starts_at <= now:
        raise HTTPError(409, "slot: dieser Termin hat schon begonnen", field="slot")
    key = secrets.token_urlsafe(24)
    appointment = Appointment(
        slot_id=slot.id,
        booth_id=booth.id,
        name=data.name,
        email=data.email,
        topic=data.topic,
        language=data.language,
        room_key_hash=_hash(key),
        **consent_record(booth, appointment_consent_purpose(booth, gettext), gettext, utcnow()),
    )
    db.add(appointment)
    try:
        await db.flush()
    except IntegrityError as exc:
        raise HTTPError(
            409,
            "slot: dieser Termin wurde gerade von jemand anderem gebucht. "
            "Bitte wählen Sie einen anderen.",
            field="slot",
        ) from exc
    appointment.slot = slot
    await count(db, booth.id, to_local(slot.starts_at, time_zone).date(), booked=1)
    return Booking(appointment, sign_token(secret_key, appointment.id, key))


async def purge_expired_appointments(db: AsyncSession) -> None:
    """Retention as for contact requests: past the stated period, bookings are deleted."""
    await db.execute(delete(Appointment).where(Appointment.expires_at < utcnow()))


# --------------------------------------------------------------------------- links


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=TOKEN_SALT)


def sign_token(secret_key: str, appointment_id: int, key: str) -> str:
    return _serializer(secret_key).dumps([appointment_id, key])


async def appointment_for_token(db: AsyncSession, secret_key: str, token: str) -> Appointment:
    """The appointment a visitor's link stands for; 404 for a forged, altered or
    cancelled link (the same answer, so nothing is learned by trying)."""
    gone = HTTPError(404, "Dieser Terminlink ist ungültig oder der Termin wurde abgesagt.")
    try:
        payload = _serializer(secret_key).loads(token[:400])
    except BadSignature as exc:
        raise gone from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise gone
    appointment = await load_appointment(db, payload[0])
    if appointment is None or not secrets.compare_digest(
        appointment.room_key_hash, _hash(payload[1])
    ):
        raise gone
    return appointment


async def load_appointment(db: AsyncSession, appointment_id: int) -> Appointment | None:
    """The appointment with its slot and contact person, in one query."""
    return await db.scalar(
        select(Appointment)
        .where(Appointment.id == appointment_id)
        .options(joinedload(Appointment.slot).joinedload(AppointmentSlot.contact))
    )


async def appointment_booth(
    db: AsyncSession, *, slug: str | None = None, booth_id: int | None = None
) -> Booth:
    """A booth with what appointment pages show (organisation, contact persons): two
    queries, where the full booth page needs seven."""
    query = select(Booth).options(joinedload(Booth.organisation), selectinload(Booth.contacts))
    query = (
        query.where(Booth.slug == slug) if slug is not None else query.where(Booth.id == booth_id)
    )
    booth = await db.scalar(query)
    if booth is None:
        raise HTTPError(404, "Stand nicht gefunden.")
    return booth


async def cancel(
    db: AsyncSession,
    appointment: Appointment,
    *,
    time_zone: str = "Europe/Berlin",
    now: datetime,
) -> None:
    """Delete the booking (the slot is free again) and count the cancellation; 409 once
    the slot is over by the fair's clock ``now``."""
    if appointment.slot.ends_at <= now:
        raise HTTPError(409, "Dieser Termin ist bereits vorbei.")
    await db.delete(appointment)
    day = to_local(appointment.slot.starts_at, time_zone).date()
    await count(db, appointment.booth_id, day, cancelled=1)


# --------------------------------------------------------------------------- room


def room_window(slot: AppointmentSlot) -> tuple[datetime, datetime]:
    return slot.starts_at - ROOM_EARLY, slot.ends_at + ROOM_GRACE


def check_room_open(
    slot: AppointmentSlot, now: datetime, time_zone: str = "Europe/Berlin"
) -> datetime:
    """The time the room closes; 403 before it opens, 410 after it closed, both by the
    fair's clock ``now``."""
    opens, closes = room_window(slot)
    if now < opens:
        at = to_local(opens, time_zone)
        raise HTTPError(
            403,
            f"Der Gesprächsraum öffnet erst zehn Minuten vor dem Termin, am {at:%d.%m.%Y} "
            f"um {at:%H:%M} Uhr.",
        )
    if now >= closes:
        raise HTTPError(410, "Dieser Termin ist vorbei; der Gesprächsraum ist geschlossen.")
    return closes


def can_staff_room(user: CurrentUser | None, booth: Booth) -> bool:
    """The booth's team (exhibitor accounts of its organisation, the people who see its
    bookings on the dashboard) may join; organisers may not listen in on a confidential
    conversation, nor may a speaker who merely belongs to the same organisation."""
    return (
        user is not None
        and user.role is Role.exhibitor
        and booth.organisation_id in user.organisation_ids
    )


async def mark_held(
    db: AsyncSession, appointment: Appointment, time_zone: str = "Europe/Berlin"
) -> bool:
    """Count the appointment as held the first time visitor and team meet in the room
    (one conditional update, so two instances cannot both count it)."""
    result = await db.execute(
        update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.held_at.is_(None))
        .values(held_at=utcnow())
    )
    if not getattr(result, "rowcount", 0):
        return False
    day = to_local(appointment.slot.starts_at, time_zone).date()
    await count(db, appointment.booth_id, day, held=1)
    return True


# --------------------------------------------------------------------------- counts

COUNTS = ("booked", "held", "cancelled")


async def count(db: AsyncSession, booth_id: int, day: date, **increments: int) -> None:
    await add_counts(db, BoothAppointmentStats, COUNTS, day, increments, booth_id=booth_id)


async def totals_for_booths(
    db: AsyncSession, booth_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Booked, held and cancelled appointments per booth over the whole fair."""
    rows = (
        await db.execute(
            select(
                BoothAppointmentStats.booth_id,
                *(func.sum(getattr(BoothAppointmentStats, n)) for n in COUNTS),
            )
            .where(BoothAppointmentStats.booth_id.in_(list(booth_ids)))
            .group_by(BoothAppointmentStats.booth_id)
        )
    ).all()
    result = {booth_id: dict.fromkeys(COUNTS, 0) for booth_id in booth_ids}
    for booth_id, *sums in rows:
        result[booth_id] = {n: int(v or 0) for n, v in zip(COUNTS, sums, strict=True)}
    return result


async def appointments_for_booths(
    db: AsyncSession, booth_ids: Sequence[int], *, now: datetime
) -> list[Appointment]:
    """Upcoming (and running) bookings of these booths for the dashboard, by the fair's
    clock ``now``: a booking stays listed while its room is open."""
    since = now - ROOM_GRACE
    return list(
        (
            await db.scalars(
                select(Appointment)
                .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
                .where(Appointment.booth_id.in_(list(booth_ids)), AppointmentSlot.ends_at > since)
                .options(selectinload(Appointment.slot).selectinload(AppointmentSlot.contact))
                .order_by(AppointmentSlot.starts_at)
            )
        ).all()
    )
