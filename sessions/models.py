"""The programme: stages, sessions with speakers, Q&A, chat, FAQ and recordings."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from sessions.states import SessionStatus

from booths.models import Booth, MaterialKind
from fair import drafts, series_scope
from fair.changes import identity_table, row_scoped, unshown_table
from fair.db import Base, utcnow
from fair.models import EventDay, Organisation, Topic, User


class SessionKind(enum.StrEnum):
    opening = "opening"
    talk = "talk"
    panel = "panel"
    workshop = "workshop"


class LiveState(enum.StrEnum):
    scheduled = "scheduled"
    live = "live"
    paused = "paused"
    ended = "ended"


session_booths = Table(
    "session_booths",
    Base.metadata,
    Column("session_id", ForeignKey("programme_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("booth_id", ForeignKey("booths.id", ondelete="CASCADE"), primary_key=True),
)


class Stage(Base):
    __tablename__ = "stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Speaker(Base):
    __tablename__ = "speakers"
    # Who is linked to a speaker has pages of their own (``sessions.team.linked_speaker``):
    # a change here must reach the cache of logged-in users.
    __table_args__ = identity_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, unique=True
    )

    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    user: Mapped[User | None] = relationship(lazy="raise")


class SessionSpeaker(Base):
    __tablename__ = "session_speakers"
    __table_args__ = (UniqueConstraint("session_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"))
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="speaker")  # speaker | moderator
    position: Mapped[int] = mapped_column(Integer, default=0)

    speaker: Mapped[Speaker] = relationship(lazy="raise")


class ProgrammeSession(Base):
    """A slot in the programme. Times are naive UTC; the day gives the local date."""

    __tablename__ = "programme_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    #: The identity an imported schedule gave the event when it is not a UUID (its guid as
    #: written, or ``<acronym>#<id>``); ``guid`` is derived from it. None when the source's
    #: guid is the UUID itself, or the session was made here.
    source_ref: Mapped[str | None] = mapped_column(String(255), nullable=True, default=None)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[SessionKind] = mapped_column(Enum(SessionKind, native_enum=False, length=20))
    abstract: Mapped[str] = mapped_column(Text, default="")
    day_id: Mapped[int] = mapped_column(ForeignKey("event_days.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), nullable=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8), default="de")
    do_not_record: Mapped[bool] = mapped_column(default=False)
    cancelled: Mapped[bool] = mapped_column(default=False)
    live_state: Mapped[LiveState] = mapped_column(
        Enum(LiveState, native_enum=False, length=20), default=LiveState.scheduled
    )
    # A speaker declined publication of the recording (before or after the talk).
    recording_opt_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Drafts are seen by organisers only, until "publish" releases them all at once.
    published: Mapped[bool] = mapped_column(default=True, server_default=true())

    day: Mapped[EventDay] = relationship(lazy="raise")
    stage: Mapped[Stage] = relationship(lazy="raise")
    topic: Mapped[Topic | None] = relationship(lazy="raise")
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        lazy="raise", order_by="SessionSpeaker.position", cascade="all, delete-orphan"
    )
    booths: Mapped[list[Booth]] = relationship(secondary=session_booths, lazy="raise")
    recordings: Mapped[list[Recording]] = relationship(
        back_populates="session", lazy="raise", order_by="Recording.id"
    )
    # Chapters of (other sessions') recordings that cover this session, e.g. a stage's
    # morning recorded as one file.
    chapters: Mapped[list[Chapter]] = relationship(
        lazy="raise", order_by="Chapter.id", viewonly=True
    )
    # The talk's own slides and files, in the order its speakers chose.
    materials: Mapped[list[SessionMaterial]] = relationship(
        lazy="raise", order_by="SessionMaterial.position, SessionMaterial.id", viewonly=True
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def status(self, now: datetime) -> SessionStatus:
        """What this session is at ``now``; see :mod:`sessions.states`."""
        from sessions.states import session_status

        return session_status(self, now)


class Question(Base):
    __tablename__ = "questions"
    # a question re-renders only its talk's pages (fair.changes)
    __table_args__ = row_scoped("session_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(String(500))
    votes: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(default=False)
    answered: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QuestionVote(Base):
    """One upvote per question and voter; the voter key is a random browser token."""

    __tablename__ = "question_votes"
    __table_args__ = (UniqueConstraint("question_id", "voter_key"), row_scoped())

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))


class FaqEntry(Base):
    """An FAQ entry for the event (session_id empty) or one session."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(300))  # the downloadable MP4
    # the HLS media playlist (VOD) of the same segments; None for recordings from before HLS
    playlist_key: Mapped[str | None] = mapped_column(String(300), default=None)
    content_type: Mapped[str] = mapped_column(String(100), default="video/mp4")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A still frame taken from the video with PyAV (JPEG), shown in the library.
    poster_key: Mapped[str] = mapped_column(String(300), default="")
    downloadable: Mapped[bool] = mapped_column(default=True)
    # live | upload | demo | composed: where the file came from.
    source: Mapped[str] = mapped_column(String(20), default="live")
    views: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[ProgrammeSession] = relationship(back_populates="recordings", lazy="raise")

    @property
    def media_url(self) -> str:
        """Where a player gets the video. The one place to pick another source (HLS)."""
        return f"/sessions/{self.session_id}/recordings/{self.id}"

    @property
    def poster_url(self) -> str:
        return f"/recordings/{self.id}/poster.jpg" if self.poster_key else ""

    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="recording",
        lazy="raise",
        order_by="Chapter.start_seconds",
        cascade="all, delete-orphan",
    )
    captions: Mapped[list[Caption]] = relationship(
        back_populates="recording",
        lazy="raise",
        order_by="Caption.language",
        cascade="all, delete-orphan",
    )


class Chapter(Base):
    """A part of a recording: generated from the programme, corrected by the marks taken
    while live, editable by organisers. ``session_id`` links the talk it shows."""

    __tablename__ = "recording_chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    start_seconds: Mapped[float] = mapped_column(Float)

    recording: Mapped[Recording] = relationship(back_populates="chapters", lazy="raise")


class Caption(Base):
    """Captions of a recording in one language, kept as WebVTT (SRT is converted)."""

    __tablename__ = "recording_captions"
    __table_args__ = (UniqueConstraint("recording_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    vtt: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    recording: Mapped[Recording] = relationship(back_populates="captions", lazy="raise")
    cues: Mapped[list[CaptionCue]] = relationship(
        lazy="raise", order_by="CaptionCue.start_seconds", cascade="all, delete-orphan"
    )


class CaptionCue(Base):
    """One cue of a caption file, kept apart so search can point to the moment it is said."""

    __tablename__ = "recording_caption_cues"

    id: Mapped[int] = mapped_column(primary_key=True)
    caption_id: Mapped[int] = mapped_column(
        ForeignKey("recording_captions.id", ondelete="CASCADE"), index=True
    )
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)


drafts.register(ProgrammeSession)
series_scope.register(
    ProgrammeSession, lambda series_id: ProgrammeSession.day_id.in_(series_scope.days_of(series_id))
)
series_scope.register(
    Recording,
    lambda series_id: Recording.session_id.in_(
        select(ProgrammeSession.id)
        .where(ProgrammeSession.day_id.in_(series_scope.days_of(series_id)))
        .scalar_subquery()
    ),
)


class LiveMark(Base):
    """A moment taken while live: a talk's start or end pressed on the stage (or the
    moderator's "next item"). Chapters of a recording spanning several talks start at
    these marks rather than at the planned times (``sessions.live_marks``)."""

    __tablename__ = "live_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "start" or "end"
    at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC on the fair's clock


class SessionMaterial(Base):
    """Slides ("Folien / Präsentation") and other files of one programme item, uploaded
    by its speakers or the organisers; shown on the session and recording pages.

    Unlike booth materials there is no version history: a talk's slides are replaced by
    deleting and uploading, and deleting removes the file from storage too.
    """

    __tablename__ = "session_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MaterialKind] = mapped_column(Enum(MaterialKind, native_enum=False, length=20))
    storage_key: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def download_url(self) -> str:
        """Ends in the file's real extension, so a static copy of the fair stores the
        file under a name a browser opens with the right program."""
        extension = self.filename.rpartition(".")[2].lower() or "bin"
        return f"/sessions/{self.session_id}/materials/{self.id}/download.{extension}"


class SessionMaterialDownloads(Base):
    """Downloads per session material and day, like a booth's; no visitor identity."""

    __tablename__ = "session_material_downloads"
    # only the speakers' (uncached) list shows download counts
    __table_args__ = (UniqueConstraint("material_id", "day"), unshown_table())

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("session_materials.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
