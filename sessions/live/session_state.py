"""The session's live state in the database, announced to every open page of the session.

One place for the rule, used by the stage routes (start, publish, end, next) and by the
engine's supervisor (a session interrupted by a dead media process is ``paused``, never
left ``live`` with nobody sending).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fair.db import Database
from sessions.live_marks import record_mark
from sessions.models import LiveState, ProgrammeSession
from sessions.qa import PROGRAMME_CHANNEL, session_channel


async def store_live_state(
    database: Database, hub: Any, now: datetime, session_id: int, state: LiveState
) -> bool:
    """Store the state and tell the session's pages at once (their players refresh;
    nobody has to reload to see "live" or "ended"). False when nothing changed."""
    async with database.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        if session is None or session.live_state == state:
            return False
        session.live_state = state
        if state in (LiveState.live, LiveState.ended):  # the first start mark counts
            kind = "start" if state is LiveState.live else "end"
            await record_mark(db, session_id, kind, now)
        await db.commit()
    await hub.publish(session_channel(session_id), {"type": "session_state", "state": state.value})
    await hub.publish(
        PROGRAMME_CHANNEL,
        {"type": "session_state", "session_id": session_id, "state": state.value},
    )
    return True


async def pause_interrupted(
    database: Database, hub: Any, now: datetime, session_ids: Iterable[str]
) -> list[int]:
    """Talks whose media process died: ``live`` becomes ``paused`` until a speaker
    publishes again (ended talks stay ended). Returns the sessions paused."""
    paused = []
    for raw in session_ids:
        if not raw.isdigit():
            continue
        async with database.session() as db:
            session = await db.get(ProgrammeSession, int(raw))
            current = session.live_state if session is not None else None
        if current is LiveState.live and await store_live_state(
            database, hub, now, int(raw), LiveState.paused
        ):
            paused.append(int(raw))
    return paused
