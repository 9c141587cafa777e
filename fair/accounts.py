"""One-time account links that are not invitations: the first organiser's setup link
and password resets.

A token is random, only its SHA-256 hash is stored, it expires and it works once. The
setup link exists only while the install has no organiser: there is never a default
password to forget to change.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fair.auth import MIN_PASSWORD_LENGTH, create_user, hash_password, token_hash
from fair.db import utcnow
from fair.errors import HTTPError
from fair.models import AccountToken, Role, TokenPurpose, User

SETUP_LIFETIME = timedelta(hours=24)
RESET_LIFETIME = timedelta(hours=2)
INVALID_LINK = "Dieser Link ist ungültig, abgelaufen oder schon benutzt."


async def has_organiser(db: AsyncSession) -> bool:
    found = await db.scalar(select(User.id).where(User.role == Role.organiser).limit(1))
    return found is not None


async def _new_token(
    db: AsyncSession, purpose: TokenPurpose, lifetime: timedelta, user_id: int | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    db.add(
        AccountToken(
            purpose=purpose.value,
            token_hash=token_hash(token),
            user_id=user_id,
            expires_at=utcnow() + lifetime,
        )
    )
    await db.flush()
    return token


async def _valid_token(db: AsyncSession, purpose: TokenPurpose, token: str) -> AccountToken:
    found = await db.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose.value
        )
    )
    if found is None or found.used_at is not None or found.expires_at < utcnow():
        raise HTTPError(404, INVALID_LINK)
    return found


async def create_setup_token(db: AsyncSession) -> str | None:
    """A fresh setup link's token when the install has no organiser yet, else None."""
    if await has_organiser(db):
        return None
    return await _new_token(db, TokenPurpose.setup, SETUP_LIFETIME)


async def check_setup_token(db: AsyncSession, token: str) -> None:
    """404 unless ``token`` is an unused, unexpired setup link on an install without an
    organiser (once the first organiser exists, every setup link is dead)."""
    await _valid_token(db, TokenPurpose.setup, token)
    if await has_organiser(db):
        raise HTTPError(404, INVALID_LINK)


async def complete_setup(
    db: AsyncSession, token: str, *, email: str, name: str, password: str
) -> User:
    """Create the first organiser from a setup link and use the link up."""
    await check_setup_token(db, token)
    user = await create_user(db, email=email, name=name, role=Role.organiser, password=password)
    # Every other setup link dies with this one: there is an organiser now.
    await db.execute(
        update(AccountToken)
        .where(AccountToken.purpose == TokenPurpose.setup.value, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return user


async def create_reset_token(db: AsyncSession, email: str) -> tuple[User, str] | None:
    """A reset link for the active account with ``email``, or None when there is none
    (the caller answers the same either way, so addresses cannot be probed)."""
    user = await db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        return None
    return user, await _new_token(db, TokenPurpose.password_reset, RESET_LIFETIME, user.id)


async def reset_user(db: AsyncSession, token: str) -> User:
    found = await _valid_token(db, TokenPurpose.password_reset, token)
    user = await db.get(User, found.user_id) if found.user_id else None
    if user is None or not user.is_active:
        raise HTTPError(404, INVALID_LINK)
    return user


async def reset_password(db: AsyncSession, token: str, password: str) -> User:
    """Set a new password through a reset link; the link and its siblings are used up."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise HTTPError(
            400, f"password: mindestens {MIN_PASSWORD_LENGTH} Zeichen", field="password"
        )
    user = await reset_user(db, token)
    user.password_hash = hash_password(password)
    await db.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.password_reset.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    await db.flush()
    return user
