"""When an interrupted talk is over (:func:`sessions.states.interruption_over`): the
archive ends a talk a dead media process interrupted once its speakers have not
continued it by a few minutes after the planned end, and never cuts a talk that runs
late while someone is still sending."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sessions.models import LiveState, ProgrammeSession
from sessions.states import RESUME_GRACE, STALE_LIVE_AFTER, interruption_over

STARTS = datetime(2026, 11, 30, 10, 0)
ENDS = STARTS + timedelta(minutes=45)
SECOND = timedelta(seconds=1)


def _talk(state: LiveState, cancelled: bool = False) -> ProgrammeSession:
    return ProgrammeSession(
        starts_at=STARTS, duration_minutes=45, live_state=state, cancelled=cancelled
    )


@pytest.mark.parametrize(
    ("state", "now", "over"),
    [
        (LiveState.paused, ENDS - SECOND, False),  # before the planned end
        (LiveState.paused, ENDS + RESUME_GRACE - SECOND, False),  # the speaker may come back
        (LiveState.paused, ENDS + RESUME_GRACE, True),
        (LiveState.live, ENDS + RESUME_GRACE + SECOND, False),  # continued: runs late
        (LiveState.live, ENDS + STALE_LIVE_AFTER, True),  # a forgotten stage
        (LiveState.ended, STARTS, True),  # the moderator ended it
    ],
)
def test_an_interrupted_talk_is_over_after_the_grace(
    state: LiveState, now: datetime, over: bool
) -> None:
    assert interruption_over(_talk(state), now) is over


def test_a_cancelled_talk_is_over() -> None:
    assert interruption_over(_talk(LiveState.paused, cancelled=True), STARTS)
