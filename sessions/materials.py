"""A talk's own slides and files: who may change them, and every change.

Uploads travel the same way as booth materials (streamed, type checked by content:
:func:`fair.upload_receiving.receive_upload`); this module
holds the rules once the file is stored. Speakers of the talk and organisers edit;
everyone who may see the talk downloads. Every write rebuilds the programme search
index in the same transaction, because a talk is also found by its material titles.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booths.services import kind_for_type
from fair.auth import CurrentUser, require_user
from fair.counters import add_counts
from fair.errors import HTTPError, bad_request, not_found
from fair.ordering import Direction, move
from fair.upload_receiving import StoredUpload
from sessions.models import ProgrammeSession, SessionMaterial, SessionMaterialDownloads
from sessions.search import rebuild_programme_index
from sessions.team import is_session_team

MAX_TITLE = 200


async def visible_session(db: AsyncSession, session_id: int) -> ProgrammeSession:
    """The programme item if this request may see it (drafts only for organisers)."""
    session = await db.scalar(select(ProgrammeSession).where(ProgrammeSession.id == session_id))
    if session is None:
        raise not_found("Programmpunkt")
    return session


async def require_material_editor(
    db: AsyncSession, user: CurrentUser | None, session_id: int
) -> CurrentUser:
    """401 when nobody is logged in, 404 for an unknown talk, 403 for anyone but its
    speakers, its moderators and the organisers."""
    user = require_user(user)
    await visible_session(db, session_id)
    if not await is_session_team(db, user, session_id):
        raise HTTPError(403, "Nur die Mitwirkenden dieses Programmpunkts und die Organisation.")
    return user


async def materials_of(db: AsyncSession, session_id: int) -> list[SessionMaterial]:
    query = (
        select(SessionMaterial)
        .where(SessionMaterial.session_id == session_id)
        .order_by(SessionMaterial.position, SessionMaterial.id)
    )
    return list((await db.scalars(query)).all())


def find_material(materials: list[SessionMaterial], material_id: int) -> SessionMaterial:
    for material in materials:
        if material.id == material_id:
            return material
    raise not_found("Material")


def clean_title(value: str | None) -> str | None:
    """A title as typed, without control characters; None when empty."""
    if value is None:
        return None
    title = "".join(ch for ch in value if ch.isprintable()).strip()
    if len(title) > MAX_TITLE:
        raise bad_request("title", f"höchstens {MAX_TITLE} Zeichen")
    return title or None


async def add_material(
    db: AsyncSession,
    session_id: int,
    upload: StoredUpload,
    *,
    user: CurrentUser,
    title: str | None,
) -> SessionMaterial:
    """A stored upload becomes the talk's last material (title: the file name if none)."""
    position = len(await materials_of(db, session_id))
    material = SessionMaterial(
        session_id=session_id,
        title=title or upload.filename,
        kind=kind_for_type(upload.stored.content_type),
        storage_key=upload.stored.key,
        filename=upload.filename,
        content_type=upload.stored.content_type,
        size_bytes=upload.stored.size,
        position=position,
        uploaded_by_id=user.id,
    )
    db.add(material)
    await db.flush()
    await rebuild_programme_index(db)
    return material


async def rename_material(db: AsyncSession, material: SessionMaterial, title: str | None) -> None:
    if title is None:
        raise bad_request("title", "bitte einen Titel angeben")
    material.title = title
    await rebuild_programme_index(db)


async def move_material(
    db: AsyncSession, materials: list[SessionMaterial], material_id: int, direction: Direction
) -> None:
    """Swap with the neighbour above or below; positions are renumbered 0..n-1, so gaps
    left by deletions never make a move look like it did nothing."""
    move(materials, find_material(materials, material_id), direction)


async def delete_material(
    db: AsyncSession, materials: list[SessionMaterial], material_id: int
) -> str:
    """Remove the material; returns its storage key, to delete once the commit is done
    (so a failed commit never leaves a listed material without its file)."""
    material = find_material(materials, material_id)
    await db.delete(material)
    await db.flush()
    for position, item in enumerate(m for m in materials if m is not material):
        item.position = position
    await rebuild_programme_index(db)
    return material.storage_key


async def count_download(db: AsyncSession, material_id: int, day: date) -> None:
    """One more download of the material on ``day`` (a table no public page shows, so
    counting does not empty the page cache)."""
    await add_counts(
        db, SessionMaterialDownloads, ("downloads",), day, {"downloads": 1}, material_id=material_id
    )


async def download_counts(db: AsyncSession, material_ids: list[int]) -> dict[int, int]:
    """Downloads so far per material, for the speakers' list."""
    if not material_ids:
        return {}
    rows = await db.execute(
        select(SessionMaterialDownloads.material_id, func.sum(SessionMaterialDownloads.downloads))
        .where(SessionMaterialDownloads.material_id.in_(material_ids))
        .group_by(SessionMaterialDownloads.material_id)
    )
    return {int(r[0]): int(r[1] or 0) for r in rows}
