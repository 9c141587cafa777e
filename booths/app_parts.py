"""The exhibition hall's own running services, built by its start-up registration
(:func:`booths.routes.register_booth_hooks`) and reached through :func:`booth_parts`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from booths.analytics import VisitCounts
from booths.call_relay import CallRelays
from booths.page_sections import BoothPageSections
from fair.app_services import app_services
from fair.ratelimit import SlidingWindowLimit
from fair.realtime.announce import Announcer


@dataclass
class BoothParts:
    """Page-view counts written in batches, the contact-request limit, the key that
    signs appointment links and walk-in tickets, the call relays, the „Jetzt am Stand“
    announcer (booths.team_presence), the digest task, the sections other packages add
    to the booth page."""

    visit_counts: VisitCounts
    contact_limiter: SlidingWindowLimit
    link_secret: str
    call_relays: CallRelays
    team_presence: Announcer
    digest_task: asyncio.Task[None] | None = None
    page_sections: BoothPageSections = field(default_factory=BoothPageSections)


def booth_parts(where: HTTPConnection | Starlette) -> BoothParts:
    return app_services(where).part(BoothParts)
