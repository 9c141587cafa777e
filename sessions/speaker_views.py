"""The speaker's page (``/speaker``, „Meine Auftritte“): their own sessions, each with the way
to its stage.

Open to speaker accounts, organisers and any account linked to a speaker (an attendee
account the organisers linked: the ``own_pages`` rule :func:`sessions.team.linked_speaker`
gives it the speaker's pages), so every speaker finds the way to their stage."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fair.app_services import app_services
from fair.auth import require_user
from fair.models import Role
from fair.web import current_user, render
from sessions.queries import sessions_of_user


async def my_appearances(request: Request) -> Response:
    user = require_user(current_user(request), Role.speaker, Role.organiser)
    async with app_services(request).db.session() as db:
        sessions = await sessions_of_user(db, user.id)
    return render(request, "sessions/speaker.html", {"sessions": sessions})
