"""Accounts: argon2 password hashes, signed session cookies, roles, invitations, and
login rate limiting shared by all instances through the database."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, column, delete, func, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from starlette.requests import HTTPConnection

from fair.db import utcnow
from fair.errors import HTTPError
from fair.models import Invitation, LoginFailure, Membership, Role, User

_hasher = PasswordHasher()
SESSION_USER_KEY = "user_id"
INVITATION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 10

# A domain's rule that a user has the pages of a role beyond their account's role (the
# programme: an attendee account linked to a speaker has the speaker's pages): a SQL
# condition on the user's id, registered under that role in ``AppServices.own_pages``.
# The loader asks all rules in its one statement, so the core names no domain table.
OwnPagesRule = Callable[[ColumnElement[int]], ColumnElement[bool]]
OwnPagesRules = Mapping[Role, OwnPagesRule]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so a missing account is not observable.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class CurrentUser:
    """What a request knows of its logged-in user; loaded once per request."""

    id: int
    name: str
    email: str
    role: Role
    organisation_ids: frozenset[int]
    # The roles whose pages a domain gives this user beyond their account's role (an
    # attendee linked to a speaker has "Meine Auftritte" and their session's team
    # controls): their pages differ, so they get no shared render
    # (``fair.visitor_pages``).
    own_pages: frozenset[Role] = frozenset()

    @property
    def is_organiser(self) -> bool:
        return self.role is Role.organiser

    def acts_as(self, role: Role | str) -> bool:
        """The account has ``role``, or a domain's link gives them its pages (templates
        pass the role's value)."""
        return self.role == role or role in self.own_pages


async def load_current_user(
    conn: HTTPConnection, db: AsyncSession, own_pages: OwnPagesRules | None = None
) -> CurrentUser | None:
    """The session's user with memberships and :attr:`CurrentUser.own_pages` (the domains'
    ``own_pages`` rules), in one statement."""
    user_id = conn.session.get(SESSION_USER_KEY) if "session" in conn.scope else None
    if not isinstance(user_id, int):
        return None
    rules = dict(own_pages or {})
    conditions = [rule(User.id.expression).label(f"own_{role}") for role, rule in rules.items()]
    row = (
        (
            await db.execute(
                select(User, *conditions)
                .where(User.id == user_id)
                .options(joinedload(User.memberships))
            )
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    user, *answers = row.tuple()
    if not user.is_active:
        return None
    return CurrentUser(
        id=user.id,
        name=user.name,
        email=user.email,
        role=user.role,
        organisation_ids=frozenset(m.organisation_id for m in user.memberships),
        own_pages=frozenset(role for role, held in zip(rules, answers, strict=True) if held),
    )


def require_user(user: CurrentUser | None, *roles: Role) -> CurrentUser:
    """The user, or 401 when nobody is logged in and 403 when no role fits (a role a
    domain's link gives counts: :meth:`CurrentUser.acts_as`)."""
    if user is None:
        raise HTTPError(401, "Bitte melden Sie sich an.")
    if roles and not any(user.acts_as(role) for role in roles):
        raise HTTPError(403, "Dafür fehlt Ihnen die Berechtigung.")
    return user


async def create_user(
    db: AsyncSession,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None,
    organisation_ids: list[int] | tuple[int, ...] = (),
) -> User:
    email = email.strip().lower()
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise HTTPError(
            400, f"password: mindestens {MIN_PASSWORD_LENGTH} Zeichen", field="password"
        )
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        raise HTTPError(409, f"email: {email} ist bereits registriert", field="email")
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    db.add(user)
    await db.flush()
    for organisation_id in organisation_ids:
        db.add(Membership(user_id=user.id, organisation_id=organisation_id))
    await db.flush()
    return user


async def authenticate(
    db: AsyncSession, *, email: str, password: str, client_key: str, attempts_per_minute: int
) -> User:
    """Check credentials; too many failures from one client in a minute give 429."""
    since = utcnow() - timedelta(minutes=1)
    recent = await db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client_key == client_key, LoginFailure.at >= since)
    )
    if (recent or 0) >= attempts_per_minute:
        raise HTTPError(429, "Zu viele Anmeldeversuche. Bitte warten Sie eine Minute.")
    user = await db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        db.add(LoginFailure(client_key=client_key))
        await db.execute(
            delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(hours=1))
        )
        await db.commit()
        raise HTTPError(400, "E-Mail-Adresse oder Passwort ist falsch.")
    return user


def token_hash(token: str) -> str:
    """Stored instead of one-time tokens, so a database leak yields no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invitation(
    db: AsyncSession,
    *,
    email: str,
    name: str,
    role: Role,
    organisation_id: int | None = None,
    speaker_id: int | None = None,
) -> str:
    """Store an invitation and return its one-time token (only its hash is stored).

    An address that already has an account gets 409: inviting it again would create a
    link that can only fail when it is accepted."""
    email = email.strip().lower()
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        raise HTTPError(409, f"email: {email} hat bereits ein Konto", field="email")
    token = secrets.token_urlsafe(32)
    db.add(
        Invitation(
            token_hash=token_hash(token),
            email=email.strip().lower(),
            name=name,
            role=role,
            organisation_id=organisation_id,
            speaker_id=speaker_id,
            expires_at=utcnow() + INVITATION_LIFETIME,
        )
    )
    await db.flush()
    return token


async def find_invitation(db: AsyncSession, token: str) -> Invitation:
    invitation = await db.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at < utcnow()
    ):
        raise HTTPError(404, "Diese Einladung ist ungültig, abgelaufen oder schon benutzt.")
    return invitation


async def accept_invitation(db: AsyncSession, token: str, *, name: str, password: str) -> User:
    invitation = await find_invitation(db, token)
    user = await create_user(
        db,
        email=invitation.email,
        name=name or invitation.name,
        role=invitation.role,
        password=password,
        organisation_ids=[invitation.organisation_id] if invitation.organisation_id else [],
    )
    invitation.used_at = utcnow()
    if invitation.speaker_id is not None:
        # The programme's speakers table, named here without importing the programme
        # package (fair sits below it): the new account becomes that speaker.
        speakers = table("speakers", column("id"), column("user_id"))
        await db.execute(
            update(speakers).where(speakers.c.id == invitation.speaker_id).values(user_id=user.id)
        )
    await db.flush()
    return user
