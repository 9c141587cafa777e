"""Read a frab/pretalx ``schedule.json`` (C3VOC layout) into a :class:`ParsedSchedule`.

Two layouts are in the wild: the classic one (``conference.days[].rooms{name: [events]}``,
frab and pretalx) and the hub's "schedule2" one (a flat ``schedule.events`` list, each
event with ``start``/``end`` and a room object, days only as time ranges). In the second
an event belongs to the day whose range holds its start, so 00:15 stays on the evening's
conference day. A file of the wrong shape is refused naming the JSON path, for example
``conference.days[1].rooms["Saal 1"][3]``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sessions.schedule_records import (
    ParsedSchedule,
    RawEvent,
    ScheduleError,
    add_event,
    build_record,
    keep_day_hours,
    parse_datetime,
    zone_named,
)

FORMAT = "schedule.json"
_TYPE_NAMES = {dict: "ein Objekt", list: "eine Liste", str: "Text", bool: "true/false"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), "eine Zahl")


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScheduleError(FORMAT, f"erwartet ein Objekt, gefunden {_kind(value)}", path)
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScheduleError(FORMAT, f"erwartet eine Liste, gefunden {_kind(value)}", path)
    return value


def _str(obj: dict[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ScheduleError(FORMAT, f"{key} muss Text sein, ist {_kind(value)}", path)


def _name(value: Any, path: str) -> str:
    """A person, a room or a track: a string, or an object with a name."""
    if isinstance(value, str):
        return value
    item = _obj(value, path)
    return _str(item, "public_name", path) or _str(item, "name", path) or _str(item, "slug", path)


def _load(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ScheduleError(
            FORMAT, f"kein gültiges JSON in Zeile {exc.lineno}, Spalte {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ScheduleError(FORMAT, "zu tief verschachtelt") from None
    except ValueError as exc:  # not UTF-8, a number too long to read
        raise ScheduleError(FORMAT, f"nicht lesbar: {exc}") from None
    return _obj(document, "Dokument")


def parse_schedule_json(data: bytes, *, default_time_zone: str) -> ParsedSchedule:
    """Parse and check a schedule.json completely; raise 400/413 naming the JSON path."""
    document = _load(data)
    schedule = _obj(document.get("schedule"), "schedule")
    conference = _obj(schedule.get("conference"), "schedule.conference")
    path = "schedule.conference"
    title = _str(conference, "title", path).strip()
    if not title:
        raise ScheduleError(FORMAT, "title fehlt", path)
    time_zone = _str(conference, "time_zone_name", path).strip() or default_time_zone
    zone = zone_named(FORMAT, time_zone, f"{path}.time_zone_name")
    parsed = ParsedSchedule(
        format=FORMAT,
        title=title,
        acronym=_str(conference, "acronym", path).strip(),
        time_zone=time_zone,
    )
    days = _list(conference.get("days", []), f"{path}.days")
    flat_events = schedule.get("events")
    listed: list[tuple[str, Any, date | None]] = []  # (place, event, listed on)
    for index, value in enumerate(days):
        day_path = f"{path}.days[{index}]"
        day = _obj(value, day_path)
        on: date | None = _day(parsed, day, day_path, zone)
        if flat_events is None:
            rooms = _obj(day.get("rooms", {}), f"{day_path}.rooms")
            for room, events in rooms.items():
                room_path = f"{day_path}.rooms[{json.dumps(room, ensure_ascii=False)}]"
                for n, event in enumerate(_list(events, room_path)):
                    listed.append((f"{room_path}[{n}]", _with_room(event, room), on))
    if flat_events is not None:
        for n, event in enumerate(_list(flat_events, "schedule.events")):
            listed.append((f"schedule.events[{n}]", event, None))
    for place, event, on in listed:
        raw = _raw_event(_obj(event, place), place, on, parsed, zone)
        add_event(FORMAT, parsed, build_record(FORMAT, raw, acronym=parsed.acronym, zone=zone))
    return parsed


def _with_room(event: Any, room: str) -> Any:
    if isinstance(event, dict) and not event.get("room"):
        return {**event, "room": room}
    return event


def _day(parsed: ParsedSchedule, day: dict[str, Any], path: str, zone: ZoneInfo) -> date:
    raw_date = _str(day, "date", path)
    try:
        on = date.fromisoformat(raw_date)
    except ValueError:
        raise ScheduleError(FORMAT, f"date {raw_date!r} ist kein Datum", path) from None
    start = _str(day, "day_start", path) or _str(day, "start", path)
    end = _str(day, "day_end", path) or _str(day, "end", path)
    if start and end:
        keep_day_hours(FORMAT, parsed, on, (start, end), zone, path, ("day_start", "day_end"))
    return on


def _day_holding(parsed: ParsedSchedule, start: datetime) -> date | None:
    for on, (first, last) in parsed.day_bounds.items():
        if first <= start < last:
            return on
    return None


def _raw_event(
    event: dict[str, Any], place: str, on: date | None, parsed: ParsedSchedule, zone: ZoneInfo
) -> RawEvent:
    title = _str(event, "title", place)
    guid = _str(event, "guid", place)
    where = f"{place}, {guid or title[:40]!r}"
    start = _str(event, "date", place)
    if on is None:  # schedule2: "start" is the moment; the day is the range holding it
        start = start or _str(event, "start", place)
        if start:
            on = _day_holding(parsed, parse_datetime(FORMAT, start, zone, where, "start"))
    people = event.get("persons")
    if people is None:
        people = event.get("participants", [])
    persons = tuple(
        _name(p, f"{place}.persons[{i}]") for i, p in enumerate(_list(people, f"{place}.persons"))
    )
    links = _list(event.get("links") or [], f"{place}.links")
    urls = tuple(_str(_obj(link, f"{place}.links"), "url", place) for link in links)
    optout = event.get("do_not_record")
    return RawEvent(
        place=where,
        guid=guid,
        event_id=_str(event, "id", place),
        title=title,
        when=start,
        start_time="" if start else _str(event, "start", place),
        duration=_str(event, "duration", place),
        end=_str(event, "end", place),
        room=_name(event.get("room") or "", f"{place}.room"),
        track=_name(event.get("track") or "", f"{place}.track"),
        type=_str(event, "type", place),
        language=_str(event, "language", place),
        abstract=_str(event, "abstract", place),
        description=_str(event, "description", place),
        slug=_str(event, "slug", place),
        persons=persons,
        do_not_record=optout is True or str(optout).lower() == "true",
        link_urls=urls,
        listed_on=on,
    )
