"""Sections other packages add to a booth page, so the hall needs none of their imports.

The booth page shows what the hall owns (text, materials, contacts, chat). A package
built on booths adds a section of its own (the programme: "Im Programm", the sessions the
booth takes part in) by registering a :class:`BoothSection` with the app's
:class:`BoothPageSections`; the app factory wires that up. A section loads its data in
the page's own database session, so the page keeps its query budget (one query per
section), and renders through its own template, included in the page's main column.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from booths.models import Booth

SectionLoader = Callable[[AsyncSession, "Booth"], Awaitable[Any]]


@dataclass(frozen=True)
class BoothSection:
    """``template`` is included with ``section`` (a :class:`LoadedSection`) in its context;
    ``load`` gives ``section.data`` for one booth."""

    template: str
    load: SectionLoader


@dataclass(frozen=True)
class LoadedSection:
    template: str
    data: Any


@dataclass
class BoothPageSections:
    """The sections registered for this app's booth pages, in registration order."""

    sections: list[BoothSection] = field(default_factory=list)

    def add(self, section: BoothSection) -> None:
        self.sections.append(section)

    async def load(self, db: AsyncSession, booth: Booth) -> list[LoadedSection]:
        return [LoadedSection(s.template, await s.load(db, booth)) for s in self.sections]
