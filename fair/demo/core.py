"""The core's part of the demo fair: the series, its topics and days, organisations, accounts.

Read from ``series.toml``, ``organisations.toml`` and ``accounts.toml`` next to this module.
Kinds and roles are the models' enums, so the files cannot name one the database lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from importlib.resources.abc import Traversable

from fair.demo import DataFile, made, package_folder, reader
from fair.models import OrganisationKind, Role


@dataclass(frozen=True)
class Series:
    title: str
    slug: str
    acronym: str
    description: str  # Markdown, German
    time_zone: str  # every naive time of the demo data is local time in this zone
    start_date: date
    end_date: date


@dataclass(frozen=True)
class Topic:
    slug: str
    name_de: str
    name_en: str


@dataclass(frozen=True)
class Organisation:
    slug: str
    name: str
    kind: OrganisationKind
    city: str
    website: str
    description: str


@dataclass(frozen=True)
class Day:
    index: int  # 0..4, position in the week
    date: date
    host: str  # Organisation.slug of the host region
    title: str
    start: time  # local time
    end: time  # local time
    description: str  # Markdown, German
    topics: tuple[str, ...]  # Topic.slug, focus topics of the day

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, self.end)


@dataclass(frozen=True)
class DemoUser:
    email: str
    display_name: str
    role: Role
    organisations: tuple[str, ...] = ()  # Organisation.slug (exhibitors: 1–2)
    speaker_name: str | None = None  # the name of a demo speaker this account speaks as
    # No password here: the seeding code sets one from its own argument.


@dataclass(frozen=True)
class CoreData:
    series: Series
    topics: tuple[Topic, ...]
    days: tuple[Day, ...]
    organisations: tuple[Organisation, ...]
    users: tuple[DemoUser, ...]


def load_core(folder: Traversable | None = None) -> CoreData:
    """Read and check the core's demo files (``folder`` defaults to this package's)."""
    folder = folder or package_folder(__package__ or "fair.demo")
    series_file = DataFile(folder, "series.toml")
    days = series_file.each("day", reader(Day, index=-1))  # index: from the position
    user = reader(DemoUser, keys={"display_name": "name", "speaker_name": "speaker"})
    return CoreData(
        series=made(series_file.table("series"), reader(Series)),
        topics=series_file.each("topic", reader(Topic)),
        days=tuple(replace(day, index=index) for index, day in enumerate(days)),
        organisations=DataFile(folder, "organisations.toml").each(
            "organisation", reader(Organisation)
        ),
        users=DataFile(folder, "accounts.toml").each("account", user),
    )
