"""The programme as tests look it up: the ids of the demo fair's sessions, a demo
speaker without an account to link one to (and attendee accounts to link), and its
recordings as they stand on the fair's first morning."""

from __future__ import annotations

from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.auth import create_user
from fair.clock import fair_now
from fair.db import Database
from fair.models import Role, User
from fair.storage import Storage
from sessions.demo_recordings import seed_demo_recordings
from sessions.models import ProgrammeSession, SessionSpeaker, Speaker
from tests.support.app_server import FIRST_MORNING


async def session_ids(app: Starlette) -> list[int]:
    async with app_services(app).db.session() as db:
        return list((await db.scalars(select(ProgrammeSession.id))).all())


async def unlinked_speaker(app: Starlette) -> tuple[int, int]:
    """A demo speaker without an account and one of their sessions (ids)."""
    async with app_services(app).db.session() as db:
        row = (
            await db.execute(
                select(Speaker.id, SessionSpeaker.session_id)
                .join(SessionSpeaker, SessionSpeaker.speaker_id == Speaker.id)
                .where(Speaker.user_id.is_(None))
                .order_by(SessionSpeaker.session_id)
                .limit(1)
            )
        ).one()
    return row.id, row.session_id


async def unlinked_speaker_and_attendees(
    app: Starlette, emails: tuple[str, ...], password: str
) -> tuple[int, int]:
    """:func:`unlinked_speaker`, and an attendee account for each of ``emails`` (named by
    its address): the accounts a test then links to that speaker, or leaves plain."""
    speaker_id, session_id = await unlinked_speaker(app)
    async with app_services(app).db.session() as db:
        for email in emails:
            await create_user(db, email=email, name=email, role=Role.attendee, password=password)
        await db.commit()
    return speaker_id, session_id


async def link_speaker(app: Starlette, speaker_id: int, email: str) -> None:
    """Link the account of ``email`` to the speaker through the ORM (a flush), as the
    organisers' forms do."""
    async with app_services(app).db.session() as db:
        speaker = await db.get(Speaker, speaker_id)
        assert speaker is not None
        speaker.user_id = await db.scalar(select(User.id).where(User.email == email))
        assert speaker.user_id is not None
        await db.commit()


async def seed_first_morning_recordings(url: str, storage: Storage) -> None:
    """The demo recordings of what is over on the first morning, into the database at
    ``url`` and ``storage``, for a server process that is started on it afterwards."""
    database = Database(url)
    try:
        made = await seed_demo_recordings(
            database, storage, now=fair_now(FIRST_MORNING, "Europe/Berlin")
        )
        assert made == 2
    finally:
        await database.dispose()
