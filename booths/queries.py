"""Read-side queries for the exhibition hall; eager loads only, since async sessions
forbid lazy loading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from booths.models import Booth, ContactRequest, Material, MaterialVersion, booth_topics
from fair.errors import not_found
from fair.models import EventDay, Membership, Organisation, OrganisationKind, Role, Topic, User


@dataclass(frozen=True)
class HallFilter:
    topic: str | None = None
    day: int | None = None
    kind: OrganisationKind | None = None
    organisation: str | None = None
    booth_ids: Sequence[int] | None = None  # from full-text search


def _booth_list_query() -> Select[Booth]:
    """Booths with what a listing shows, in one statement (joined loads: a page's query
    count does not grow with the number of booths); read it with :func:`_all_booths`."""
    return select(Booth).options(
        joinedload(Booth.organisation),
        joinedload(Booth.topics),
        joinedload(Booth.day).joinedload(EventDay.host),
    )


async def _all_booths(db: AsyncSession, query: Select[Booth]) -> list[Booth]:
    return list((await db.scalars(query)).unique().all())


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
    booths = await _all_booths(db, query)
    if f.booth_ids is not None:  # keep the search ranking
        rank = {booth_id: i for i, booth_id in enumerate(f.booth_ids)}
        booths.sort(key=lambda b: rank.get(b.id, len(rank)))
    return booths


async def _booth_by_slug(db: AsyncSession, slug: str, *options: LoaderOption) -> Booth:
    found = await _all_booths(
        db,
        _booth_list_query()
        .where(Booth.slug == slug)
        .options(
            joinedload(Booth.materials).joinedload(Material.current_version),
            joinedload(Booth.contacts),
            *options,
        ),
    )
    booth = found[0] if found else None
    if booth is None:
        raise not_found("Stand")
    return booth


async def get_booth(db: AsyncSession, slug: str) -> Booth:
    """A booth with its current materials and contacts, for its page."""
    return await _booth_by_slug(db, slug)


async def get_booth_for_edit(db: AsyncSession, slug: str) -> Booth:
    """A booth with materials (all versions) and contacts, for editors and writes."""
    return await _booth_by_slug(
        db, slug, joinedload(Booth.materials).selectinload(Material.versions)
    )


async def get_material_version(
    db: AsyncSession, slug: str, material_id: int, version_id: int | None
) -> tuple[Booth, Material, MaterialVersion]:
    """The booth, a live material and the wanted version (default: the current one)."""
    row = (
        await db.execute(
            select(Booth, Material)
            .join(Material, Material.booth_id == Booth.id)
            .where(
                Booth.slug == slug,
                Material.id == material_id,
                Material.deleted_at.is_(None),
            )
            .options(selectinload(Booth.organisation))
        )
    ).first()
    if row is None:
        raise not_found("Material")
    booth, material = row
    wanted = version_id if version_id is not None else material.current_version_id
    version = await db.get(MaterialVersion, wanted) if wanted is not None else None
    if version is None or version.material_id != material.id:
        raise not_found("Material")
    return booth, material, version


async def booths_of(db: AsyncSession, organisation_ids: Sequence[int] | None) -> list[Booth]:
    """Booths of these organisations (None: every booth)."""
    query = _booth_list_query().order_by(Booth.name)
    if organisation_ids is not None:
        query = query.where(Booth.organisation_id.in_(list(organisation_ids)))
    return await _all_booths(db, query)


async def contact_requests_for(db: AsyncSession, booth_ids: Sequence[int]) -> list[ContactRequest]:
    """Newest first, each with its chosen contact person (joined, no extra query)."""
    query = (
        select(ContactRequest)
        .options(joinedload(ContactRequest.contact_person))
        .where(ContactRequest.booth_id.in_(list(booth_ids)))
        .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
    )
    return list((await db.scalars(query)).all())


async def exhibitors_of(db: AsyncSession, organisation_ids: Sequence[int]) -> dict[int, list[User]]:
    """Exhibitor accounts per organisation id."""
    rows = (
        await db.execute(
            select(Membership.organisation_id, User)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.organisation_id.in_(list(organisation_ids)),
                User.role == Role.exhibitor,
            )
            .order_by(User.name)
        )
    ).all()
    result: dict[int, list[User]] = {}
    for organisation_id, user in rows:
        result.setdefault(organisation_id, []).append(user)
    return result


async def hall_filter_choices(
    db: AsyncSession,
) -> tuple[list[Topic], list[EventDay], list[Organisation]]:
    topics = list((await db.scalars(select(Topic).order_by(Topic.name_de))).all())
    days = list(
        (
            await db.scalars(
                select(EventDay).options(joinedload(EventDay.host)).order_by(EventDay.date)
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
