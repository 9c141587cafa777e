"""The objects the route-by-role matrix (tests/fair/test_route_matrix.py) points its URLs
at: the demo fair plus one real object for every route parameter, so that no row answers
404 merely because its id was made up (a 404 for everyone proves nothing about rights).

Shared objects (the session, its recording and question, a stage, a topic, an open
appointment room) serve every role. What a role's allowed POST may delete or use up (a
contact person, a material, a slot, a talk's file, a cancellable booking, a withdrawal
link) exists once per role, so an exhibitor deleting "their" contact leaves the
organiser's row a real contact to try.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from starlette.applications import Starlette

from booths import appointments
from booths.app_parts import booth_parts
from booths.models import Booth, ContactPerson, Material, MaterialKind, MaterialVersion
from booths.pictures import set_picture, store_picture_data
from booths.services import ContactRequestInput, create_contact_request
from fair.accounts import create_reset_token
from fair.app_services import app_services
from fair.auth import CurrentUser, create_invitation, create_user
from fair.db import Database
from fair.images import KINDS
from fair.models import EventDay, Invitation, Role, Topic, User
from fair.seed import tiny_pdf
from sessions.chapters import store_captions
from sessions.models import (
    ProgrammeSession,
    Question,
    Recording,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
    Stage,
)
from sessions.organisations import set_organisation_logo
from tests.support.appointment_helpers import fair_clock_now, slot_at
from tests.support.pictures import picture_bytes

OWN_BOOTH = "owl-schueler-online"  # krz's booth
OTHER_BOOTH = "ge-buerger-app"  # stadt-gelsenkirchen's booth
OWN_SPEAKER = "Henning Wiebusch"

ACCOUNTS = {
    "attendee": "besucher@example.org",
    "exhibitor": "aussteller.krz@example.org",
    "other_exhibitor": "aussteller.gelsenkirchen@example.org",
    "speaker": "henning.wiebusch@example.org",
    "other_speaker": "nora.engels@example.org",
    "linked_speaker": "gastrednerin@example.org",  # attendee role, linked to OWN_SPEAKER's session
    "organiser": "orga@example.org",
}
ROLES = ("anonymous", *ACCOUNTS)  # organiser last: its allowed POSTs may change state

CAPTIONS = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWillkommen\n"


@dataclass(frozen=True)
class Spare:
    """One role's own copy of what an allowed request may delete or use up."""

    contact_id: int
    material_id: int
    slot_id: int
    session_material_id: int
    appointment_token: str
    withdraw_token: str


@dataclass(frozen=True)
class Ids:
    """Real values for every route parameter, from the demo fair and :func:`seed_matrix_fair`."""

    slug: str
    session_id: int
    question_id: int
    recording_id: int
    appointment_id: int  # booked, its room open now (by the fair's clock)
    room_token: str  # the visitor's link to that appointment
    stage_id: int
    topic_id: int
    user_id: int  # the attendee: a person organisers may change
    invitation_id: int
    invite_token: str
    reset_token: str
    series_id: int
    day_id: int
    organisation_id: int
    file_material_id: int  # a booth material with a file (downloads)
    logo_variant: str  # "{version}/{name}" of a variant of the booth's logo
    request_id: str  # a walk-in request id (32 hex digits: any well-formed one is real)
    spares: dict[str, Spare]

    def fill(self, path: str, role: str) -> str:
        spare = self.spares[role]
        return path.replace("{action:str}", "end").format(
            slug=self.slug, session_id=self.session_id, question_id=self.question_id,
            recording_id=self.recording_id, appointment_id=self.appointment_id,
            room_token=self.room_token, stage_id=self.stage_id, topic_id=self.topic_id,
            user_id=self.user_id, invitation_id=self.invitation_id,
            invite_token=self.invite_token, reset_token=self.reset_token,
            series_id=self.series_id, day_id=self.day_id,
            organisation_id=self.organisation_id, request_id=self.request_id,
            file_material_id=self.file_material_id, logo_variant=self.logo_variant,
            contact_id=spare.contact_id, material_id=spare.material_id,
            slot_id=spare.slot_id, session_material_id=spare.session_material_id,
            token=spare.appointment_token, withdraw_token=spare.withdraw_token,
            code="en", ext="xml",
        )  # fmt: skip


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _stored(app: Starlette, key: str, data: bytes, content_type: str) -> str:
    storage = app_services(app).storage
    stored = await storage.save_stream(
        key, _chunks(data), content_type=content_type, max_bytes=len(data) + 1
    )
    return stored.key


async def _spare(app: Starlette, session_id: int, index: int) -> Spare:
    database: Database = app_services(app).db
    now = fair_clock_now()
    slot_id = await slot_at(database, OWN_BOOTH, timedelta(days=1, hours=index))
    booked_slot = await slot_at(database, OWN_BOOTH, timedelta(days=2, hours=index))
    pdf = await _stored(
        app, f"sessions/{session_id}/matrix-{index}.pdf", tiny_pdf("Folien"), "application/pdf"
    )
    async with database.session() as db:
        booth = await appointments.appointment_booth(db, slug=OWN_BOOTH)
        contact = ContactPerson(booth_id=booth.id, name=f"Kontakt {index}", email="")
        material = Material(
            booth_id=booth.id, title=f"Link {index}", kind=MaterialKind.link,
            url="https://example.org/", position=100 + index,
        )  # fmt: skip
        talk_file = SessionMaterial(
            session_id=session_id, title=f"Folien {index}", kind=MaterialKind.pdf,
            storage_key=pdf, filename="folien.pdf", content_type="application/pdf",
            size_bytes=len(tiny_pdf("Folien")), position=100 + index,
        )  # fmt: skip
        db.add_all([contact, material, talk_file])
        booking = await appointments.book(
            db,
            booth,
            appointments.BookingInput(booked_slot, "Vera", "vera@example.org", "Test", True),
            secret_key=booth_parts(app).link_secret,
            now=now,
        )
        lead = await create_contact_request(
            db, booth, ContactRequestInput("Vera", "vera@example.org", "Hallo", True, None)
        )
        await db.commit()
        return Spare(
            contact.id, material.id, slot_id, talk_file.id, booking.token, lead.withdraw_token
        )


async def _recording(app: Starlette, session_id: int) -> int:
    """A published recording of the session, with its file, poster and German captions."""
    video = await _stored(app, f"recordings/{session_id}/matrix.mp4", b"\0" * 64, "video/mp4")
    poster = await _stored(app, f"recordings/{session_id}/matrix.jpg", b"\xff\xd8", "image/jpeg")
    async with app_services(app).db.session() as db:
        recording = Recording(
            session_id=session_id, storage_key=video, size_bytes=64, duration_seconds=60.0,
            poster_key=poster, source="upload",
        )  # fmt: skip
        db.add(recording)
        await db.flush()
        await store_captions(db, recording, "de", CAPTIONS)
        await db.commit()
        return recording.id


async def _logos(app: Starlette, booth_id: int) -> str:
    """The booth's logo as an upload leaves it (the original and its variants) and its
    organisation's; the "{version}/{name}" of the booth logo's smallest fallback variant."""
    data = picture_bytes((240, 120))
    original = await _stored(app, f"logos/{booth_id}/matrix.png", data, "image/png")
    picture = await store_picture_data(app_services(app).storage, booth_id, KINDS["logo"], data)
    async with app_services(app).db.session() as db:
        booth = await db.get(Booth, booth_id)
        organiser = await db.scalar(select(User).where(User.email == ACCOUNTS["organiser"]))
        assert booth is not None and organiser is not None
        set_picture(booth, "logo", picture)
        booth.logo_key = original
        actor = CurrentUser(
            organiser.id, organiser.name, organiser.email, organiser.role, frozenset()
        )
        key = f"organisations/{booth.organisation_id}/matrix.png"
        await set_organisation_logo(
            db, actor, booth.organisation_id, await _stored(app, key, data, "image/png")
        )
        await db.commit()
    return f"{picture['v']}/{picture['widths'][0]}.{picture['fallback']}"


async def seed_matrix_fair(app: Starlette) -> Ids:
    """The objects of :class:`Ids`, added to the demo fair of ``app``."""
    database: Database = app_services(app).db
    flyer = await _stored(app, "materials/matrix-flyer.pdf", tiny_pdf("Flyer"), "application/pdf")
    async with database.session() as db:
        booth = await db.scalar(select(Booth).where(Booth.slug == OWN_BOOTH))
        session_id = await db.scalar(
            select(SessionSpeaker.session_id)
            .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
            .where(Speaker.name == OWN_SPEAKER)
            .limit(1)
        )
        assert booth is not None and session_id is not None
        assert await db.get(ProgrammeSession, session_id) is not None
        question = Question(session_id=session_id, author_name="Gast", body="Wie geht das?")
        db.add(question)
        attendee = await create_user(
            db, email=ACCOUNTS["attendee"], name="Besucherin", role=Role.attendee,
            password="demo-passwort",
        )  # fmt: skip
        guest = await create_user(
            db, email=ACCOUNTS["linked_speaker"], name="Gastrednerin", role=Role.attendee,
            password="demo-passwort",
        )  # fmt: skip
        guest_speaker = Speaker(name="Gastrednerin", user_id=guest.id)
        db.add(guest_speaker)
        await db.flush()
        db.add(SessionSpeaker(session_id=session_id, speaker_id=guest_speaker.id, position=9))
        invite_token = await create_invitation(
            db, email="neu@example.org", name="Neue Person", role=Role.speaker
        )
        invitation_id = await db.scalar(
            select(Invitation.id).where(Invitation.email == "neu@example.org")
        )
        reset = await create_reset_token(db, ACCOUNTS["other_speaker"])
        assert reset is not None
        day = await db.scalar(select(EventDay).order_by(EventDay.id).limit(1))
        file_material = Material(
            booth_id=booth.id, title="Flyer", kind=MaterialKind.pdf, position=99
        )
        db.add(file_material)
        await db.flush()
        version = MaterialVersion(
            material_id=file_material.id, storage_key=flyer, filename="flyer.pdf",
            content_type="application/pdf", size_bytes=len(tiny_pdf("Flyer")),
        )  # fmt: skip
        db.add(version)
        await db.flush()
        file_material.current_version_id = version.id
        file_material_id = file_material.id
        stage_id = await db.scalar(select(Stage.id).order_by(Stage.id).limit(1))
        topic_id = await db.scalar(select(Topic.id).order_by(Topic.id).limit(1))
        assert day is not None and stage_id is not None and topic_id is not None
        assert invitation_id is not None and file_material_id is not None
        await db.commit()
        ids = (question.id, attendee.id, invitation_id, day.id, day.series_id)
    recording_id = await _recording(app, session_id)
    logo_variant = await _logos(app, booth.id)
    open_slot = await slot_at(database, OWN_BOOTH, timedelta(minutes=5))
    async with database.session() as db:
        booth = await appointments.appointment_booth(db, slug=OWN_BOOTH)
        booking = await appointments.book(
            db,
            booth,
            appointments.BookingInput(open_slot, "Ada", "ada@example.org", "Raum", True),
            secret_key=booth_parts(app).link_secret,
            now=fair_clock_now(),
        )
        await db.commit()
    spares = {role: await _spare(app, session_id, index) for index, role in enumerate(ROLES)}
    question_id, user_id, invitation_id, day_id, series_id = ids
    return Ids(
        slug=OWN_BOOTH, session_id=session_id, question_id=question_id,
        recording_id=recording_id, appointment_id=booking.appointment.id,
        room_token=booking.token, stage_id=stage_id, topic_id=topic_id, user_id=user_id,
        invitation_id=invitation_id, invite_token=invite_token, reset_token=reset[1],
        series_id=series_id, day_id=day_id, organisation_id=booth.organisation_id,
        file_material_id=file_material_id, logo_variant=logo_variant,
        request_id="0123456789abcdef0123456789abcdef", spares=spares,
    )  # fmt: skip
