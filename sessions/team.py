"""Who runs a programme item: its team.

The team of a session is the organisers and the people linked to it as speakers or as
its moderator (users whose speaker profile is on the session). The team goes live on its
stage, marks its questions (hide, answer, pin), manages its slides and material, uploads
and sees its unpublished recordings; one rule here keeps those rights the same.

An account linked to a speaker may have the attendee role; :func:`linked_speaker` tells the
core's user loader so (registered under ``Role.speaker``): such a user has the speaker's
pages („Meine Auftritte“, its navigation link and landing after login) and never gets the
render attendees share (made for no one, it would show no team's controls;
``fair.visitor_pages``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.auth import CurrentUser
from fair.errors import HTTPError
from sessions.models import SessionSpeaker, Speaker


def linked_speaker(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The user is linked to a speaker (the app's ``own_pages`` rule for ``Role.speaker``)."""
    return exists().where(Speaker.user_id == user_id)


async def is_session_team(db: AsyncSession, user: CurrentUser | None, session_id: int) -> bool:
    """True for organisers and for the session's speakers and moderator."""
    if user is None:
        return False
    if user.is_organiser:
        return True
    found = await db.scalar(
        select(SessionSpeaker.id)
        .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
        .where(SessionSpeaker.session_id == session_id, Speaker.user_id == user.id)
        .limit(1)
    )
    return found is not None


async def require_session_team(db: AsyncSession, user: CurrentUser | None, session_id: int) -> None:
    """401 for nobody logged in, 403 for anyone outside the session's team."""
    if user is None:
        raise HTTPError(401, "Bitte melden Sie sich an.")
    if not await is_session_team(db, user, session_id):
        raise HTTPError(403, "Nur das Organisationsteam und die Mitwirkenden moderieren.")
