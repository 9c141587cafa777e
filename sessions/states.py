"""What a session is right now, told the same way on every page and in the API.

The timetable only says when a talk was planned; whether it is live is said by the
stage (``live_state``, set when a speaker publishes or the moderator starts or ends it).
So "live" comes from the stage alone, and a talk whose planned end has passed is over
even if nobody pressed "end": a latecomer must never meet a live control for a past
talk. An ended talk says what became of its recording.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sessions.models import LiveState

if TYPE_CHECKING:
    from sessions.models import Chapter, ProgrammeSession, Recording

# A stage left "live" (a speaker closed the tab, the server restarted) stops counting as
# live this long after the planned end.
STALE_LIVE_AFTER = timedelta(hours=2)
# A talk a dead media process interrupted (``paused``) that its speakers have not
# continued by this long after the planned end is over: its parts become the recording
# and it ends, nobody has to press "end". Not at once: a stage page republishes within
# seconds of the worker's restart, and a talk running a little late must not be cut.
RESUME_GRACE = timedelta(minutes=5)


class Phase(enum.StrEnum):
    scheduled = "scheduled"
    live = "live"
    ended = "ended"
    cancelled = "cancelled"


class RecordingStatus(enum.StrEnum):
    none = "none"  # not ended yet
    available = "available"  # "Aufzeichnung ansehen"
    pending = "pending"  # "Aufzeichnung folgt"
    not_recorded = "not_recorded"  # "nicht aufgezeichnet"


@dataclass(frozen=True)
class SessionStatus:
    phase: Phase
    paused: bool
    recording_status: RecordingStatus
    recording: Recording | None = None
    start_seconds: float = 0.0  # where this talk starts in ``recording`` (its chapter)

    @property
    def is_live(self) -> bool:
        return self.phase is Phase.live

    @property
    def is_over(self) -> bool:
        return self.phase in (Phase.ended, Phase.cancelled)

    @property
    def accepts_questions(self) -> bool:
        return not self.is_over

    @property
    def recording_url(self) -> str:
        """The player page of the recording, at this talk's chapter when it has one."""
        if self.recording is None:
            return ""
        url = f"/recordings/{self.recording.id}"
        if self.start_seconds >= 1:
            from sessions.timelinks import format_time_link

            url += f"?t={format_time_link(self.start_seconds)}"
        return url


def phase_of(session: ProgrammeSession, now: datetime) -> tuple[Phase, bool]:
    """(phase, paused) from the stage's state and the clock."""
    if session.cancelled:
        return Phase.cancelled, False
    state = session.live_state
    if state is LiveState.ended:
        return Phase.ended, False
    if state in (LiveState.live, LiveState.paused):
        if now < session.ends_at + STALE_LIVE_AFTER:
            return Phase.live, state is LiveState.paused
        return Phase.ended, False
    if now >= session.ends_at:
        return Phase.ended, False
    return Phase.scheduled, False


def interruption_over(session: ProgrammeSession, now: datetime) -> bool:
    """True when an interrupted talk (``paused``) was not continued in time (RESUME_GRACE)
    or is over anyway (cancelled, or past its time); an ended talk is over too."""
    if session.live_state is LiveState.paused and now >= session.ends_at + RESUME_GRACE:
        return True
    return phase_of(session, now)[0] in (Phase.ended, Phase.cancelled)


def next_change(sessions: Iterable[ProgrammeSession], now: datetime) -> datetime | None:
    """The first moment after ``now`` when the clock alone changes what a page showing
    ``sessions`` says (a start leaves "Als Nächstes", an end makes a talk "ended", a
    forgotten live stage stops counting): how long a cached page of them stays true."""
    moments = (
        moment
        for session in sessions
        for moment in (session.starts_at, session.ends_at, session.ends_at + STALE_LIVE_AFTER)
        if moment > now
    )
    return min(moments, default=None)


def _published(recordings: list[Recording]) -> Recording | None:
    return next((r for r in recordings if r.published), None)


def _chapter_recording(chapters: list[Chapter]) -> tuple[Recording | None, float]:
    for chapter in chapters:
        if chapter.recording.published:
            return chapter.recording, chapter.start_seconds
    return None, 0.0


def session_status(session: ProgrammeSession, now: datetime) -> SessionStatus:
    """The one answer to "what is this session now?"; needs ``recordings`` and
    ``chapters`` (with their recording) loaded."""
    phase, paused = phase_of(session, now)
    recording = _published(session.recordings)
    start = 0.0
    if recording is None:
        recording, start = _chapter_recording(session.chapters)
    if phase is Phase.live:
        return SessionStatus(phase, paused, RecordingStatus.none)
    # A published recording is proof the talk took place (or was recorded elsewhere):
    # shown even when the stage was never formally ended.
    if recording is not None and not session.recording_opt_out:
        return SessionStatus(phase, False, RecordingStatus.available, recording, start)
    if phase is Phase.scheduled:
        return SessionStatus(phase, False, RecordingStatus.none)
    if phase is Phase.cancelled or session.do_not_record or session.recording_opt_out:
        return SessionStatus(phase, False, RecordingStatus.not_recorded)
    return SessionStatus(phase, False, RecordingStatus.pending)
