"""Schedule exports: iCalendar, frab/C3VOC ``schedule.xml`` and ``schedule.json``.

Each exporter declares ``identifier``, ``extension`` and ``content_type`` and turns a
:class:`Schedule` into bytes in ``get_data()``; :func:`sessions.views.schedule_export`
picks one by extension, sets an ETag and serves it (the pretalx ``ExporterView`` shape).
Output is deterministic for unchanged data (stamps come from ``updated_at``), so the ETag
only changes when the programme does.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from lxml import etree

from booths.models import Booth
from fair.formatting import to_local
from fair.models import EventDay, EventSeries
from sessions.models import ProgrammeSession, Stage
from sessions.schedule_records import SOURCE_NAMESPACE

GENERATOR = "fair"
GENERATOR_VERSION = "0.1.0"


@dataclass(frozen=True)
class Schedule:
    """Everything an export shows; sessions come with stage, topic, speakers and booths."""

    series: EventSeries | None
    days: list[EventDay]
    stages: list[Stage]
    sessions: list[ProgrammeSession]
    time_zone: str
    base_url: str  # without trailing slash
    title_suffix: str = ""

    @property
    def version(self) -> str:
        stamps = [s.updated_at for s in self.sessions if s.updated_at is not None]
        return max(stamps).strftime("%Y-%m-%d %H:%M:%S") if stamps else "0"

    def local(self, value: datetime) -> datetime:
        return to_local(value, self.time_zone)

    def session_slug(self, session: ProgrammeSession) -> str:
        """``<acronym>-<id>-<slug>``, the C3VOC form recording pipelines and pretalx use."""
        return f"{self.acronym}-{session.id:03d}-{session.slug}"

    def session_url(self, session: ProgrammeSession) -> str:
        return f"{self.base_url}/sessions/{session.id}"

    def booth_url(self, booth: Booth) -> str:
        return f"{self.base_url}/booths/{booth.slug}"

    def day_bounds(self, day: EventDay) -> tuple[datetime, datetime]:
        """The day's hours; a frab-style day may end the next morning."""
        return day.span(ZoneInfo(self.time_zone))

    @property
    def acronym(self) -> str:
        """The series' acronym in the C3VOC form (lowercase letters, digits, ``_``, 4+)."""
        raw = (self.series.acronym or self.series.slug) if self.series else "fair"
        return re.sub(r"[^a-z0-9_]", "_", raw.lower()).ljust(4, "_")

    def sessions_on(self, day: EventDay, stage: Stage | None = None) -> list[ProgrammeSession]:
        return [
            s
            for s in self.sessions
            if s.day_id == day.id and (stage is None or s.stage_id == stage.id)
        ]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _persons(session: ProgrammeSession) -> list[tuple[int, str]]:
    return [(link.speaker.id, link.speaker.name) for link in session.speaker_links]


def _room_guid(stage: Stage) -> str:
    """A stable UUID per stage, as the C3VOC schema asks rooms to carry one."""
    return str(uuid.uuid5(SOURCE_NAMESPACE, f"room:{stage.slug}"))


class Exporter:
    identifier: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]
    #: Only the calendar makes sense for a subset (one day, a personal agenda).
    filterable: ClassVar[bool] = False

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def get_data(self) -> bytes:
        raise NotImplementedError


class ICalExporter(Exporter):
    """RFC 5545 with a VTIMEZONE for the event zone; cancelled sessions as CANCELLED."""

    identifier = "schedule.ics"
    extension = "ics"
    content_type = "text/calendar; charset=utf-8"
    filterable = True

    def get_data(self) -> bytes:
        s = self.schedule
        cal = Calendar()
        cal.add("prodid", f"-//{GENERATOR}//{GENERATOR_VERSION}//DE")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        name = s.series.title if s.series else "fair"
        cal.add("x-wr-calname", f"{name}{s.title_suffix}")
        cal.add("x-wr-timezone", s.time_zone)
        host = s.base_url.split("://", 1)[-1].split("/", 1)[0] or "fair"
        for session in s.sessions:
            event = Event()
            event.add("uid", f"{session.guid}@{host}")
            event.add("dtstamp", session.updated_at.replace(tzinfo=ZoneInfo("UTC")))
            event.add("dtstart", s.local(session.starts_at))
            event.add("dtend", s.local(session.ends_at))
            event.add("summary", session.title)
            people = ", ".join(name for _id, name in _persons(session))
            description = session.abstract
            if people:
                description = f"{people}\n\n{description}"
            event.add("description", description)
            event.add("location", session.stage.name)
            event.add("url", s.session_url(session))
            event.add("categories", [session.kind.value])
            event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
            cal.add_component(event)
        cal.add_missing_timezones()
        return bytes(cal.to_ical())


class FrabXmlExporter(Exporter):
    """The frab/C3VOC schedule.xml that pretalx and recording pipelines read."""

    identifier = "schedule.xml"
    extension = "xml"
    content_type = "application/xml; charset=utf-8"

    def get_data(self) -> bytes:
        s = self.schedule
        root = etree.Element("schedule")
        etree.SubElement(root, "generator", name=GENERATOR, version=GENERATOR_VERSION)
        etree.SubElement(root, "version").text = s.version
        conference = etree.SubElement(root, "conference")
        sub = etree.SubElement
        sub(conference, "title").text = s.series.title if s.series else "fair"
        sub(conference, "acronym").text = s.acronym
        if s.days:
            sub(conference, "start").text = s.days[0].date.isoformat()
            sub(conference, "end").text = s.days[-1].date.isoformat()
            sub(conference, "days").text = str(len(s.days))
        sub(conference, "timeslot_duration").text = "00:05"
        sub(conference, "base_url").text = s.base_url + "/"
        sub(conference, "time_zone_name").text = s.time_zone
        for index, day in enumerate(s.days, start=1):
            starts, ends = s.day_bounds(day)
            day_el = sub(
                root,
                "day",
                index=str(index),
                date=day.date.isoformat(),
                start=starts.isoformat(),
                end=ends.isoformat(),
            )
            for stage in s.stages:
                room = sub(day_el, "room", name=stage.name)
                for session in s.sessions_on(day, stage):
                    self._event(room, session, stage)
        return bytes(
            etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        )

    def _event(self, room: Any, session: ProgrammeSession, stage: Stage) -> None:
        s = self.schedule
        sub = etree.SubElement
        event = sub(room, "event", id=str(session.id), guid=session.guid)
        start = s.local(session.starts_at)
        values = {
            "room": stage.name,
            "title": session.title,
            "subtitle": "",
            "type": session.kind.value,
            "date": start.isoformat(),
            "start": start.strftime("%H:%M"),
            "duration": _hhmm(session.duration_minutes),
            "abstract": session.abstract,
            "slug": s.session_slug(session),
            "track": session.topic.name_de if session.topic else "",
            "language": session.language,
            "description": "",
        }
        for tag, text in values.items():
            sub(event, tag).text = text
        persons = sub(event, "persons")
        for person_id, name in _persons(session):
            sub(persons, "person", id=str(person_id)).text = name
        recording = sub(event, "recording")
        sub(recording, "license").text = ""
        sub(recording, "optout").text = "true" if session.do_not_record else "false"
        links = sub(event, "links")
        for booth in session.booths:
            sub(links, "link", href=s.booth_url(booth)).text = booth.name
        sub(event, "url").text = s.session_url(session)


class ScheduleJsonExporter(Exporter):
    """The same model as schedule.xml, in the C3VOC schedule.json layout."""

    identifier = "schedule.json"
    extension = "json"
    content_type = "application/json"

    def get_data(self) -> bytes:
        s = self.schedule
        days = []
        for index, day in enumerate(s.days, start=1):
            starts, ends = s.day_bounds(day)
            days.append(
                {
                    "index": index,
                    "date": day.date.isoformat(),
                    "day_start": starts.isoformat(),
                    "day_end": ends.isoformat(),
                    "rooms": {
                        stage.name: [self._event(x, stage) for x in s.sessions_on(day, stage)]
                        for stage in s.stages
                    },
                }
            )
        first: date | None = s.days[0].date if s.days else None
        last: date | None = s.days[-1].date if s.days else None
        conference = {
            "acronym": s.acronym,
            "title": s.series.title if s.series else "fair",
            "start": first.isoformat() if first else None,
            "end": last.isoformat() if last else None,
            "daysCount": len(s.days),
            "timeslot_duration": "00:05",
            "time_zone_name": s.time_zone,
            "rooms": [
                {"name": stage.name, "slug": stage.slug, "guid": _room_guid(stage)}
                for stage in s.stages
            ],
            "days": days,
        }
        document = {
            "generator": {"name": GENERATOR, "version": GENERATOR_VERSION},
            "schedule": {
                "version": s.version,
                "base_url": s.base_url + "/",
                "conference": conference,
            },
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode()

    def _event(self, session: ProgrammeSession, stage: Stage) -> dict[str, Any]:
        s = self.schedule
        start = s.local(session.starts_at)
        return {
            "id": session.id,
            "guid": session.guid,
            "date": start.isoformat(),
            "start": start.strftime("%H:%M"),
            "duration": _hhmm(session.duration_minutes),
            "room": stage.name,
            "slug": s.session_slug(session),
            "url": s.session_url(session),
            "title": session.title,
            "subtitle": "",
            "track": session.topic.name_de if session.topic else None,
            "type": session.kind.value,
            "language": session.language,
            "abstract": session.abstract,
            "description": "",
            "do_not_record": session.do_not_record,
            "persons": [{"id": i, "public_name": n} for i, n in _persons(session)],
            "links": [{"url": s.booth_url(b), "title": b.name} for b in session.booths],
            "attachments": [],
        }


EXPORTERS: dict[str, type[Exporter]] = {
    cls.extension: cls for cls in (ICalExporter, FrabXmlExporter, ScheduleJsonExporter)
}


def exporter_for(extension: str) -> type[Exporter] | None:
    return EXPORTERS.get(extension)
