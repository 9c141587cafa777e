"""People of the fair as organisers manage them: invitations (pending, resent,
revoked), roles, and removing an account.

Removing a person ends their access (the account is deactivated and leaves its
organisations) but keeps what they published: booths, materials and sessions belong to
organisations and the programme, not to the account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import column, delete, insert, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from fair import audit
from fair.auth import (
    INVITATION_LIFETIME,
    CurrentUser,
    create_invitation,
    token_hash,
)
from fair.db import utcnow
from fair.errors import HTTPError, bad_request, not_found
from fair.models import Invitation, Membership, Organisation, Role, User

INVITABLE_ROLES = (Role.exhibitor, Role.speaker, Role.organiser)  # the form offers this order
# The programme's speakers, named without importing the programme package (fair sits
# below it): an invitation can turn one of them into an account.
_speakers = table(
    "speakers",
    column("id"),
    column("name"),
    column("user_id"),
    column("title"),
    column("bio"),
    column("organisation_id"),
)


@dataclass(frozen=True)
class SpeakerChoice:
    id: int
    name: str


async def speakers_without_account(db: AsyncSession) -> list[SpeakerChoice]:
    rows = await db.execute(
        select(_speakers.c.id, _speakers.c.name)
        .where(_speakers.c.user_id.is_(None))
        .order_by(_speakers.c.name)
    )
    return [SpeakerChoice(row.id, row.name) for row in rows]


async def invite(
    db: AsyncSession,
    actor: CurrentUser,
    *,
    email: str,
    name: str,
    role: Role,
    organisation_id: int | None,
    speaker_id: int | None,
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with its one-time token."""
    if role not in INVITABLE_ROLES:
        raise bad_request("role", "organiser, exhibitor oder speaker")
    if "@" not in email or len(email) > 254:
        raise bad_request("email", "keine gültige E-Mail-Adresse")
    if role is Role.exhibitor and organisation_id is None:
        raise bad_request("organisation_id", "Aussteller:innen gehören zu einer Organisation")
    if organisation_id is not None and await db.get(Organisation, organisation_id) is None:
        raise bad_request("organisation_id", "Organisation nicht gefunden")
    if speaker_id is not None:
        row = (
            await db.execute(select(_speakers.c.user_id).where(_speakers.c.id == speaker_id))
        ).first()
        if row is None:
            raise bad_request("speaker_id", "Mitwirkende:r nicht gefunden")
        if row.user_id is not None:
            raise bad_request("speaker_id", "hat bereits ein Konto")
    pending = await db.scalar(
        select(Invitation.id).where(
            Invitation.email == email.strip().lower(),
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    if pending is not None:
        raise HTTPError(
            409,
            f"email: an {email} ist schon eine Einladung unterwegs – erneut senden oder "
            "zurückziehen",
            field="email",
        )
    if role is Role.speaker and speaker_id is None:
        # A new speaker: they appear in the programme form at once, so the organisers can
        # schedule their sessions before the invitation is accepted.
        if not name.strip():
            raise bad_request("name", "Pflichtfeld für neue Referent:innen")
        speaker_id = await _new_speaker(db, name, organisation_id)
    token = await create_invitation(
        db,
        email=email,
        name=name,
        role=role,
        organisation_id=organisation_id,
        speaker_id=speaker_id,
    )
    invitation = await db.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    assert invitation is not None
    await audit.record(db, actor, "invite", "person", invitation.id, f"{role.value} {email}")
    return invitation, token


async def all_organisations(db: AsyncSession) -> list[Organisation]:
    """Every organisation by name: the one list behind the people, booth and event pages."""
    return list((await db.scalars(select(Organisation).order_by(Organisation.name))).all())


async def _new_speaker(db: AsyncSession, name: str, organisation_id: int | None) -> int:
    result = await db.execute(
        insert(_speakers)
        .values(name=name, title="", bio="", organisation_id=organisation_id)
        .returning(_speakers.c.id)
    )
    return int(result.scalar_one())


async def pending_invitations(db: AsyncSession) -> list[Invitation]:
    query = (
        select(Invitation)
        .where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return list((await db.scalars(query)).all())


async def _open_invitation(db: AsyncSession, invitation_id: int) -> Invitation:
    invitation = await db.get(Invitation, invitation_id)
    if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
        raise not_found("Offene Einladung")
    return invitation


async def resend(
    db: AsyncSession, actor: CurrentUser, invitation_id: int
) -> tuple[Invitation, str]:
    """A new token (the old link stops working) and a fresh expiry."""
    invitation = await _open_invitation(db, invitation_id)
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = utcnow() + INVITATION_LIFETIME
    await audit.record(db, actor, "resend", "person", invitation.id, invitation.email)
    return invitation, token


async def revoke(db: AsyncSession, actor: CurrentUser, invitation_id: int) -> None:
    invitation = await _open_invitation(db, invitation_id)
    invitation.revoked_at = utcnow()
    await audit.record(db, actor, "revoke", "person", invitation.id, invitation.email)


async def list_people(db: AsyncSession) -> list[User]:
    query = (
        select(User)
        .where(User.is_active.is_(True))
        .options(selectinload(User.memberships).selectinload(Membership.organisation))
        .order_by(User.role, User.name)
    )
    return list((await db.scalars(query)).all())


async def _other_person(db: AsyncSession, actor: CurrentUser, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        raise not_found("Person")
    if user.id == actor.id:
        raise HTTPError(409, "Das eigene Konto kann hier nicht geändert werden.")
    return user


async def change_role(db: AsyncSession, actor: CurrentUser, user_id: int, role: Role) -> None:
    if role not in INVITABLE_ROLES:
        raise bad_request("role", "organiser, exhibitor oder speaker")
    user = await _other_person(db, actor, user_id)
    if user.role is role:
        return
    summary = f"{user.email}: {user.role.value} → {role.value}"
    user.role = role
    await audit.record(db, actor, "role", "person", user.id, summary)


async def remove_person(db: AsyncSession, actor: CurrentUser, user_id: int) -> None:
    """End the person's access; what they published stays. Their session cookie stops
    working at once, because every request reloads the account and checks is_active."""
    user = await _other_person(db, actor, user_id)
    user.is_active = False
    user.password_hash = None
    await db.execute(delete(Membership).where(Membership.user_id == user.id))
    await audit.record(db, actor, "remove", "person", user.id, user.email)
