"""Booths, their materials (with version history), contact persons, consented contact
requests (leads) and aggregated daily analytics."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from fair import drafts, series_scope
from fair.changes import ANY_ROW, RowOf, no_rows, row_scoped, row_tag, unshown_table
from fair.db import Base, utcnow
from fair.models import EventDay, Organisation, Topic

# Changes to a booth, its materials, contact persons and search row publish the cache tag
# "booths:<booth id>" (fair.changes), not "*": an exhibitor's edit re-renders the pages
# showing that booth and the pages listing booths, not every page of the fair.
BOOTHS = "booths"
NO_BOOTHS = no_rows(BOOTHS)


ALL_BOOTHS = row_tag(BOOTHS, ANY_ROW)


def booth_tag(booth_id: int) -> str:
    """The cache tag of one booth: the pages showing it declare it (``page_tags``)."""
    return row_tag(BOOTHS, booth_id)


def booth_rows(row: RowOf | None = None) -> dict[str, Any]:
    """``__table_args__`` of a booth table: its changes re-render the pages of its booth,
    and the pages that declare no booths at all (:func:`fair.changes.row_scoped`)."""
    return row_scoped(row, scope=BOOTHS, every_page=True)


def booth_tags(booths: Iterable[Booth]) -> list[str]:
    """What a page showing exactly ``booths`` declares (:data:`NO_BOOTHS` for none)."""
    return [booth_tag(b.id) for b in booths] or [NO_BOOTHS]


booth_topics = Table(
    "booth_topics",
    Base.metadata,
    Column("booth_id", ForeignKey("booths.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    **booth_rows(),
)


class MaterialKind(enum.StrEnum):
    pdf = "pdf"
    slides = "slides"
    video = "video"
    document = "document"
    image = "image"
    link = "link"


class Booth(Base):
    __tablename__ = "booths"
    __table_args__ = booth_rows("id")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    tagline: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    day_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_days.id", ondelete="SET NULL"), nullable=True
    )
    logo_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Resized logo and cover (booths.pictures): {"logo": {"v": …, "w": …, …}, "cover": …}
    image_sets: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Drafts are seen by organisers only, until "publish" releases them all at once.
    published: Mapped[bool] = mapped_column(default=True, server_default=true())

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    day: Mapped[EventDay | None] = relationship(lazy="raise")

    def picture(self, kind: str) -> dict[str, Any] | None:
        """The stored variants of the logo or cover, for the ``picture`` template macro."""
        value = json.loads(self.image_sets or "{}").get(kind)
        return value if isinstance(value, dict) else None

    topics: Mapped[list[Topic]] = relationship(secondary=booth_topics, lazy="raise")
    materials: Mapped[list[Material]] = relationship(
        back_populates="booth", lazy="raise", order_by="Material.position"
    )
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="booth", lazy="raise", order_by="ContactPerson.position"
    )


class Material(Base):
    """A piece of information material; files keep every uploaded version."""

    __tablename__ = "materials"
    __table_args__ = booth_rows("booth_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MaterialKind] = mapped_column(Enum(MaterialKind, native_enum=False, length=20))
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_versions.id", use_alter=True, ondelete="SET NULL"), nullable=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    booth: Mapped[Booth] = relationship(back_populates="materials", lazy="raise")
    current_version: Mapped[MaterialVersion | None] = relationship(
        foreign_keys=[current_version_id], lazy="raise", post_update=True
    )
    versions: Mapped[list[MaterialVersion]] = relationship(
        foreign_keys="MaterialVersion.material_id",
        back_populates="material",
        lazy="raise",
        order_by="MaterialVersion.id",
    )


def _version_booth(version: MaterialVersion, db: Session) -> int | None:
    """The booth of a new material version, if its material is in the session (an upload
    changes both); otherwise None, and the change reaches every booth page."""
    material = db.identity_map.get(identity_key(Material, version.material_id))
    return material.booth_id if isinstance(material, Material) else None


class MaterialVersion(Base):
    __tablename__ = "material_versions"
    __table_args__ = booth_rows(_version_booth)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    storage_key: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    material: Mapped[Material] = relationship(
        foreign_keys=[material_id], back_populates="versions", lazy="raise"
    )


class ContactPerson(Base):
    __tablename__ = "contact_persons"
    __table_args__ = booth_rows("booth_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    availability: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    booth: Mapped[Booth] = relationship(back_populates="contacts", lazy="raise")


class ContactRequest(Base):
    """A lead: an attendee's message plus the consent that lets the exhibitor see it."""

    __tablename__ = "contact_requests"
    __table_args__ = unshown_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    contact_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)
    consent_text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(300))
    retention_days: Mapped[int] = mapped_column(Integer)
    consented_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Only the hash of the link mailed to the visitor: the link alone withdraws consent.
    withdraw_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    language: Mapped[str] = mapped_column(String(5), default="de", server_default="de")

    contact_person: Mapped[ContactPerson | None] = relationship(lazy="raise")


class BoothDailyStats(Base):
    """Counts per booth and day; no visitor identity is stored."""

    __tablename__ = "booth_daily_stats"
    # no public page shows it: counting a visit must not re-render the booth
    __table_args__ = (UniqueConstraint("booth_id", "day"), unshown_table())

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    unique_visitors: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    contact_requests: Mapped[int] = mapped_column(Integer, default=0)


class AppointmentSlot(Base):
    """A bookable time of one contact person at one booth (stored in naive UTC)."""

    __tablename__ = "appointment_slots"
    # the booking page and the rooms are never cached (forms, secrets)
    __table_args__ = unshown_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"), index=True)
    contact_person_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contact: Mapped[ContactPerson] = relationship(lazy="raise")


class Appointment(Base):
    """A visitor's booking of a slot, kept only with consent and for the stated period.

    ``slot_id`` is unique: two visitors racing for one slot cannot both get it, on
    SQLite and PostgreSQL alike; the loser's insert fails and is answered with 409.
    A cancelled booking is deleted (the slot is free again); only the daily counts in
    :class:`BoothAppointmentStats` remember it. ``room_key_hash`` is the hash of the
    secret in the visitor's room and cancel links, so a forged link never matches.
    """

    __tablename__ = "appointments"
    __table_args__ = unshown_table()

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_slots.id", ondelete="CASCADE"), unique=True
    )
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    topic: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="de")
    consent_text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(300))
    retention_days: Mapped[int] = mapped_column(Integer)
    consented_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    room_key_hash: Mapped[str] = mapped_column(String(64))
    held_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    slot: Mapped[AppointmentSlot] = relationship(lazy="raise")


class BoothAppointmentStats(Base):
    """Booked, held and cancelled appointments per booth and day; no identities."""

    __tablename__ = "booth_appointment_stats"
    __table_args__ = (UniqueConstraint("booth_id", "day"), unshown_table())

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)


drafts.register(Booth, Booth.organisation_id)
# A booth belongs to the series of its day; a booth without a day shows in every series.
series_scope.register(
    Booth,
    lambda series_id: Booth.day_id.is_(None) | Booth.day_id.in_(series_scope.days_of(series_id)),
)


class BoothChatSeen(Base):
    """When a booth team member last opened the booth page: later chat messages are unread."""

    __tablename__ = "booth_chat_seen"
    # only the unread badge (JSON) shows when the team last read the chat
    __table_args__ = unshown_table()

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    booth_id: Mapped[int] = mapped_column(
        ForeignKey("booths.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
