"""Read-side queries for the exhibition hall; eager loads only, since async sessions
forbid lazy loading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth, Material, booth_topics
from fair.errors import not_found
from fair.models import EventDay, Organisation, OrganisationKind, Topic


@dataclass(frozen=True)
class HallFilter:
    topic: str | None = None
    day: int | None = None
    kind: OrganisationKind | None = None
    organisation: str | None = None
    booth_ids: Sequence[int] | None = None  # from full-text search


def _booth_list_query() -> Select[Booth]:
    return select(Booth).options(
        selectinload(Booth.organisation),
        selectinload(Booth.topics),
        selectinload(Booth.day).selectinload(EventDay.host),
    )


async def list_booths(db: AsyncSession, hall_filter: HallFilter | None = None) -> list[Booth]:
    query = _booth_list_query().order_by(Booth.name)
    f = hall_filter or HallFilter()
    if f.topic:
        query = query.where(
            Booth.id.in_(
                select(booth_topics.c.booth_id)
                .join(Topic, Topic.id == booth_topics.c.topic_id)
                .where(Topic.slug == f.topic)
            )
        )
    if f.day is not None:
        query = query.where(Booth.day_id == f.day)
    if f.kind is not None or f.organisation:
        query = query.join(Organisation, Organisation.id == Booth.organisation_id)
        if f.kind is not None:
            query = query.where(Organisation.kind == f.kind)
        if f.organisation:
            query = query.where(Organisation.slug == f.organisation)
    if f.booth_ids is not None:
        query = query.where(Booth.id.in_(list(f.booth_ids)))
    return list((await db.scalars(query)).all())


async def get_booth(db: AsyncSession, slug: str) -> Booth:
    booth = await db.scalar(
        _booth_list_query()
        .where(Booth.slug == slug)
        .options(
            selectinload(Booth.materials).selectinload(Material.current_version),
            selectinload(Booth.contacts),
        )
    )
    if booth is None:
        raise not_found("Stand")
    return booth


async def hall_filter_choices(
    db: AsyncSession,
) -> tuple[list[Topic], list[EventDay], list[Organisation]]:
    topics = list((await db.scalars(select(Topic).order_by(Topic.name_de))).all())
    days = list(
        (
            await db.scalars(
                select(EventDay).options(selectinload(EventDay.host)).order_by(EventDay.date)
            )
        ).all()
    )
    organisations = list(
        (
            await db.scalars(
                select(Organisation)
                .where(Organisation.id.in_(select(Booth.organisation_id)))
                .order_by(Organisation.name)
            )
        ).all()
    )
    return topics, days, organisations
