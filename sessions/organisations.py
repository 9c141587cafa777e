"""Organisers' organisations (exhibitors and day hosts): told apart by their name, with a
website that is a web address, and a logo. Nothing here commits (see
:mod:`sessions.setup_rows`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import Booth
from fair import audit
from fair.auth import CurrentUser
from fair.errors import bad_request
from fair.models import Organisation, OrganisationKind
from fair.slugs import slugify
from sessions.setup_rows import apply_input, free_slug, get_row, record_saved, refuse_taken_name


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    kind: OrganisationKind
    region: str
    city: str
    website: str
    description: str


async def save_organisation(
    db: AsyncSession,
    actor: CurrentUser,
    data: OrganisationInput,
    organisation_id: int | None = None,
) -> Organisation:
    if data.website and not data.website.startswith(("https://", "http://")):
        raise bad_request("website", "mit https:// oder http:// beginnen")
    await refuse_taken_name(
        db,
        Organisation.name,
        data.name,
        organisation_id,
        "name",
        f"eine Organisation {data.name!r} gibt es schon",
    )
    if organisation_id is None:
        slug = await free_slug(db, Organisation, slugify(data.name, 70))
        organisation = Organisation(slug=slug, name=data.name)
        db.add(organisation)
    else:
        organisation = await get_organisation(db, organisation_id)
    apply_input(organisation, data)
    await record_saved(db, actor, "organisation", organisation, organisation_id, data.name)
    return organisation


async def set_organisation_logo(
    db: AsyncSession, actor: CurrentUser, organisation_id: int, key: str
) -> str | None:
    """Point the organisation at its new logo; returns the old key for the caller to
    delete once this is committed."""
    organisation = await get_organisation(db, organisation_id)
    old, organisation.logo_key = organisation.logo_key, key
    await audit.record(
        db, actor, "edit", "organisation", organisation.id, f"Logo: {organisation.name}"
    )
    return old


async def get_organisation(db: AsyncSession, organisation_id: int) -> Organisation:
    return await get_row(db, Organisation, organisation_id, "Organisation")


async def booth_counts(db: AsyncSession) -> dict[int, int]:
    """Booths per organisation, for the list (one grouped query)."""
    rows = await db.execute(
        select(Booth.organisation_id, func.count()).group_by(Booth.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows.tuples()}
