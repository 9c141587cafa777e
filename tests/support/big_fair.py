"""The demo fair ten times over (700 booths, 400 sessions), made with bulk inserts.

Every booth and session of the demo is copied ``times - 1`` times with its topics,
materials (and versions), contact persons, speakers and booth links, under fresh ids,
slugs and guids. Used by the query budget tests: a page's statement count must not grow
with the data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

import booths.models  # noqa: F401  (registers the tables)
import sessions.models  # noqa: F401
from fair.db import Base

Row = dict[str, Any]


async def _rows(conn: AsyncConnection, table: Table) -> list[Row]:
    return [dict(r) for r in (await conn.execute(select(table))).mappings().all()]


async def _step(conn: AsyncConnection, table: Table) -> int:
    """An id offset above every id in ``table``, so copies never collide."""
    highest = await conn.scalar(select(func.max(table.c.id)))
    return int(highest or 0) + 1


async def _copy(
    conn: AsyncConnection,
    table: Table,
    rows: list[Row],
    times: int,
    change: Callable[[Row, int], Row],
) -> None:
    copies = [change(dict(row), k) for k in range(1, times) for row in rows]
    if copies:
        await conn.execute(insert(table), copies)


async def _copy_table(
    conn: AsyncConnection, table: Table, times: int, change: Callable[[Row, int], Row]
) -> None:
    await _copy(conn, table, await _rows(conn, table), times, change)


def _shifted(**steps: int) -> Callable[[Row, int], Row]:
    """The change for the ``k``-th copy: each named column moved up ``k`` times its step."""
    return lambda r, k: r | {column: r[column] + k * step for column, step in steps.items()}


async def multiply_fair(url: str, times: int = 10) -> None:
    tables = Base.metadata.tables
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            booths, sessions = tables["booths"], tables["programme_sessions"]
            materials, versions = tables["materials"], tables["material_versions"]
            contacts, links = tables["contact_persons"], tables["session_speakers"]
            b, s = await _step(conn, booths), await _step(conn, sessions)
            m, v = await _step(conn, materials), await _step(conn, versions)
            c, sl = await _step(conn, contacts), await _step(conn, links)

            def booth(r: Row, k: int) -> Row:
                return r | {
                    "id": r["id"] + k * b,
                    "slug": f"{r['slug']}-{k}",
                    "name": f"{r['name']} {k}",
                }

            def session(r: Row, k: int) -> Row:
                return r | {
                    "id": r["id"] + k * s,
                    "slug": f"{r['slug']}-{k}",
                    "guid": str(uuid.uuid4()),
                    "title": f"{r['title']} ({k})",
                }

            await _copy_table(conn, booths, times, booth)
            await _copy_table(conn, tables["booth_topics"], times, _shifted(booth_id=b))
            material_rows = await _rows(conn, materials)
            await _copy(
                conn,
                materials,
                material_rows,
                times,
                lambda r, k: (
                    r
                    | {
                        "id": r["id"] + k * m,
                        "booth_id": r["booth_id"] + k * b,
                        "current_version_id": None,
                    }
                ),
            )
            await _copy_table(conn, versions, times, _shifted(id=v, material_id=m))
            pointers = [
                {"mid": r["id"] + k * m, "vid": r["current_version_id"] + k * v}
                for k in range(1, times)
                for r in material_rows
                if r["current_version_id"] is not None
            ]
            if pointers:
                await conn.execute(
                    update(materials)
                    .where(materials.c.id == bindparam("mid"))
                    .values(current_version_id=bindparam("vid")),
                    pointers,
                )
            await _copy_table(conn, contacts, times, _shifted(id=c, booth_id=b))
            await _copy_table(conn, sessions, times, session)
            await _copy_table(conn, links, times, _shifted(id=sl, session_id=s))
            await _copy_table(
                conn, tables["session_booths"], times, _shifted(session_id=s, booth_id=b)
            )
    finally:
        await engine.dispose()


async def count_of(url: str, table: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int(
                await conn.scalar(select(func.count()).select_from(Base.metadata.tables[table]))
                or 0
            )
    finally:
        await engine.dispose()
