"""Organisers' stages: a stage is told apart by its name and deleted only while no
session stands on it. Nothing here commits (see :mod:`sessions.setup_rows`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.auth import CurrentUser
from fair.slugs import slugify
from sessions import setup_rows as rows
from sessions.models import ProgrammeSession, Stage


async def save_stage(
    db: AsyncSession, actor: CurrentUser, name: str, stage_id: int | None = None
) -> Stage:
    """Add a stage (last in the order) or rename the one ``stage_id`` names."""
    await rows.refuse_taken_name(
        db, Stage.name, name, stage_id, "name", f"eine Bühne {name!r} gibt es schon"
    )
    if stage_id is None:
        position = (await db.scalar(select(func.max(Stage.position)))) or 0
        slug = await rows.free_slug(db, Stage, slugify(name, 70))
        stage = Stage(slug=slug, name=name, position=position + 1)
        db.add(stage)
    else:
        stage = await rows.get_row(db, Stage, stage_id, "Bühne")
        stage.name = name
    await rows.record_saved(db, actor, "stage", stage, stage_id, name)
    return stage


async def delete_stage(db: AsyncSession, actor: CurrentUser, stage_id: int) -> None:
    stage = await rows.get_row(db, Stage, stage_id, "Bühne")
    count = await rows.count_uses(db, ProgrammeSession.stage_id, stage.id)
    if count:
        raise rows.in_use("stage", f"auf {stage.name} stehen {count} Programmpunkte; erst verlegen")
    await rows.delete_row(db, actor, stage, "stage", stage.name)
