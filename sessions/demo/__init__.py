"""The demo programme: stages, speakers, sessions and the FAQ, read from this folder.

``sessions.toml`` names speakers by the short keys of ``speakers.toml``; the loader
resolves them, so a session carries its people (moderator last, marked as such) and a
missing key is reported with the session that names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from importlib.resources.abc import Traversable

from fair.demo import DataFile, Entry, made, package_folder, reader
from sessions.models import SessionKind


@dataclass(frozen=True)
class Stage:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str  # role / job title
    org: str  # Organisation.slug
    bio: str
    moderator: bool = False


@dataclass(frozen=True)
class Session:
    slug: str
    title: str
    kind: SessionKind
    day: int  # index of the fair day
    stage: str  # Stage.slug
    start: datetime  # naive, local time of the series
    duration_min: int
    abstract: str
    topic: str  # Topic.slug
    language: str  # "de" or "en"
    speakers: tuple[Speaker, ...]  # includes the moderator (Speaker.moderator=True) if any
    booths: tuple[str, ...] = ()  # Booth.slug, 0–2
    do_not_record: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_min)


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str  # Markdown, German


@dataclass(frozen=True)
class Programme:
    stages: tuple[Stage, ...]
    sessions: tuple[Session, ...]
    faq: tuple[FaqEntry, ...]


def load_programme(day_dates: Sequence[date], folder: Traversable | None = None) -> Programme:
    """Read and check the programme files; ``day_dates`` are the fair days in order."""
    folder = folder or package_folder(__package__ or "sessions.demo")
    people = {
        key: made(entry, reader(Speaker, moderator=False))
        for key, entry in DataFile(folder, "speakers.toml").keyed("person").items()
    }
    return Programme(
        stages=DataFile(folder, "stages.toml").each("stage", reader(Stage)),
        sessions=DataFile(folder, "sessions.toml").each(
            "session", lambda entry: _session(entry, people, list(day_dates))
        ),
        faq=DataFile(folder, "faq.toml").each("entry", reader(FaqEntry)),
    )


def _session(entry: Entry, people: dict[str, Speaker], day_dates: list[date]) -> Session:
    start = entry.moment("start")
    if start.date() not in day_dates:
        raise entry.fail(f"start {start} is not on one of the fair days")
    keys = entry.texts("speakers", required=True)
    moderator = entry.optional_text("moderator")
    for key in (*keys, *([moderator] if moderator else [])):
        if key not in people:
            raise entry.fail(f"speaker {key!r} is not in speakers.toml")
    speakers = [people[key] for key in keys]
    if moderator:
        speakers.append(replace(people[moderator], moderator=True))
    return Session(
        slug=entry.text("slug"),
        title=entry.text("title"),
        kind=entry.choice("kind", SessionKind),
        day=day_dates.index(start.date()),
        stage=entry.text("stage"),
        start=start,
        duration_min=entry.integer("minutes"),
        abstract=entry.text("abstract"),
        topic=entry.text("topic"),
        language=entry.text("language"),
        speakers=tuple(speakers),
        booths=entry.texts("booths"),
        do_not_record=entry.flag("do_not_record"),
    )
