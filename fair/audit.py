"""The audit trail: who changed what in the programme, the hall and the people, when.

Services call :func:`record` in the same transaction as the change, so a change that is
rolled back leaves no entry and a committed change always has one.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.auth import CurrentUser
from fair.db import utcnow
from fair.models import AuditEntry

MAX_SUMMARY = 500
PAGE_SIZE = 200


async def record(
    db: AsyncSession,
    actor: CurrentUser | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    summary: str,
) -> None:
    """Add one entry; ``action`` is a verb such as create, edit, move, cancel, publish."""
    db.add(
        AuditEntry(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else "fair",
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            summary=summary[:MAX_SUMMARY],
        )
    )
    await db.flush()


async def recent_entries(db: AsyncSession, limit: int = PAGE_SIZE) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list((await db.scalars(query)).all())


async def purge_expired(db: AsyncSession, retention_days: int) -> None:
    """Entries older than the retention period go; the rest are kept as they were."""
    cutoff = utcnow() - timedelta(days=retention_days)
    await db.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
