"""Schedule import rules on SQLite and PostgreSQL: identity from any guid (or acronym and
id), an honest report (created / changed only when a field changed / unchanged / skipped
with reasons, speakers and stages created) in German and English, and bad input refused
naming the place, with nothing imported half-way.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.errors import HTTPError
from sessions.importers import import_schedule, parse_schedule
from sessions.models import ProgrammeSession
from sessions.schedule_records import MAX_SCHEDULE_EVENTS, SOURCE_NAMESPACE
from tests.support.app import csrf_of, login, make_client
from tests.support.schedules import json_schema, programme, run_import, xml_schema

TZ = "Europe/Berlin"


def frab_event(
    guid: str | None,
    title: str,
    when: str = "2027-03-02T10:00:00+01:00",
    duration: str | None = "00:30",
    event_id: int = 1,
    room: str | None = "Forum",
) -> str:
    guid_attr = f' guid="{guid}"' if guid is not None else ""
    parts = [f'<event id="{event_id}"{guid_attr}>']
    if room is not None:
        parts.append(f"<room>{room}</room>")
    parts.append(f"<title>{title}</title><type>lecture</type><date>{when}</date>")
    if duration is not None:
        parts.append(f"<duration>{duration}</duration>")
    parts.append("<persons><person id='1'>Ada</person></persons></event>")
    return "".join(parts)


def frab_file(*events: str, day: str = "2027-03-02", room_name: str = "Forum") -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<schedule><version>1</version><conference>"
        "<acronym>kc27</acronym><title>KommCon</title>"
        "<time_zone_name>Europe/Berlin</time_zone_name></conference>\n"
        f'<day index="1" date="{day}" start="{day}T09:00:00+01:00" end="{day}T18:00:00+01:00">'
        f'<room name="{room_name}">\n' + "\n".join(events) + "\n</room></day></schedule>"
    ).encode()


async def post_import(
    client: httpx.AsyncClient, data: bytes, *, name: str = "schedule.xml", lang: str = "de"
) -> httpx.Response:
    """Upload a schedule as a logged-in organiser does, in ``lang``."""
    token = await csrf_of(client, f"/organiser/programme/import?lang={lang}")
    return await client.post(
        "/organiser/programme/import",
        data={"csrf_token": token},
        files={"schedule": (name, data, "application/octet-stream")},
    )


async def count_sessions(app: Starlette) -> int:
    async with app_services(app).db.session() as db:
        return int(await db.scalar(select(func.count()).select_from(ProgrammeSession)) or 0)


async def test_any_guid_is_an_identity_and_exports_as_a_stable_uuid(empty_app: Starlette) -> None:
    data = frab_file(
        frab_event("aGVsbG8rd29ybGQ=", "Base64", event_id=1),
        frab_event("AGVSBG8RD29YBGQ=", "Andere Schreibung", event_id=2),
        frab_event(None, "Ohne guid", event_id=3),
        frab_event("0F1D0B0E-1111-5C55-8A8A-000000000001", "UUID", event_id=4),
    )
    report = await run_import(empty_app, data)
    assert len(report.created) == 4
    async with app_services(empty_app).db.session() as db:
        rows = dict((await db.execute(select(ProgrammeSession.title, ProgrammeSession.guid))).all())
        refs = dict(
            (await db.execute(select(ProgrammeSession.title, ProgrammeSession.source_ref))).all()
        )
    assert rows["Base64"] == str(uuid.uuid5(SOURCE_NAMESPACE, "aGVsbG8rd29ybGQ="))
    assert rows["Andere Schreibung"] != rows["Base64"]  # base64 is case-sensitive
    assert rows["Ohne guid"] == str(uuid.uuid5(SOURCE_NAMESPACE, "kc27#3"))
    assert rows["UUID"] == "0f1d0b0e-1111-5c55-8a8a-000000000001"
    assert refs == {
        "Base64": "aGVsbG8rd29ybGQ=",
        "Andere Schreibung": "AGVSBG8RD29YBGQ=",
        "Ohne guid": "kc27#3",
        "UUID": None,
    }
    again = await run_import(empty_app, data)
    assert (again.created, again.changed, again.unchanged) == ([], [], 4)
    async with make_client(empty_app) as client:
        xml = (await client.get("/schedule.xml")).content
        document = (await client.get("/schedule.json")).json()
    assert xml_schema().validate(etree.fromstring(xml))
    assert list(json_schema().iter_errors(document)) == []
    exported = {e.get("guid") for e in etree.fromstring(xml).iterfind("day/room/event")}
    assert exported == set(rows.values())
    for export in (xml, json.dumps(document).encode()):
        own = await run_import(empty_app, export)
        assert (own.created, own.changed, own.unchanged) == ([], [], 4)
    assert await count_sessions(empty_app) == 4


async def test_report_names_only_real_changes_in_german_and_english(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    """The issue's case: re-importing the programme with one new title says so."""
    exported = etree.fromstring((await client.get("/schedule.xml")).content)
    total = len(exported.findall("day/room/event"))
    first = exported.find("day/room/event")
    assert first is not None
    first_title = first.find("title")
    assert first_title is not None
    first_title.text = "Ein neuer Titel"
    changed = etree.tostring(exported, xml_declaration=True, encoding="UTF-8")
    await login(client, "orga@example.org")
    response = await post_import(client, changed)
    assert response.status_code == 200, response.text[:500]
    assert f"0 neu, 1 geändert, {total - 1} unverändert, 0 übersprungen" in response.text
    item = response.text.split("<h3>Geändert</h3>")[1].split("</ul>")[0]
    assert "Ein neuer Titel</a>: Titel</li>" in item
    first_title.text = "Noch ein Titel"
    first_duration = first.find("duration")
    assert first_duration is not None
    first_duration.text = "00:25"
    response = await post_import(client, etree.tostring(exported, encoding="UTF-8"), lang="en")
    assert f"0 new, 1 changed, {total - 1} unchanged, 0 skipped" in response.text
    assert "Noch ein Titel</a>: Title, Duration</li>" in response.text


async def test_report_lists_skipped_events_and_what_was_created(empty_app: Starlette) -> None:
    data = frab_file(
        frab_event("a-1", "Einlass", duration="00:00", event_id=1),
        frab_event("a-2", "Aufbau", duration="48:00", event_id=2),
        frab_event("a-3", "Vortrag", event_id=3),
        frab_event("a-4", "Zweiter Vortrag", event_id=4, room="Saal 2"),
    )
    report = await run_import(empty_app, data)
    assert report.created == ["Vortrag", "Zweiter Vortrag"]
    assert [(s.title, s.reason, s.duration) for s in report.skipped] == [
        ("Einlass", "zero_duration", "00:00"),
        ("Aufbau", "too_long", "48:00"),
    ]
    assert report.skipped[0].place == "Zeile 4"
    assert report.stages_created == ["Forum", "Saal 2"] and report.speakers_created == ["Ada"]


async def test_report_page_shows_skipped_with_reasons_in_both_languages(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    data = frab_file(
        frab_event("b-1", "Einlass", duration="00:00", event_id=1),
        frab_event("b-2", "Aufbau", duration="48:00", event_id=2),
        frab_event("b-3", "Neuer Vortrag", when="2027-03-02T10:00:00+01:00", event_id=3),
        room_name="Neuer Saal",
    ).replace(b"<room>Forum</room>", b"")
    await login(client, "orga@example.org")
    for lang, needles in (
        ("de", ["1 neu, 0 geändert, 0 unverändert, 2 übersprungen", "Dauer 48:00 – länger"]),
        ("en", ["0 new, 0 changed, 1 unchanged, 2 skipped", "Duration 48:00 – longer"]),
    ):
        response = await post_import(client, data, lang=lang)
        assert response.status_code == 200
        for needle in needles:
            assert needle in response.text
        if lang == "de":
            assert "Neuer Saal" in response.text.split("Neue Bühnen")[1]
            assert "Ada" in response.text.split("Neue Mitwirkende")[1]


def _many_events(count: int) -> bytes:
    events = "".join(
        frab_event(str(uuid.UUID(int=n)), f"P{n}", event_id=n + 1) for n in range(count)
    )
    return frab_file(events)


def _many_events_json(count: int) -> bytes:
    event = {
        "title": "P",
        "date": "2027-03-02T10:00:00+01:00",
        "duration": "00:30",
        "room": "Forum",
    }
    events = [{**event, "guid": str(uuid.UUID(int=n)), "id": n} for n in range(count)]
    return json.dumps(
        {
            "schedule": {
                "version": "1",
                "conference": {
                    "title": "Groß",
                    "acronym": "gross",
                    "days": [{"index": 1, "date": "2027-03-02", "rooms": {"Forum": events}}],
                },
            }
        }
    ).encode()


def _deep_xml(depth: int) -> bytes:
    return ("<schedule>" + "<a>" * depth + "</a>" * depth + "</schedule>").encode()


def _mixed_zones(second: str) -> bytes:
    return frab_file(
        frab_event("z-1", "Berlin", when="2027-03-02T10:00:00+01:00", event_id=1),
        frab_event("z-2", "Zweite", when=second, event_id=2),
    )


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


CONFERENCE = {"title": "T", "acronym": "tt_t", "time_zone_name": "Europe/Berlin"}
EVENT = {"guid": "e1", "title": "E", "date": "2027-03-02T10:00:00+01:00", "duration": "00:30"}


def _json_days(rooms: Any) -> bytes:
    day = {"index": 1, "date": "2027-03-02", "rooms": rooms}
    return _json({"schedule": {"conference": {**CONFERENCE, "days": [day]}}})


BAD_INPUT = {
    "10000-events-xml": (_many_events(10_000), 413, f"mehr als {MAX_SCHEDULE_EVENTS}"),
    "10000-events-json": (_many_events_json(10_000), 413, 'rooms["Forum"][3000]'),
    "deeply-nested-xml": (_deep_xml(100_000), 400, "kein wohlgeformtes XML in Zeile 1"),
    "deeply-nested-json": (b"[" * 100_000 + b"]" * 100_000, 400, "zu tief verschachtelt"),
    "zone-moves-event-off-its-day": (
        _mixed_zones("2027-03-02T23:30:00-05:00"),
        400,
        "(Zeile 5): beginnt 2027-03-03 05:30, nach dem Ende des Tags 2027-03-02",
    ),
    "no-duration": (
        frab_file(frab_event("d-1", "A"), frab_event("d-2", "B", duration=None, event_id=2)),
        400,
        "(Zeile 5): duration fehlt",
    ),
    "no-room": (
        frab_file(frab_event("r-1", "A", room=None), room_name=""),
        400,
        "(Zeile 4): room fehlt",
    ),
    "duplicate-guid-xml": (
        frab_file(frab_event("x-1", "A"), frab_event("x-1", "B", event_id=2)),
        400,
        "(Zeile 5): guid x-1 kommt doppelt vor (zuerst Zeile 4)",
    ),
    "duplicate-guid-json": (
        _json_days({"Forum": [EVENT, {**EVENT, "title": "F"}]}),
        400,
        'guid e1 kommt doppelt vor (zuerst schedule.conference.days[0].rooms["Forum"][0]',
    ),
    "json-not-an-object": (b"[]", 400, "schedule.json (Dokument): erwartet ein Objekt"),
    "json-schedule-list": (_json({"schedule": []}), 400, "(schedule): erwartet ein Objekt"),
    "json-rooms-list": (
        _json_days([EVENT]),
        400,
        "(schedule.conference.days[0].rooms): erwartet ein Objekt, gefunden eine Liste",
    ),
    "json-event-text": (
        _json_days({"Forum": ["E"]}),
        400,
        '(schedule.conference.days[0].rooms["Forum"][0]): erwartet ein Objekt',
    ),
    "json-title-number-list": (
        _json_days({"Forum": [{**EVENT, "title": [1]}]}),
        400,
        "title muss Text sein, ist eine Liste",
    ),
    "json-broken": (b'{"schedule": {', 400, "kein gültiges JSON in Zeile 1, Spalte 15"),
    "json-bad-date": (
        _json_days({"Forum": [{**EVENT, "date": "morgen"}]}),
        400,
        "date 'morgen' ist kein Zeitpunkt",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
async def test_bad_input_is_refused_naming_the_place(demo_app: Starlette, case: str) -> None:
    data, status, needle = BAD_INPUT[case]
    before = await programme(demo_app)
    async with app_services(demo_app).db.session() as db:
        with pytest.raises(HTTPError) as refused:
            await import_schedule(db, data, default_time_zone=TZ)
        await db.rollback()
    assert refused.value.status_code == status
    assert needle in refused.value.message, refused.value.message
    assert await programme(demo_app) == before


async def test_bad_json_over_http_changes_nothing(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    before = await programme(demo_app)
    await login(client, "orga@example.org")
    response = await post_import(client, _json_days([EVENT]), name="schedule.json")
    assert response.status_code == 400
    assert "days[0].rooms): erwartet ein Objekt" in response.text
    assert await programme(demo_app) == before


def test_mixed_time_zones_are_the_same_instants() -> None:
    parsed = parse_schedule(
        _mixed_zones("2027-03-02T10:30:00Z"), default_time_zone="UTC"
    )  # UTC 10:30 is 11:30 in Berlin
    late = parsed.events[1]
    assert late.starts_at.isoformat() == "2027-03-02T11:30:00+01:00"
    parsed = parse_schedule(_mixed_zones("2027-03-02T12:30:00"), default_time_zone="UTC")
    assert parsed.events[1].starts_at.isoformat() == "2027-03-02T12:30:00+01:00"


async def test_organiser_plans_past_midnight_on_an_imported_night_day(
    empty_app: Starlette,
) -> None:
    from datetime import time

    from fair.models import EventDay
    from sessions.models import SessionKind, Stage
    from sessions.services import ConflictError, SessionInput, create_session

    data = frab_file(frab_event("n-1", "Abendvortrag", when="2027-03-02T21:00:00+01:00"))
    data = data.replace(b'end="2027-03-02T18:00:00+01:00"', b'end="2027-03-03T02:00:00+01:00"')
    await run_import(empty_app, data)
    async with app_services(empty_app).db.session() as db:
        day = await db.scalar(select(EventDay))
        stage = await db.scalar(select(Stage))
        assert day is not None and stage is not None
        assert (day.starts, day.ends) == (time(9), time(2))

        def late(start: time) -> SessionInput:
            return SessionInput(
                title="Nachtcafé",
                kind=SessionKind.talk,
                day_id=day.id,
                stage_id=stage.id,
                start=start,
                duration_minutes=30,
            )

        session, conflicts = await create_session(db, late(time(0, 30)), time_zone=TZ)
        assert conflicts == []
        assert session.starts_at.isoformat() == "2027-03-02T23:30:00"  # UTC: 00:30 Berlin
        with pytest.raises(ConflictError) as refused:
            await create_session(db, late(time(3, 0)), time_zone=TZ)
        assert [c.kind for c in refused.value.conflicts] == ["day_hours"]
        await db.rollback()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
EVENT_KEYS = st.sampled_from(
    [
        "guid",
        "id",
        "title",
        "date",
        "start",
        "end",
        "duration",
        "room",
        "persons",
        "links",
        "track",
        "do_not_record",
        "language",
        "type",
        "slug",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    key=EVENT_KEYS,
    value=JSON_VALUES,
    where=st.sampled_from(["event", "day", "conference", "schedule", "rooms", "events"]),
)
def test_json_of_any_shape_is_read_or_refused_cleanly(key: str, value: Any, where: str) -> None:
    event = {**EVENT, key: value} if where == "event" else dict(EVENT)
    day: dict[str, Any] = {"index": 1, "date": "2027-03-02", "rooms": {"Forum": [event]}}
    conference: dict[str, Any] = {**CONFERENCE, "days": [day]}
    schedule: dict[str, Any] = {"conference": conference}
    if where == "day":
        day[key] = value
    elif where == "conference":
        conference[key] = value
    elif where == "schedule":
        schedule[key] = value
    elif where == "rooms":
        day["rooms"] = value
    elif where == "events":
        schedule["events"] = value
    try:
        parsed = parse_schedule(_json({"schedule": schedule}), default_time_zone=TZ)
    except HTTPError as exc:
        assert exc.status_code in (400, 413) and exc.message.startswith("schedule.json")
    else:
        for record in parsed.events:
            assert record.title and 1 <= record.duration_minutes <= 720


async def test_a_congress_sized_file_fits_over_http(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    """Big congress exports are several MB: more than the 1 MB form limit, less than 5 MB."""
    abstract = "Worum es geht. " * 2000  # 30 KB per event, as long descriptions are
    events = [
        frab_event(f"big-{n}", f"Vortrag {n}", event_id=n + 1).replace(
            "<persons>", f"<abstract>{abstract}</abstract><persons>"
        )
        for n in range(80)
    ]
    data = frab_file(*events)
    assert 2 * 1024 * 1024 < len(data) < 5 * 1024 * 1024
    await login(client, "orga@example.org")
    response = await post_import(client, data)
    assert response.status_code == 200, response.text[:300]
    assert "80 neu, 0 geändert" in response.text


async def test_an_existing_day_grows_to_hold_a_late_evening(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    """The demo's 30.11.2026 runs 09:00–16:00; a file lists a talk there until 00:30."""
    from datetime import date, time

    from fair.models import EventDay

    data = frab_file(
        frab_event("late-1", "Abendgespräch", when="2026-11-30T23:30:00+01:00", duration="01:00"),
        day="2026-11-30",
    )
    await login(client, "orga@example.org")
    response = await post_import(client, data)
    assert "Tageszeiten erweitert" in response.text
    assert "<li>Montag, 30. November 2026: 09:00–00:30</li>" in response.text
    async with app_services(demo_app).db.session() as db:
        day = await db.scalar(select(EventDay).where(EventDay.date == date(2026, 11, 30)))
        assert day is not None and (day.starts, day.ends) == (time(9), time(0, 30))
    again = await run_import(demo_app, data)
    assert again.days_widened == [] and again.unchanged == 1


async def test_an_imported_talk_is_found_by_the_search_at_once(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    """The running app's fair-wide search finds a talk (and a renamed one under its new
    title) right after the import, with no restart."""
    await login(client, "orga@example.org")
    word = "Quartiersbatteriespeicher"
    assert "/sessions/" not in (await client.get(f"/search?q={word}")).text.split("<main", 1)[1]
    data = frab_file(frab_event("kc27-speicher", f"{word} im Praxistest", event_id=7))
    response = await post_import(client, data)
    assert response.status_code == 200, response.text
    async with app_services(demo_app).db.session() as db:
        session_id = await db.scalar(
            select(ProgrammeSession.id).where(ProgrammeSession.title.like(f"{word}%"))
        )
    hits = (await client.get(f"/search?q={word}")).text
    assert f'href="/sessions/{session_id}"' in hits
    renamed = frab_file(frab_event("kc27-speicher", "Netzdienliche Heimspeicher", event_id=7))
    assert (await post_import(client, renamed)).status_code == 200
    assert f'href="/sessions/{session_id}"' in (await client.get("/search?q=Heimspeicher")).text
