"""Rules and changes of the exhibition hall: who may edit which booth, and every write.

Views parse requests and call these; each function that changes what a booth is found
by also updates the search index in the same transaction.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import (
    Booth,
    ContactPerson,
    ContactRequest,
    Material,
    MaterialKind,
    MaterialVersion,
)
from booths.search import SearchService
from fair.auth import CurrentUser, create_invitation, require_user, token_hash
from fair.db import utcnow
from fair.errors import HTTPError, bad_request
from fair.models import EventDay, Membership, Organisation, Role, Topic, User
from fair.ratelimit import SlidingWindowLimit
from fair.upload_receiving import StoredUpload
from fair.uploads import DOCX, ODP, ODT, PDF, PPTX

RETENTION_DAYS = 180
"""How long an exhibitor may keep a contact request; stated in the consent text."""

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

# --------------------------------------------------------------------------- rules


def can_edit_booth(user: CurrentUser | None, booth: Booth) -> bool:
    """Organisers edit every booth; exhibitors the booths of their organisations."""
    if user is None:
        return False
    if user.is_organiser:
        return True
    return user.role is Role.exhibitor and booth.organisation_id in user.organisation_ids


def require_booth_editor(user: CurrentUser | None, booth: Booth) -> CurrentUser:
    """401 when nobody is logged in, 403 when this user may not change this booth."""
    user = require_user(user)
    if not can_edit_booth(user, booth):
        raise HTTPError(403, "Sie dürfen diesen Stand nicht bearbeiten.")
    return user


def require_organiser(user: CurrentUser | None) -> CurrentUser:
    return require_user(user, Role.organiser)


def require_exhibitor_area(user: CurrentUser | None) -> CurrentUser:
    return require_user(user, Role.exhibitor, Role.organiser)


# --------------------------------------------------------------------------- booth text


async def update_booth_text(
    db: AsyncSession,
    booth: Booth,
    *,
    name: str,
    tagline: str,
    description: str,
    topic_slugs: Sequence[str],
) -> None:
    topics = list((await db.scalars(select(Topic).where(Topic.slug.in_(topic_slugs)))).all())
    if len(topics) != len(set(topic_slugs)):
        raise bad_request("topics", "unbekanntes Themenfeld")
    booth.name = name
    booth.tagline = tagline
    booth.description = description
    booth.topics = topics
    booth.updated_at = utcnow()
    await SearchService.for_db(db).reindex_booth(db, booth.id)


# --------------------------------------------------------------------------- contacts


@dataclass(frozen=True)
class ContactInput:
    name: str
    role: str
    organisation_name: str
    email: str
    phone: str
    availability: str


def check_email(value: str, field: str = "email") -> str:
    if value and not EMAIL_RE.match(value):
        raise bad_request(field, "keine gültige E-Mail-Adresse")
    return value


async def add_contact(db: AsyncSession, booth: Booth, data: ContactInput) -> ContactPerson:
    check_email(data.email)
    position = len(booth.contacts)
    contact = ContactPerson(booth_id=booth.id, position=position, **data.__dict__)
    db.add(contact)
    await SearchService.for_db(db).reindex_booth(db, booth.id)
    return contact


def find_contact(booth: Booth, contact_id: int) -> ContactPerson:
    for contact in booth.contacts:
        if contact.id == contact_id:
            return contact
    raise HTTPError(404, "Ansprechperson nicht gefunden.")


async def update_contact(
    db: AsyncSession, booth: Booth, contact_id: int, data: ContactInput
) -> None:
    check_email(data.email)
    contact = find_contact(booth, contact_id)
    for key, value in data.__dict__.items():
        setattr(contact, key, value)
    await SearchService.for_db(db).reindex_booth(db, booth.id)


async def delete_contact(db: AsyncSession, booth: Booth, contact_id: int) -> None:
    contact = find_contact(booth, contact_id)
    await db.delete(contact)
    await SearchService.for_db(db).reindex_booth(db, booth.id)


# --------------------------------------------------------------------------- materials


def kind_for_type(content_type: str) -> MaterialKind:
    if content_type == PDF:
        return MaterialKind.pdf
    if content_type in (PPTX, ODP):
        return MaterialKind.slides
    if content_type in (DOCX, ODT):
        return MaterialKind.document
    if content_type.startswith("video/"):
        return MaterialKind.video
    return MaterialKind.image


def find_material(booth: Booth, material_id: int) -> Material:
    for material in booth.materials:
        if material.id == material_id and material.deleted_at is None:
            return material
    raise HTTPError(404, "Material nicht gefunden.")


def find_file_material(booth: Booth, material_id: int) -> Material:
    """A live material that holds files (a link has no versions to replace)."""
    material = find_material(booth, material_id)
    if material.kind is MaterialKind.link:
        raise bad_request("file", "ein Link hat keine Datei zum Ersetzen")
    return material


def check_link(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad_request("url", "nur http:// oder https://-Adressen")
    return url


async def add_link(db: AsyncSession, booth: Booth, *, title: str, url: str) -> Material:
    material = Material(
        booth_id=booth.id,
        title=title,
        kind=MaterialKind.link,
        url=check_link(url),
        position=len(booth.materials),
    )
    db.add(material)
    await SearchService.for_db(db).reindex_booth(db, booth.id)
    return material


async def add_material_version(
    db: AsyncSession,
    booth: Booth,
    upload: StoredUpload,
    *,
    user: CurrentUser,
    title: str | None,
    material: Material | None = None,
) -> Material:
    """A new material (``material`` None) or a new version of an existing one; the old
    versions stay stored and listed."""
    if material is None:
        material = Material(
            booth_id=booth.id,
            title=title or upload.filename,
            kind=kind_for_type(upload.stored.content_type),
            position=len(booth.materials),
        )
        db.add(material)
        await db.flush()
    elif title:
        material.title = title
    version = MaterialVersion(
        material_id=material.id,
        storage_key=upload.stored.key,
        filename=upload.filename,
        content_type=upload.stored.content_type,
        size_bytes=upload.stored.size,
        uploaded_by_id=user.id,
    )
    db.add(version)
    await db.flush()
    material.current_version_id = version.id
    material.kind = kind_for_type(upload.stored.content_type)
    await SearchService.for_db(db).reindex_booth(db, booth.id)
    return material


async def delete_material(db: AsyncSession, booth: Booth, material_id: int) -> None:
    """Soft delete: hidden from visitors, versions kept for the record."""
    material = find_material(booth, material_id)
    material.deleted_at = utcnow()
    await SearchService.for_db(db).reindex_booth(db, booth.id)


# --------------------------------------------------------------------------- leads


Translate = Callable[[str], str]


def _same(message: str) -> str:
    return message


def consent_text(booth: Booth, gettext: Translate = _same, purpose: str | None = None) -> str:
    """The exact sentence the visitor agrees to, in the language shown; stored with
    every request as the record of the consent."""
    return gettext(
        "Ich willige ein, dass mein Name, meine E-Mail-Adresse und meine Nachricht an "
        "%(organisation)s (Stand „%(booth)s“) übermittelt werden. Zweck: %(purpose)s. "
        "Die Daten werden nach %(days)s Tagen gelöscht. Ich kann die Einwilligung "
        "jederzeit widerrufen: über den Link in der Bestätigung, die ich per E-Mail "
        "erhalte; dann wird die Anfrage auch beim Stand gelöscht."
    ) % {
        "organisation": booth.organisation.name,
        "booth": booth.name,
        "purpose": purpose or consent_purpose(booth, gettext),
        "days": RETENTION_DAYS,
    }


def consent_purpose(booth: Booth, gettext: Translate = _same) -> str:
    return gettext("Beantwortung meiner Anfrage durch %(organisation)s") % {
        "organisation": booth.organisation.name
    }


def consent_record(booth: Booth, purpose: str, gettext: Translate, now: datetime) -> dict[str, Any]:
    """The columns that record a consent: its exact text, purpose and retention.
    Contact requests and appointments store the same record."""
    return {
        "consent_text": consent_text(booth, gettext, purpose),
        "purpose": purpose,
        "retention_days": RETENTION_DAYS,
        "consented_at": now,
        "expires_at": now + timedelta(days=RETENTION_DAYS),
        "created_at": now,
    }


@dataclass(frozen=True)
class ContactRequestInput:
    name: str
    email: str
    message: str
    consent: bool
    contact_person_id: int | None


@dataclass(frozen=True)
class NewContactRequest:
    """A stored request and the one-time token of its withdrawal link (only its hash is
    stored, so the link must be sent now or never)."""

    request: ContactRequest
    withdraw_token: str


async def create_contact_request(
    db: AsyncSession,
    booth: Booth,
    data: ContactRequestInput,
    gettext: Translate = _same,
    language: str = "de",
) -> NewContactRequest:
    """Store a lead only with explicit consent; without it nothing is kept."""
    if not data.consent:
        raise bad_request(
            "consent",
            "Ohne Ihre Einwilligung können wir die Anfrage nicht an den Stand weitergeben.",
        )
    check_email(data.email)
    if not data.email:
        raise bad_request("email", "Pflichtfeld")
    if data.contact_person_id is not None:
        find_contact(booth, data.contact_person_id)
    now = utcnow()
    token = secrets.token_urlsafe(32)
    request = ContactRequest(
        booth_id=booth.id,
        withdraw_token_hash=token_hash(token),
        language=language,
        contact_person_id=data.contact_person_id,
        name=data.name,
        email=data.email,
        message=data.message,
        **consent_record(booth, consent_purpose(booth, gettext), gettext, now),
    )
    db.add(request)
    await purge_expired_requests(db)
    await db.flush()
    return NewContactRequest(request, token)


async def find_withdrawable_request(db: AsyncSession, token: str) -> ContactRequest:
    """The request a withdrawal link points to; 404 once withdrawn or expired."""
    request = None
    if 20 <= len(token) <= 100:
        request = await db.scalar(
            select(ContactRequest).where(ContactRequest.withdraw_token_hash == token_hash(token))
        )
    if request is None or request.expires_at < utcnow():
        raise HTTPError(
            404, "Diese Anfrage gibt es nicht (mehr): schon widerrufen oder nach Frist gelöscht."
        )
    return request


async def withdraw_contact_request(db: AsyncSession, token: str) -> ContactRequest:
    """Withdrawing consent deletes the request, so the exhibitor's copy is gone too."""
    request = await find_withdrawable_request(db, token)
    await db.delete(request)
    await db.flush()
    return request


async def mark_requests_read(db: AsyncSession, requests: Sequence[ContactRequest]) -> None:
    """The exhibitor saw these in the inbox: they stop counting as unread."""
    unread = [r.id for r in requests if r.read_at is None]
    if unread:
        await db.execute(
            update(ContactRequest).where(ContactRequest.id.in_(unread)).values(read_at=utcnow())
        )


def contact_request_limit() -> SlidingWindowLimit:
    """At most 5 accepted contact requests and bookings per client address and 10
    minutes, per app instance (refused ones do not count)."""
    return SlidingWindowLimit(
        5, 600, "Zu viele Anfragen in kurzer Zeit. Bitte später erneut senden."
    )


async def purge_expired_requests(db: AsyncSession) -> None:
    """Retention: requests past their stated period are deleted, not just hidden."""
    await db.execute(delete(ContactRequest).where(ContactRequest.expires_at < utcnow()))


# --------------------------------------------------------------------------- organiser


async def create_booth(
    db: AsyncSession, *, slug: str, name: str, organisation_id: int, day_id: int | None
) -> Booth:
    if not SLUG_RE.match(slug):
        raise bad_request("slug", "nur Kleinbuchstaben, Ziffern und Bindestriche (3–80)")
    if await db.scalar(select(Booth.id).where(Booth.slug == slug)) is not None:
        raise HTTPError(409, f"slug: {slug} ist schon vergeben", field="slug")
    if await db.get(Organisation, organisation_id) is None:
        raise bad_request("organisation", "unbekannte Organisation")
    if day_id is not None and await db.get(EventDay, day_id) is None:
        raise bad_request("day", "unbekannter Veranstaltungstag")
    # A draft until the organisers publish; its exhibitors may prepare it meanwhile.
    booth = Booth(
        slug=slug, name=name, organisation_id=organisation_id, day_id=day_id, published=False
    )
    db.add(booth)
    await db.flush()
    await SearchService.for_db(db).reindex_booth(db, booth.id)
    return booth


@dataclass(frozen=True)
class Assignment:
    """An existing exhibitor account was added, or an invitation token was made."""

    user: User | None
    invitation_token: str | None


async def assign_exhibitor(
    db: AsyncSession, booth: Booth, email: str, name: str = ""
) -> Assignment:
    """Make an exhibitor account a member of the booth's organisation; for an unknown
    address, create an invitation that makes the new account a member on acceptance."""
    email = email.strip().lower()
    check_email(email)
    user = await db.scalar(select(User).where(User.email == email))
    if user is None:
        token = await create_invitation(
            db, email=email, name=name, role=Role.exhibitor, organisation_id=booth.organisation_id
        )
        return Assignment(None, token)
    if user.role is not Role.exhibitor:
        raise bad_request("email", "dieses Konto ist kein Ausstellerkonto")
    existing = await db.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id, Membership.organisation_id == booth.organisation_id
        )
    )
    if existing is None:
        db.add(Membership(user_id=user.id, organisation_id=booth.organisation_id))
        await db.flush()
    return Assignment(user, None)


async def remove_exhibitor(db: AsyncSession, booth: Booth, user_id: int) -> None:
    await db.execute(
        delete(Membership).where(
            Membership.user_id == user_id, Membership.organisation_id == booth.organisation_id
        )
    )
