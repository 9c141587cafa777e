"""The programme's section of a booth page: "Im Programm", the sessions the booth takes part
in. Registered with the hall's :class:`booths.page_sections.BoothPageSections` by the app
factory, so the hall shows it without importing the programme."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import Booth
from booths.page_sections import BoothSection
from sessions.models import ProgrammeSession
from sessions.queries import sessions_for_booth


async def _related(db: AsyncSession, booth: Booth) -> list[ProgrammeSession]:
    return await sessions_for_booth(db, booth.id)


related_sessions = BoothSection(template="sessions/_booth_section.html", load=_related)
