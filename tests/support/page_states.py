"""The demo fair's pages in the states a crawl of the day before the fair never meets.

On ``BEFORE_THE_FAIR`` every talk is still to come, nothing is live and nothing was
recorded, so a crawl that checks one page per route sees each page in one state only.
:func:`add_page_states` puts the states next to each other in a copy of the demo fair
(before its server starts): a talk that ended with a published recording (the speaker
account's own talk, so the speaker's page shows it too), a talk that ended without one,
a live talk, a cancelled one, and a booth with free slots, a booked appointment and its
materials. The English talk inside the German programme (the first, made English by
:func:`tests.support.a11y_helpers.demo_with_attendee`) is one of the pages too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from booths import appointments
from booths.models import Booth, Material
from fair.db import Database
from sessions.chapters import store_captions
from sessions.models import LiveState, ProgrammeSession, Recording, SessionSpeaker, Speaker
from tests.support.appointment_helpers import OWN, fair_clock_now, slot_at

SPEAKER = "Henning Wiebusch"  # the speaker account of tests/support/a11y_helpers.py
CAPTIONS = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWillkommen\n"
SEARCHED = "Schule"  # a word the demo fair's booths and talks contain


@dataclass(frozen=True)
class PageStates:
    """Pages in their other states: ``public`` for every role, ``speaker`` for the
    speaker account only, ``searches`` the results of a search (reached by its form)."""

    public: tuple[str, ...]
    speaker: tuple[str, ...]
    searches: tuple[str, ...]

    def for_role(self, role: str) -> tuple[str, ...]:
        return self.public + (self.speaker if role == "speaker" else ())


async def add_page_states(database_url: str) -> PageStates:
    """Change a copy of the demo fair so that its pages show their other states."""
    database = Database(database_url)
    try:
        for offset in (timedelta(days=1), timedelta(days=1, hours=1)):
            await slot_at(database, OWN, offset)
        booked = await slot_at(database, OWN, timedelta(days=2))
        async with database.session() as db:
            own_talk = await db.scalar(
                select(SessionSpeaker.session_id)
                .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
                .where(Speaker.name == SPEAKER)
            )
            others = (
                await db.scalars(
                    select(ProgrammeSession.id)
                    .where(ProgrammeSession.id != own_talk)
                    .order_by(ProgrammeSession.id)
                    .limit(4)
                )
            ).all()
            assert own_talk is not None and len(others) == 4
            english, live, ended, cancelled = others  # the English talk is left to come
            assert (
                await db.scalar(
                    select(ProgrammeSession.language).where(ProgrammeSession.id == english)
                )
                == "en"
            ), "demo_with_attendee's English talk moved"
            for talk, state in ((own_talk, LiveState.ended), (live, LiveState.live)):
                session = await db.get(ProgrammeSession, talk)
                assert session is not None
                session.live_state = state
            ended_talk = await db.get(ProgrammeSession, ended)
            cancelled_talk = await db.get(ProgrammeSession, cancelled)
            assert ended_talk is not None and cancelled_talk is not None
            ended_talk.live_state = LiveState.ended
            cancelled_talk.cancelled = True
            recording = Recording(
                session_id=own_talk, storage_key=f"recordings/{own_talk}/a11y.mp4",
                size_bytes=64, duration_seconds=60.0, source="upload",
            )  # fmt: skip
            db.add(recording)
            await db.flush()
            await store_captions(db, recording, "de", CAPTIONS)
            booth = await appointments.appointment_booth(db, slug=OWN)
            await appointments.book(
                db,
                booth,
                appointments.BookingInput(booked, "Ada", "ada@example.org", "Schule", True),
                secret_key="page-states",
                now=fair_clock_now(),
            )
            booth_row = await db.scalar(select(Booth).where(Booth.slug == OWN))
            assert booth_row is not None
            has_materials = await db.scalar(
                select(Material.id).where(Material.booth_id == booth_row.id).limit(1)
            )
            assert has_materials is not None, f"{OWN} lost its demo materials"
            await db.commit()
            recording_id = recording.id
    finally:
        await database.dispose()
    talks = (own_talk, live, ended, cancelled, english)
    return PageStates(
        public=(
            *(f"/sessions/{talk}" for talk in talks),
            f"/recordings/{recording_id}",
            f"/booths/{OWN}",
            f"/booths/{OWN}/appointments",
        ),
        speaker=("/speaker", f"/sessions/{own_talk}/stage", f"/sessions/{own_talk}/materials"),
        searches=(f"/search?q={SEARCHED}",),
    )
