"""The core event model: the series, its days and hosts, topics, organisations, users.

Booths live in :mod:`booths.models`, the programme in :mod:`sessions.models`; both
point at these tables, never the other way round. Chat messages are here too: booth
chats and session chats share one table (:mod:`fair.chat`), told apart by their channel.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fair.changes import row_scoped, unshown_table
from fair.db import Base, utcnow


class Role(enum.StrEnum):
    organiser = "organiser"
    exhibitor = "exhibitor"
    speaker = "speaker"
    attendee = "attendee"


class OrganisationKind(enum.StrEnum):
    host_region = "host_region"
    it_provider = "it_provider"
    municipality = "municipality"
    ministry = "ministry"
    association = "association"
    company = "company"
    research = "research"


class EventSeries(Base):
    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    default_language: Mapped[str] = mapped_column(String(2), default="de", server_default="de")
    opening_hours: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Archive mode (the fair after the event): None switches on by itself after the last
    # day; True or False is an organiser's choice.
    archive_mode: Mapped[bool | None] = mapped_column(nullable=True, default=None)
    # Branding (fair.branding): short name in the header, checked accent colour.
    brand_name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    accent_colour: Mapped[str | None] = mapped_column(String(7), nullable=True)
    # The event's logo and favicon (fair.branding_pictures): JSON of the resized set.
    brand_logo: Mapped[str | None] = mapped_column(Text, nullable=True)
    brand_favicon: Mapped[str | None] = mapped_column(Text, nullable=True)

    days: Mapped[list[EventDay]] = relationship(
        back_populates="series", order_by="EventDay.date", lazy="raise"
    )


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=20)
    )
    city: Mapped[str] = mapped_column(String(100), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(100), default="", server_default="")
    logo_key: Mapped[str | None] = mapped_column(String(300), nullable=True)


class EventDay(Base):
    __tablename__ = "event_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("event_series.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    host_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    # The host region's mark for this day (sessions.host_marks): JSON of the resized set.
    host_mark: Mapped[str | None] = mapped_column(Text, nullable=True)

    series: Mapped[EventSeries] = relationship(back_populates="days", lazy="raise")
    host: Mapped[Organisation] = relationship(lazy="raise")

    def span(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The day's hours as aware datetimes in ``zone``. frab days often run past
        midnight (11:00–04:00): an end at or before the start is on the next morning."""
        start = datetime.combine(self.date, self.starts, zone)
        end = datetime.combine(self.date, self.ends, zone)
        if end <= start:
            end += timedelta(days=1)
        return start, end

    def mark(self) -> dict[str, Any] | None:
        """The host's mark as stored by sessions.host_marks, or None."""
        value = json.loads(self.host_mark) if self.host_mark else None
        return value if isinstance(value, dict) else None


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_de: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_de


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Exhibitors: "each" new contact request by mail, a "daily" digest, or "off".
    lead_mail: Mapped[str] = mapped_column(String(10), default="each", server_default="each")
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan"
    )


class Membership(Base):
    """An exhibitor (or speaker) belongs to one or more organisations."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")


class Invitation(Base):
    """A one-time link that lets a new organiser, exhibitor or speaker set a password."""

    __tablename__ = "invitations"
    __table_args__ = unshown_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # A speaker invitation links the new account to this programme speaker.
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("speakers.id", ondelete="SET NULL"), nullable=True
    )


class LoginFailure(Base):
    """Failed logins per client key, shared by all app instances for rate limiting."""

    __tablename__ = "login_failures"
    __table_args__ = unshown_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class TokenPurpose(enum.StrEnum):
    setup = "setup"
    password_reset = "password_reset"


class AccountToken(Base):
    """A one-time link that is not an invitation: the first organiser's setup link, or a
    password reset. Only the token's hash is stored; it expires and works once."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """Who changed what in the programme, the hall or the people, and when.

    The actor's name is copied so the trail still reads right after the account is
    removed; entries are deleted only when the retention period has passed."""

    __tablename__ = "audit_entries"
    # The audit trail is an uncached organiser page: every booth edit writes an entry,
    # which must not empty the page cache (bench/busiest_hour.py).
    __table_args__ = unshown_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    summary: Mapped[str] = mapped_column(String(500))


class LegalPage(Base):
    """Impressum, privacy and accessibility statement as organisers wrote them (Markdown),
    one row per page and language."""

    __tablename__ = "legal_pages"
    __table_args__ = (UniqueConstraint("slug", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ChatMessage(Base):
    """One message in a chat channel; the channel's name is the domain's (a booth's or a
    session's), the core only stores and delivers it (:mod:`fair.chat`)."""

    __tablename__ = "chat_messages"
    # a message re-renders only the pages showing its channel (fair.changes)
    __table_args__ = row_scoped("channel")

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(80), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set by the server from the logged-in account, never from what was typed.
    team: Mapped[bool] = mapped_column(default=False, server_default=false())
