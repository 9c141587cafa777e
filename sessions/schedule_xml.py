"""Read a frab/pretalx ``schedule.xml`` into a :class:`ParsedSchedule`.

Hostile input is refused before anything is stored: the parser never resolves entities,
loads no DTD and touches no network; a document that declares entities (billion laughs,
external entities such as ``file:///etc/passwd``) is rejected outright, and libxml2's own
depth limit (``huge_tree`` off) stops deeply nested documents. Malformed XML is refused
naming line and column; every other problem names the line of its element.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from sessions.schedule_records import (
    ParsedSchedule,
    RawEvent,
    ScheduleError,
    add_event,
    build_record,
    keep_day_hours,
    zone_named,
)

FORMAT = "schedule.xml"


def _error(message: str, line: int | None = None) -> ScheduleError:
    return ScheduleError(FORMAT, message, f"Zeile {line}" if line else "")


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
        remove_comments=True,
    )


def _text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _root(data: bytes) -> etree._Element:
    # Cheap first wall (UTF-8 and UTF-16 spellings); the parsed DTD is checked below too.
    if re.search(rb"<!\x00?E\x00?N\x00?T\x00?I\x00?T\x00?Y", data, re.IGNORECASE):
        raise _error("DOCTYPE mit Entitäten (<!ENTITY) ist nicht erlaubt")
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise _error(
            f"kein wohlgeformtes XML in Zeile {line}, Spalte {column}: {exc.msg}"
        ) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise _error("DOCTYPE mit Entitäten (<!ENTITY) ist nicht erlaubt")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise _error(f"Entität &{node.name}; ist nicht erlaubt", node.sourceline)
    if root.tag != "schedule":
        raise _error(f"Wurzelelement ist <{root.tag}>, erwartet <schedule>", root.sourceline)
    return root


def parse_schedule_xml(data: bytes, *, default_time_zone: str) -> ParsedSchedule:
    """Parse and check a schedule.xml completely; raise 400/413 naming the problem."""
    root = _root(data)
    conference = root.find("conference")
    if conference is None:
        raise _error("<conference> fehlt", root.sourceline)
    title = _text(conference, "title")
    if not title:
        raise _error("<title> der <conference> fehlt", conference.sourceline)
    time_zone = _text(conference, "time_zone_name") or default_time_zone
    zone = zone_named(FORMAT, time_zone, f"Zeile {conference.sourceline}")
    parsed = ParsedSchedule(
        format=FORMAT, title=title, acronym=_text(conference, "acronym"), time_zone=time_zone
    )
    for day in root.iterfind("day"):
        listed_on = _day(parsed, day)
        for event in day.iterfind("room/event"):
            raw = _raw_event(event, listed_on)
            add_event(FORMAT, parsed, build_record(FORMAT, raw, acronym=parsed.acronym, zone=zone))
    return parsed


def _day(parsed: ParsedSchedule, day: etree._Element) -> date | None:
    """The day's date (``None`` if the file names none) and its hours, kept as given."""
    place = f"Zeile {day.sourceline}"
    if not day.get("date"):
        return None
    try:
        on = date.fromisoformat(day.get("date", ""))
    except ValueError:
        raise _error(f"ungültiges Datum {day.get('date')!r} am <day>", day.sourceline) from None
    start, end = day.get("start"), day.get("end")
    if start and end:
        zone = zone_named(FORMAT, parsed.time_zone, place)
        names = ("<day start>", "<day end>")
        keep_day_hours(FORMAT, parsed, on, (start, end), zone, place, names)
    return on


def _raw_event(event: etree._Element, listed_on: date | None) -> RawEvent:
    parent = event.getparent()
    room = _text(event, "room") or (parent.get("name", "") if parent is not None else "")
    return RawEvent(
        place=f"Zeile {event.sourceline}",
        guid=event.get("guid") or "",
        event_id=event.get("id") or "",
        title=_text(event, "title"),
        when=_text(event, "date"),
        start_time=_text(event, "start"),
        duration=_text(event, "duration"),
        end="",
        room=room,
        track=_text(event, "track"),
        type=_text(event, "type"),
        language=_text(event, "language"),
        abstract=_text(event, "abstract"),
        description=_text(event, "description"),
        slug=_text(event, "slug"),
        persons=tuple((p.text or "") for p in event.iterfind("persons/person")),
        do_not_record=_text(event, "recording/optout").lower() == "true",
        link_urls=tuple(link.get("href", "") for link in event.iterfind("links/link")),
        listed_on=listed_on,
    )
