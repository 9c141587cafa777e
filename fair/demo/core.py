"""The core's part of the demo fair: the series, its topics and days, organisations, accounts.

Read from ``series.toml``, ``organisations.toml`` and ``accounts.toml`` next to this module.
Kinds and roles are the models' enums, so the files cannot name one the database lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from importlib.resources.abc import Traversable

from fair.demo import DataFile, Entry, made, package_folder
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
    days = series_file.each("day", _day)
    return CoreData(
        series=made(series_file.table("series"), _series),
        topics=series_file.each("topic", _topic),
        days=tuple(replace(day, index=index) for index, day in enumerate(days)),
        organisations=DataFile(folder, "organisations.toml").each("organisation", _organisation),
        users=DataFile(folder, "accounts.toml").each("account", _user),
    )


def _series(entry: Entry) -> Series:
    return Series(
        title=entry.text("title"),
        slug=entry.text("slug"),
        acronym=entry.text("acronym"),
        description=entry.text("description"),
        time_zone=entry.text("time_zone"),
        start_date=entry.day("start_date"),
        end_date=entry.day("end_date"),
    )


def _topic(entry: Entry) -> Topic:
    return Topic(entry.text("slug"), entry.text("name_de"), entry.text("name_en"))


def _day(entry: Entry) -> Day:
    return Day(
        index=-1,  # set from the position by load_core
        date=entry.day("date"),
        host=entry.text("host"),
        title=entry.text("title"),
        start=entry.clock("start"),
        end=entry.clock("end"),
        description=entry.text("description"),
        topics=entry.texts("topics"),
    )


def _organisation(entry: Entry) -> Organisation:
    return Organisation(
        slug=entry.text("slug"),
        name=entry.text("name"),
        kind=entry.choice("kind", OrganisationKind),
        city=entry.text("city"),
        website=entry.text("website"),
        description=entry.text("description"),
    )


def _user(entry: Entry) -> DemoUser:
    return DemoUser(
        email=entry.text("email"),
        display_name=entry.text("name"),
        role=entry.choice("role", Role),
        organisations=entry.texts("organisations"),
        speaker_name=entry.optional_text("speaker"),
    )
