"""The programme as tests look it up: the ids of the demo fair's sessions, and its
recordings as they stand on the fair's first morning."""

from __future__ import annotations

from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.clock import fair_now
from fair.db import Database
from fair.storage import Storage
from sessions.demo_recordings import seed_demo_recordings
from sessions.models import ProgrammeSession
from tests.support.app_server import FIRST_MORNING


async def session_ids(app: Starlette) -> list[int]:
    async with app_services(app).db.session() as db:
        return list((await db.scalars(select(ProgrammeSession.id))).all())


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
