"""The programme as tests look it up: the ids of the demo fair's sessions."""

from __future__ import annotations

from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.models import ProgrammeSession


async def session_ids(app: Starlette) -> list[int]:
    async with app_services(app).db.session() as db:
        return list((await db.scalars(select(ProgrammeSession.id))).all())
