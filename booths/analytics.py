"""Booth analytics: counts per booth and day, never who.

Unique visitors are counted without storing identity: the visitor's browser keeps a
cookie listing the booth ids already counted today (``fair_seen``); the server only
increments a number. Counting is an upsert that works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import Booth, BoothDailyStats
from fair.counters import BatchedCounts, add_counts
from fair.db import utcnow
from fair.formatting import to_local
from fair.settings import Settings
from fair.templating import N_

log = logging.getLogger(__name__)

SEEN_COOKIE = "fair_seen"
MAX_SEEN = 100
COUNTERS = ("visits", "unique_visitors", "downloads", "contact_requests")


def local_today(time_zone: str, now: datetime | None = None) -> date:
    """The event-local date of ``now`` (naive UTC, as ``Settings.now()`` gives it)."""
    return to_local(now or utcnow(), time_zone).date()


#: How many days the exhibitor's and the organisers' charts show.
CHART_DAYS = 14


def fair_today(settings: Settings) -> date:
    """Today on the fair's clock, so ``FAIR_TODAY`` moves charts, counts and exports
    together instead of some following the wall clock."""
    return local_today(settings.time_zone, settings.now())


def chart_period(settings: Settings) -> tuple[date, date]:
    """The days the dashboards chart: the last ``CHART_DAYS`` up to the fair's today."""
    last = fair_today(settings)
    return last - timedelta(days=CHART_DAYS - 1), last


def seconds_until_midnight(settings: Settings) -> int:
    """Until the fair's next local midnight, when the ``fair_seen`` cookie goes stale."""
    zone = ZoneInfo(settings.time_zone)
    now = to_local(settings.now(), settings.time_zone)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), zone)
    return max(int((midnight - now).total_seconds()), 60)


def parse_seen(value: str | None, today: date) -> set[int]:
    """Booth ids counted today according to the cookie ``YYYY-MM-DD.1.2.3``."""
    if not value:
        return set()
    day, _, rest = value.partition(".")
    if day != today.isoformat():
        return set()
    # isdecimal() on ASCII only: "²".isdigit() is true, but int() refuses it (a 500).
    return {int(p) for p in rest.split(".") if p.isascii() and p.isdecimal() and len(p) <= 10}


def format_seen(seen: set[int], today: date) -> str:
    ids = sorted(seen)[-MAX_SEEN:]
    return ".".join([today.isoformat(), *map(str, ids)])


async def count(db: AsyncSession, booth_id: int, day: date, **increments: int) -> None:
    """Add ``increments`` (e.g. ``visits=1``) to the booth's row for ``day``."""
    await add_counts(db, BoothDailyStats, COUNTERS, day, increments, booth_id=booth_id)


@dataclass(frozen=True)
class DayCounts:
    day: date
    visits: int = 0
    unique_visitors: int = 0
    downloads: int = 0
    contact_requests: int = 0

    def get(self, name: str) -> int:
        return int(getattr(self, name))


async def daily_counts(
    db: AsyncSession,
    *,
    booth_ids: Sequence[int] | None,
    first: date,
    last: date,
) -> list[DayCounts]:
    """One entry per day from ``first`` to ``last``, summed over ``booth_ids`` (None:
    the whole hall); days without a row count zero."""
    query = (
        select(
            BoothDailyStats.day,
            *(func.sum(getattr(BoothDailyStats, n)) for n in COUNTERS),
        )
        .where(BoothDailyStats.day >= first, BoothDailyStats.day <= last)
        .group_by(BoothDailyStats.day)
    )
    if booth_ids is not None:
        query = query.where(BoothDailyStats.booth_id.in_(list(booth_ids)))
    rows = {row[0]: row[1:] for row in (await db.execute(query)).all()}
    result = []
    day = first
    while day <= last:
        sums = rows.get(day, (0, 0, 0, 0))
        result.append(DayCounts(day, *(int(v or 0) for v in sums)))
        day += timedelta(days=1)
    return result


async def daily_counts_by_booth(
    db: AsyncSession, booth_ids: Sequence[int], *, first: date, last: date
) -> dict[int, list[DayCounts]]:
    """:func:`daily_counts` for each booth, in one query whatever the number of booths."""
    query = select(BoothDailyStats).where(
        BoothDailyStats.booth_id.in_(list(booth_ids)),
        BoothDailyStats.day >= first,
        BoothDailyStats.day <= last,
    )
    rows = {(r.booth_id, r.day): r for r in (await db.scalars(query)).all()}
    result: dict[int, list[DayCounts]] = {}
    for booth_id in booth_ids:
        days = []
        day = first
        while day <= last:
            row = rows.get((booth_id, day))
            counts = [getattr(row, n) if row is not None else 0 for n in COUNTERS]
            days.append(DayCounts(day, *counts))
            day += timedelta(days=1)
        result[booth_id] = days
    return result


@dataclass(frozen=True)
class BoothTotals:
    booth: Booth
    visits: int
    unique_visitors: int
    downloads: int
    contact_requests: int


async def totals_per_booth(db: AsyncSession, *, first: date, last: date) -> list[BoothTotals]:
    """Every booth with its sums over the period, busiest first (organiser view)."""
    sums = (
        select(
            BoothDailyStats.booth_id.label("booth_id"),
            *(func.sum(getattr(BoothDailyStats, n)).label(n) for n in COUNTERS),
        )
        .where(BoothDailyStats.day >= first, BoothDailyStats.day <= last)
        .group_by(BoothDailyStats.booth_id)
        .subquery()
    )
    query = select(Booth, *(func.coalesce(getattr(sums.c, n), 0) for n in COUNTERS)).outerjoin(
        sums, sums.c.booth_id == Booth.id
    )
    rows = (await db.execute(query)).all()
    totals = [BoothTotals(row[0], *(int(v) for v in row[1:])) for row in rows]
    totals.sort(key=lambda t: (-t.visits, t.booth.name))
    return totals


# --------------------------------------------------------------------------- chart

SERIES = (
    ("visits", N_("Besuche")),
    ("unique_visitors", N_("Eindeutige Besucher")),
    ("downloads", N_("Downloads")),
    ("contact_requests", N_("Kontaktanfragen")),
)
"""(counter, German label); templates translate the label."""


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Chart:
    """Geometry of a grouped bar chart, drawn as inline SVG by the template."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    maximum: int
    bars: list[Bar]
    labels: list[tuple[float, date]]
    gridlines: list[tuple[float, int]]
    days: list[DayCounts]


def bar_chart(days: list[DayCounts], *, width: int = 720, height: int = 240) -> Chart:
    left, right, top, bottom = 40, 10, 10, 30
    plot_height = height - top - bottom
    maximum = max([d.get(name) for d in days for name, _ in SERIES] + [1])
    step = _nice_step(maximum)
    maximum = ((maximum + step - 1) // step) * step
    group = (width - left - right) / max(len(days), 1)
    bar_width = max((group - 6) / len(SERIES), 1)
    bars: list[Bar] = []
    labels: list[tuple[float, date]] = []
    for index, day in enumerate(days):
        x0 = left + index * group + 3
        labels.append((x0 + (group - 6) / 2, day.day))
        for position, (name, _) in enumerate(SERIES):
            value = day.get(name)
            bar_height = plot_height * value / maximum
            bars.append(
                Bar(
                    series=name,
                    x=round(x0 + position * bar_width, 1),
                    y=round(top + plot_height - bar_height, 1),
                    width=round(bar_width, 1),
                    height=round(bar_height, 1),
                    value=value,
                )
            )
    gridlines = [
        (round(top + plot_height - plot_height * v / maximum, 1), v)
        for v in range(0, maximum + 1, step)
    ]
    return Chart(width, height, top, top + plot_height, maximum, bars, labels, gridlines, days)


def _nice_step(maximum: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if maximum / step <= 5:
            return step
    return max(maximum // 5, 1)


class VisitCounts(BatchedCounts[tuple[int, date]]):
    """Booth page views and unique visitors per booth and day, written every second with
    the same upsert as :func:`count` (see :class:`fair.counters.BatchedCounts`)."""

    def __init__(self, database: Any, interval: float = 1.0) -> None:
        super().__init__(
            database, _write_visits, name="booth visit counts", width=2, interval=interval
        )

    def add_visit(self, booth_id: int, day: date, *, unique: bool) -> None:
        self.add((booth_id, day), 1, int(unique))


async def _write_visits(db: AsyncSession, pending: dict[tuple[int, date], list[int]]) -> None:
    for (booth_id, day), (visits, unique) in sorted(pending.items()):
        await count(db, booth_id, day, visits=visits, unique_visitors=unique)
