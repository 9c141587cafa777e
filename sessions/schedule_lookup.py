"""Find-or-create for what imported events refer to by name: stages, topics, speakers,
conference days, the series and its host organisation.

Everything is loaded up front in a few queries and new rows are linked through
relationships, so a whole import flushes once; what was created is remembered for the
import report.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.models import EventDay, EventSeries, Organisation, OrganisationKind, Topic
from fair.slugs import slugify
from sessions.models import ProgrammeSession, Speaker, Stage
from sessions.schedule_records import ParsedSchedule


class ScheduleLookup:
    def __init__(
        self,
        db: AsyncSession,
        parsed: ParsedSchedule,
        day_spans: dict[date, tuple[datetime, datetime]],
    ) -> None:
        self.db = db
        self.parsed = parsed
        self.day_spans = day_spans
        self.stages: dict[str, Stage] = {}
        self.stage_slugs: set[str] = set()
        self.topics: dict[str, Topic] = {}
        self.topic_slugs: set[str] = set()
        self.speakers: dict[str, Speaker] = {}
        self.days: dict[date, EventDay] = {}
        self.session_slugs: set[str] = set()
        self.series: EventSeries | None = None
        self.host: Organisation | None = None
        self.created_stages: list[Stage] = []
        self.created_speakers: list[Speaker] = []
        self.created_days: list[EventDay] = []
        self.widened_days: list[EventDay] = []

    async def load(self) -> None:
        db = self.db
        for stage in (await db.scalars(select(Stage).order_by(Stage.position, Stage.id))).all():
            self.stages.setdefault(stage.name, stage)
            self.stage_slugs.add(stage.slug)
        for topic in (await db.scalars(select(Topic).order_by(Topic.id))).all():
            for key in (topic.name_de, topic.name_en, topic.slug):
                self.topics.setdefault(key, topic)
            self.topic_slugs.add(topic.slug)
        names = {name for record in self.parsed.events for name in record.persons}
        if names:
            found = await db.scalars(
                select(Speaker).where(Speaker.name.in_(names)).order_by(Speaker.id)
            )
            for speaker in found.all():
                self.speakers.setdefault(speaker.name, speaker)
        for day in (await db.scalars(select(EventDay))).all():
            self.days[day.date] = day
        self.session_slugs = set((await db.scalars(select(ProgrammeSession.slug))).all())
        self.series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))

    def stage(self, name: str) -> Stage:
        if name not in self.stages:
            slug = _free(slugify(name, 70), self.stage_slugs)
            stage = Stage(slug=slug, name=name, position=len(self.stages))
            self.db.add(stage)
            self.stages[name] = stage
            self.created_stages.append(stage)
        return self.stages[name]

    def topic(self, name: str) -> Topic | None:
        if not name:
            return None
        if name not in self.topics:
            slug = _free(slugify(name, 70), self.topic_slugs)
            topic = Topic(slug=slug, name_de=name, name_en=name)
            self.db.add(topic)
            self.topics[name] = topic
        return self.topics[name]

    def speaker(self, name: str) -> Speaker:
        if name not in self.speakers:
            speaker = Speaker(name=name)
            self.db.add(speaker)
            self.speakers[name] = speaker
            self.created_speakers.append(speaker)
        return self.speakers[name]

    def session_slug(self, wanted: str, title: str) -> str:
        return _free(wanted or slugify(title, 100), self.session_slugs)

    async def day(self, on: date) -> EventDay:
        """The conference day ``on``. A new one gets the hours the source gives it, which
        may run past midnight (``ends`` before ``starts`` means the next morning); an
        existing one is widened (never narrowed) to hold them."""
        first, last = self.day_spans[on]
        if on in self.days:
            day = self.days[on]
            if day not in self.created_days and day not in self.widened_days:
                start, end = day.span(ZoneInfo(self.parsed.time_zone))
                if first < start or last > end:
                    day.starts, day.ends = _hours(on, min(first, start), max(last, end))
                    self.widened_days.append(day)
            return day
        starts, ends = _hours(on, first, last)
        day = EventDay(
            series=self._series(),
            date=on,
            title=f"{self.parsed.title} – {on:%d.%m.%Y}"[:200],
            host=await self._host(),
            starts=starts,
            ends=ends,
        )
        self.db.add(day)
        self.days[on] = day
        self.created_days.append(day)
        return day

    def _series(self) -> EventSeries:
        if self.series is None:
            self.series = EventSeries(
                slug=slugify(self.parsed.acronym or self.parsed.title, 70),
                title=self.parsed.title[:200],
                acronym=self.parsed.acronym[:40],
                time_zone=self.parsed.time_zone,
            )
            self.db.add(self.series)
        return self.series

    async def _host(self) -> Organisation:
        """New days need a host; an imported schedule names none, so the organiser hosts."""
        if self.host is None:
            slug = slugify(f"{self.parsed.acronym or self.parsed.title}-veranstalter", 70)
            self.host = await self.db.scalar(select(Organisation).where(Organisation.slug == slug))
            if self.host is None:
                self.host = Organisation(
                    slug=slug, name=self.parsed.title[:200], kind=OrganisationKind.association
                )
                self.db.add(self.host)
        return self.host


def _hours(on: date, first: datetime, last: datetime) -> tuple[time, time]:
    """``EventDay`` hours for a span: a start before the day counts from midnight, and a
    span of a whole day or more ends where it starts (24 hours)."""
    starts = first.time() if first.date() == on else time(0, 0)
    ends = last.time() if (last - first).days < 1 else starts
    return starts.replace(second=0, microsecond=0), ends.replace(second=0, microsecond=0)


def _free(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3`` … whichever is not taken yet; marks it taken."""
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate
