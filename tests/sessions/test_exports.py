"""Schedule exchange on SQLite and PostgreSQL: schedule.xml against the frab/C3VOC XSD,
iCalendar parsed back, schedule.json, ETags, and schedule.xml import (round trip into an empty
database, re-import without duplicates, hostile and malformed files refused, nothing changed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from lxml import etree
from sqlalchemy import func, select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.errors import HTTPError
from sessions.importers import import_schedule, parse_schedule
from sessions.models import ProgrammeSession, SessionSpeaker, Speaker, Stage
from tests.support.app import csrf_of, login
from tests.support.paths import SCHEDULE_XSD

XSD = SCHEDULE_XSD
SHARED_XSD = Path("/work/shared/specs/schedule.xml.xsd")


def _schema() -> etree.XMLSchema:
    path = SHARED_XSD if SHARED_XSD.exists() else XSD
    return etree.XMLSchema(etree.parse(str(path)))


async def _count(app: Starlette) -> int:
    async with app_services(app).db.session() as db:
        return int(await db.scalar(select(func.count()).select_from(ProgrammeSession)) or 0)


async def _snapshot(app: Starlette) -> set[tuple[Any, ...]]:
    """What a round trip must preserve, by guid (ids differ between databases)."""
    async with app_services(app).db.session() as db:
        rows = await db.execute(
            select(
                ProgrammeSession.guid,
                ProgrammeSession.title,
                ProgrammeSession.kind,
                ProgrammeSession.starts_at,
                ProgrammeSession.duration_minutes,
                ProgrammeSession.language,
                ProgrammeSession.do_not_record,
                Stage.name,
            )
            .join(Stage, Stage.id == ProgrammeSession.stage_id)
            .where(ProgrammeSession.cancelled.is_(False))
        )
        people = await db.execute(
            select(ProgrammeSession.guid, Speaker.name)
            .join(SessionSpeaker, SessionSpeaker.session_id == ProgrammeSession.id)
            .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
        )
        names: dict[str, set[str]] = {}
        for guid, name in people:
            names.setdefault(guid, set()).add(name)
    return {(*row, frozenset(names.get(row[0], ()))) for row in rows}


async def test_schedule_xml_is_valid_against_the_xsd(client: httpx.AsyncClient) -> None:
    response = await client.get("/schedule.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    document = etree.fromstring(response.content)
    schema = _schema()
    assert schema.validate(document), schema.error_log
    events = document.findall("day/room/event")
    assert len(events) >= 30
    assert len(document.findall("day")) == 5
    assert document.findtext("conference/time_zone_name") == "Europe/Berlin"
    first = document.find("day/room/event")
    assert first is not None and first.findtext("date", "").endswith("+01:00")


async def test_schedule_json_has_the_same_model(client: httpx.AsyncClient) -> None:
    xml = etree.fromstring((await client.get("/schedule.xml")).content)
    data = (await client.get("/schedule.json")).json()
    conference = data["schedule"]["conference"]
    assert conference["daysCount"] == 5 and conference["time_zone_name"] == "Europe/Berlin"
    json_events = {
        e["guid"]: e
        for day in conference["days"]
        for events in day["rooms"].values()
        for e in events
    }
    xml_events = {e.get("guid"): e for e in xml.iterfind("day/room/event")}
    assert set(json_events) == set(xml_events)
    for guid, event in xml_events.items():
        assert json_events[guid]["title"] == event.findtext("title")
        assert json_events[guid]["duration"] == event.findtext("duration")
        assert json_events[guid]["date"] == event.findtext("date")


async def test_ics_whole_series_per_day_and_agenda(client: httpx.AsyncClient) -> None:
    response = await client.get("/schedule.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Berlin"]
    events = calendar.walk("VEVENT")
    assert len(events) >= 30
    for event in events:
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert str(event["DTSTART"].dt.tzinfo) == "Europe/Berlin"
        assert event["DTEND"].dt > event["DTSTART"].dt
        assert "@" in str(event["UID"])
    assert b"\r\n" in response.content and b"BEGIN:VTIMEZONE" in response.content
    sessions = (await client.get("/api/sessions")).json()["sessions"]
    day_id = (await client.get("/programme")).text.split("/schedule.ics?day=")[1].split('"')[0]
    one_day = Calendar.from_ical((await client.get(f"/schedule.ics?day={day_id}")).content)
    day_events = one_day.walk("VEVENT")
    assert 0 < len(day_events) < len(events)
    assert len({e["DTSTART"].dt.date() for e in day_events}) == 1
    picked = [sessions[0]["id"], sessions[3]["id"]]
    agenda = await client.get("/schedule.ics?sessions=" + ",".join(map(str, picked)))
    agenda_events = Calendar.from_ical(agenda.content).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in agenda_events} == {
        sessions[0]["title"],
        sessions[3]["title"],
    }
    assert (await client.get("/schedule.ics?sessions=1,x")).status_code == 400
    assert (await client.get("/schedule.ics?day=999999")).status_code == 404
    assert (await client.get("/schedule.pdf")).status_code == 404


async def test_exports_carry_an_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/schedule.xml")
    etag = first.headers["etag"]
    again = await client.get("/schedule.xml", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert (await client.get("/schedule.json")).headers["etag"] != etag


async def test_import_round_trip_into_empty_database_and_reimport(
    client: httpx.AsyncClient, demo_app: Starlette, empty_app: Starlette
) -> None:
    exported = (await client.get("/schedule.xml")).content
    async with app_services(empty_app).db.session() as db:
        result = await import_schedule(db, exported, default_time_zone="Europe/Berlin")
        await db.commit()
    assert len(result.created) == await _count(demo_app)
    assert result.changed == [] and result.unchanged == 0 and result.skipped == []
    original = await _snapshot(demo_app)
    assert await _snapshot(empty_app) == original
    # The imported fair exports the same schedule again.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=empty_app), base_url="http://testserver"
    ) as other:
        reexported = etree.fromstring((await other.get("/schedule.xml")).content)
    assert _schema().validate(reexported)
    # Importing again (over HTTP, as an organiser) updates; nothing is duplicated.
    before = await _count(demo_app)
    response = await _import_as_organiser(client, exported)
    assert response.status_code == 200, response.text
    assert f"0 neu, 0 geändert, {before} unverändert, 0 übersprungen" in response.text
    assert await _count(demo_app) == before
    assert await _snapshot(demo_app) == original


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<schedule><conference><title>&lol3;</title></conference></schedule>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<schedule><conference><title>&xxe;</title></conference></schedule>"""

UTF16_ENTITY = (
    EXTERNAL_ENTITY.decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16")
)


def _event_xml(guid: str, duration: str, title: str = "Neu") -> str:
    return f"""<event id="1" guid="{guid}"><room>Forum</room><title>{title}</title>
<subtitle/><type>talk</type><date>2026-11-30T12:00:00+01:00</date><start>12:00</start>
<duration>{duration}</duration><abstract/><slug>neu</slug><track/></event>"""


HALF_BAD = f"""<?xml version="1.0"?><schedule><version>1</version><conference>
<title>T</title><acronym>t</acronym></conference><day index="1" date="2026-11-30">
<room name="Forum">
{_event_xml("11111111-2222-3333-4444-555555555555", "00:30")}
{_event_xml("11111111-2222-3333-4444-666666666666", "soon")}
</room></day></schedule>""".encode()


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        (BILLION_LAUGHS, 400, "ENTITY"),
        (EXTERNAL_ENTITY, 400, "ENTITY"),
        (UTF16_ENTITY, 400, "ENTITY"),
        (b"<schedule><conference><title>x</title></conference>", 400, "Zeile 1, Spalte"),
        (b"<html><body/></html>", 400, "erwartet &lt;schedule&gt;"),
        (HALF_BAD, 400, "soon"),
        (b"<schedule>" + b" " * (6 * 1024 * 1024) + b"</schedule>", 413, "5242880 Bytes"),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "utf16-entity",
        "malformed",
        "not-schedule",
        "half-bad",
        "too-large",
    ],
)
async def test_hostile_or_broken_imports_change_nothing(
    client: httpx.AsyncClient, demo_app: Starlette, payload: bytes, status: int, needle: str
) -> None:
    before = await _snapshot(demo_app)
    response = await _import_as_organiser(client, payload)
    assert response.status_code == status, response.text[:500]
    assert needle in response.text
    assert "root:" not in response.text and "lollol" not in response.text
    assert await _snapshot(demo_app) == before


async def test_import_service_limits_and_line_numbers(demo_app: Starlette) -> None:
    async with app_services(demo_app).db.session() as db:
        with pytest.raises(HTTPError) as too_big:
            await import_schedule(db, b"<schedule/>" * 10, default_time_zone="UTC", max_bytes=50)
        assert too_big.value.status_code == 413
        with pytest.raises(HTTPError) as broken:
            await import_schedule(db, b"<schedule>\n<day>\n</schedule>", default_time_zone="UTC")
        assert "Zeile 3" in broken.value.message
        with pytest.raises(HTTPError) as half:
            await import_schedule(db, HALF_BAD, default_time_zone="UTC")
        assert "(Zeile 7)" in half.value.message
        await db.rollback()
    assert json.dumps(half.value.message)


PRETALX_LIKE = b"""<?xml version='1.0' encoding='utf-8'?>
<schedule>
  <generator name="pretalx" version="2025.1.0"/>
  <version>0.3</version>
  <conference>
    <acronym>kommcon</acronym><title>KommCon 2027</title>
    <start>2027-03-02</start><end>2027-03-02</end><days>1</days>
    <timeslot_duration>00:05</timeslot_duration>
    <base_url>https://pretalx.example.org/kommcon/</base_url>
    <time_zone_name>Europe/Berlin</time_zone_name>
  </conference>
  <day index="1" date="2027-03-02" start="2027-03-02T04:00:00+01:00"
       end="2027-03-03T03:59:00+01:00">
    <room name="Saal 1" guid="3b1e6a2c-6a8c-5d7e-9f00-000000000001">
      <event guid="0f1d0b0e-1111-5c55-8a8a-000000000001" id="101" code="ABCDEF">
        <room>Saal 1</room><title>Open Source im Rathaus</title><subtitle></subtitle>
        <type>Talk</type><date>2027-03-02T10:00:00+01:00</date><start>10:00</start>
        <duration>00:45</duration><abstract>Warum offen?</abstract>
        <slug>kommcon-101-open-source-im-rathaus</slug><track>Verwaltung</track>
        <logo></logo>
        <persons><person id="7" code="XYZ" guid="a">Maria Muster</person></persons>
        <language>de</language><description>Lang.</description>
        <recording><license></license><optout>true</optout></recording>
        <links></links><attachments></attachments>
        <url>https://pretalx.example.org/kommcon/talk/ABCDEF/</url>
      </event>
      <event guid="0f1d0b0e-1111-5c55-8a8a-000000000002" id="102" code="GHIJKL">
        <room>Saal 1</room><title>Panel: Daten teilen</title><subtitle/>
        <type>Podium</type><date>2027-03-02T11:00:00+01:00</date><start>11:00</start>
        <duration>01:00</duration><abstract/><slug>kommcon-102</slug><track/>
        <persons><person id="7">Maria Muster</person><person id="8">Jo Beispiel</person></persons>
        <language>en</language>
      </event>
    </room>
  </day>
</schedule>"""


async def test_pretalx_schedule_into_an_empty_fair(empty_app: Starlette) -> None:
    async with app_services(empty_app).db.session() as db:
        result = await import_schedule(db, PRETALX_LIKE, default_time_zone="UTC")
        await db.commit()
    assert (len(result.created), result.changed) == (2, [])
    assert result.stages_created == ["Saal 1"]
    assert result.speakers_created == ["Maria Muster", "Jo Beispiel"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=empty_app), base_url="http://testserver"
    ) as client:
        sessions = (await client.get("/api/sessions")).json()["sessions"]
        assert [(s["title"], s["kind"], s["stage"], s["duration_minutes"]) for s in sessions] == [
            ("Open Source im Rathaus", "talk", "Saal 1", 45),
            ("Panel: Daten teilen", "panel", "Saal 1", 60),
        ]
        assert sessions[0]["starts_at"] == "2027-03-02T10:00:00+01:00"
        assert sessions[0]["do_not_record"] and sessions[1]["language"] == "en"
        assert [p["name"] for p in sessions[1]["speakers"]] == ["Maria Muster", "Jo Beispiel"]
        programme = await client.get("/programme")
        assert programme.status_code == 200 and "KommCon 2027" in programme.text
        exported = etree.fromstring((await client.get("/schedule.xml")).content)
        assert _schema().validate(exported)


FIELD_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=3000))
def test_parser_refuses_random_bytes_cleanly(data: bytes) -> None:
    try:
        parse_schedule(data, default_time_zone="Europe/Berlin")
    except HTTPError as exc:
        assert exc.status_code in (400, 413)


@settings(max_examples=150, deadline=None)
@example(
    guid="00000000-0000-4000-8000-000000000000",
    date="0001-01-01T00:30:00+05:00",
    duration="00:30",
    title="T",
    zone="",
)
@given(guid=FIELD_TEXT, date=FIELD_TEXT, duration=FIELD_TEXT, title=FIELD_TEXT, zone=FIELD_TEXT)
def test_parser_checks_every_field(
    guid: str, date: str, duration: str, title: str, zone: str
) -> None:
    from xml.sax.saxutils import escape

    document = f"""<schedule><conference><title>T</title>
<time_zone_name>{escape(zone)}</time_zone_name></conference><day index="1"><room name="R">
<event id="1" guid="{escape(guid, {'"': "&quot;"})}"><title>{escape(title)}</title>
<date>{escape(date)}</date><duration>{escape(duration)}</duration></event>
</room></day></schedule>""".encode()
    try:
        parsed = parse_schedule(document, default_time_zone="Europe/Berlin")
    except HTTPError as exc:
        assert exc.status_code == 400 and exc.message.startswith("schedule.xml")
    else:
        for event in parsed.events:
            assert event.starts_at.tzinfo is not None and 1 <= event.duration_minutes <= 720
            assert 1970 <= event.starts_at.year <= 2999
            assert len(event.guid) == 36 and event.source_ref
        assert len(parsed.events) + len(parsed.skipped) == 1


async def _import_as_organiser(client: httpx.AsyncClient, schedule: bytes) -> httpx.Response:
    """The organiser uploads ``schedule`` through the import form."""
    await login(client, "orga@example.org")
    token = await csrf_of(client, "/organiser/programme/import")
    return await client.post(
        "/organiser/programme/import",
        data={"csrf_token": token},
        files={"schedule": ("schedule.xml", schedule, "application/xml")},
    )
