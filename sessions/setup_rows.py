"""What every row of the event set-up (series, day, stage, topic, organisation) is
saved, told apart and deleted by, so that each noun's service says only its own rules.

Every change records an audit entry in the same transaction. Nothing here commits: the
caller commits, or drops the session so a refused change leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fair import audit
from fair.auth import CurrentUser
from fair.errors import HTTPError, not_found

_Row = TypeVar("_Row")


def in_use(field: str, message: str) -> HTTPError:
    """409 on ``field``: the row is taken or still used by something else."""
    return HTTPError(409, f"{field}: {message}", field=field)


async def get_row(db: AsyncSession, model: type[_Row], row_id: int, label: str) -> _Row:
    """The row of ``model`` with ``row_id``, or a 404 naming ``label``."""
    row = await db.get(model, row_id)
    if row is None:
        raise not_found(label)
    return row


async def refuse_taken_name(
    db: AsyncSession, column: Any, name: str, exclude_id: int | None, field: str, message: str
) -> None:
    """409 on ``field`` when another row has ``name`` in ``column`` (case-insensitive):
    every named thing of the event (stage, topic, organisation) is told apart by it."""
    clash = select(column.class_.id).where(func.lower(column) == name.lower())
    if exclude_id is not None:
        clash = clash.where(column.class_.id != exclude_id)
    if await db.scalar(clash) is not None:
        raise in_use(field, message)


async def count_uses(db: AsyncSession, column: Any, value: int) -> int:
    """How many rows have ``value`` in ``column`` (what still uses a day, stage or topic)."""
    return int(await db.scalar(select(func.count()).where(column == value)) or 0)


async def delete_row(
    db: AsyncSession, actor: CurrentUser, row: Any, kind: str, summary: str
) -> None:
    """Delete ``row`` with its audit entry (the caller has refused if it is in use)."""
    await audit.record(db, actor, "delete", kind, row.id, summary)
    await db.delete(row)
    await db.flush()


def apply_input(row: object, data: Any) -> None:
    """Copy a form's checked input (a dataclass whose fields are named as the row's
    columns) onto the row."""
    for name, value in asdict(data).items():
        setattr(row, name, value)


async def record_saved(
    db: AsyncSession, actor: CurrentUser, kind: str, row: Any, row_id: int | None, summary: str
) -> None:
    """Flush a created or edited named thing (``row_id`` None: created) and audit it."""
    await db.flush()
    action = "create" if row_id is None else "edit"
    await audit.record(db, actor, action, kind, row.id, summary)


async def free_slug(db: AsyncSession, model: type, wanted: str) -> str:
    """``wanted`` or ``wanted-2`` … whichever no row of ``model`` has yet (slugs are
    given once, when a row is created)."""
    taken = select(model.id)  # type: ignore[attr-defined]
    slug, n = wanted, 1
    while await db.scalar(taken.where(model.slug == slug)) is not None:  # type: ignore[attr-defined]
        n += 1
        slug = f"{wanted}-{n}"
    return slug
