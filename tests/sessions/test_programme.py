"""The programme on SQLite and PostgreSQL: pages by day, stage and topic, the personal agenda,
organiser editing with conflict checks (service and HTTP), the read-only JSON API against its
OpenAPI description."""

from __future__ import annotations

import re
from datetime import time
from functools import partial
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.models import EventDay
from sessions.models import ProgrammeSession, SessionKind, Speaker, Stage
from sessions.services import (
    ConflictError,
    SessionInput,
    create_session,
    move_session,
    set_cancelled,
)
from tests.support.app import csrf_of, login

TZ = "Europe/Berlin"
OPENING = "Grußwort der gastgebenden Region Gelsenkirchen"


async def _ids(app: Starlette) -> dict[str, Any]:
    async with app_services(app).db.session() as db:
        days = list((await db.scalars(select(EventDay).order_by(EventDay.date))).all())
        stages = {s.slug: s.id for s in (await db.scalars(select(Stage))).all()}
        speaker = await db.scalar(select(Speaker).where(Speaker.name == "Dr. Katharina Wellmann"))
        opening = await db.scalar(select(ProgrammeSession).where(ProgrammeSession.title == OPENING))
    assert speaker is not None and opening is not None
    return {"day": days[0].id, "stages": stages, "wellmann": speaker.id, "opening": opening.id}


def _digest(page: str) -> str:
    match = re.search(r'name="conflict_digest" value="([0-9a-f]+)"', page)
    assert match is not None, page[:500]
    return match.group(1)


def _input(ids: dict[str, Any], **changes: Any) -> SessionInput:
    values: dict[str, Any] = {
        "title": "Neuer Fachbeitrag",
        "kind": SessionKind.talk,
        "day_id": ids["day"],
        "stage_id": ids["stages"]["forum"],
        "start": time(9, 5),
        "duration_minutes": 5,
    }
    values.update(changes)
    return SessionInput(**values)


async def test_programme_by_day_stage_and_topic(client: httpx.AsyncClient) -> None:
    by_day = await client.get("/programme")
    assert by_day.status_code == 200
    assert len(re.findall(r'<section aria-labelledby="day-\d+"', by_day.text)) == 5
    by_stage = await client.get("/programme?by=stage")
    assert by_stage.status_code == 200
    stages = re.findall(r'<h2 id="stage-\d+">([^<]+)</h2>', by_stage.text)
    assert stages == ["Hauptbühne", "Forum", "Werkstatt"]
    by_topic = await client.get("/programme?by=topic")
    assert "Smart City" in by_topic.text
    assert by_topic.text.count('class="session-item"') == by_day.text.count('class="session-item"')
    forum = re.search(r'<option value="(\d+)"\s*>Forum</option>', by_day.text)
    assert forum is not None
    only_forum = await client.get(f"/programme?by=stage&stage={forum.group(1)}")
    assert re.findall(r'<h2 id="stage-\d+">([^<]+)</h2>', only_forum.text) == ["Forum"]
    assert (await client.get("/programme?by=colour")).status_code == 400
    assert (await client.get("/programme?stage=x")).status_code == 400


async def test_agenda_page_and_star_buttons(client: httpx.AsyncClient) -> None:
    page = await client.get("/agenda")
    assert page.status_code == 200
    src = re.search(r'src="(/static/[0-9a-f]{12}/js/agenda\.js)"', page.text)
    assert src is not None
    assert "data-star=" in page.text
    script = await client.get(src.group(1))
    assert script.status_code == 200
    assert "localStorage" in script.text


async def test_conflicts_name_the_clash_and_need_override(demo_app: Starlette) -> None:
    ids = await _ids(demo_app)
    async with app_services(demo_app).db.session() as db:
        # Stage clash: the opening runs 09:00–09:15 on the main stage.
        with pytest.raises(ConflictError) as stage:
            await create_session(
                db, _input(ids, stage_id=ids["stages"]["hauptbuehne"]), time_zone=TZ
            )
        assert [c.kind for c in stage.value.conflicts] == ["stage"]
        assert "Hauptbühne" in stage.value.message and OPENING in stage.value.message
        assert "09:00–09:15" in stage.value.message
        assert stage.value.status_code == 409
        # Speaker clash: Dr. Wellmann speaks at the opening at that time.
        with pytest.raises(ConflictError) as speaker:
            await create_session(db, _input(ids, speaker_ids=(ids["wellmann"],)), time_zone=TZ)
        assert [c.kind for c in speaker.value.conflicts] == ["speaker"]
        assert "Dr. Katharina Wellmann" in speaker.value.message
        assert OPENING in speaker.value.message
        # Outside the day's hours (09:00–16:00).
        with pytest.raises(ConflictError) as late:
            await create_session(db, _input(ids, start=time(15, 58)), time_zone=TZ)
        assert [c.kind for c in late.value.conflicts] == ["day_hours"]
        assert "09:00–16:00" in late.value.message
        # Nothing was saved by the refused attempts; an explicit override saves.
        count = len((await db.scalars(select(ProgrammeSession.id))).all())
        session, overridden = await create_session(
            db, _input(ids, speaker_ids=(ids["wellmann"],)), time_zone=TZ, override=True
        )
        assert [c.kind for c in overridden] == ["speaker"]
        await db.commit()
        assert len((await db.scalars(select(ProgrammeSession.id))).all()) == count + 1
        # A clean slot needs no override; moving onto the main stage at 09:00 clashes.
        onto_main_stage_at_nine = partial(
            move_session,
            db,
            session.id,
            day_id=ids["day"],
            stage_id=ids["stages"]["hauptbuehne"],
            start=time(9, 0),
            time_zone=TZ,
        )
        with pytest.raises(ConflictError):
            await onto_main_stage_at_nine()
        # Cancel the opening: its slot is free; reinstating it now clashes with ours.
        await set_cancelled(db, ids["opening"], True, time_zone=TZ)
        await onto_main_stage_at_nine(override=False)
        with pytest.raises(ConflictError) as back:
            await set_cancelled(db, ids["opening"], False, time_zone=TZ)
        assert "Neuer Fachbeitrag" in back.value.message
        await db.rollback()


async def test_organiser_creates_edits_moves_and_cancels_over_http(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    ids = await _ids(demo_app)
    assert (await client.get("/organiser/programme")).status_code == 401
    await login(client, "orga@example.org")
    listing = await client.get("/organiser/programme")
    assert listing.status_code == 200 and OPENING in listing.text
    assert '<a href="/organiser/programme">' in (await client.get("/")).text
    form_page = await client.get("/organiser/programme/new")
    assert form_page.status_code == 200
    assert '<label for="title">' in form_page.text
    token = await csrf_of(client, "/organiser/programme/new")
    form = {
        "csrf_token": token,
        "title": "Sprechstunde Datenschutz",
        "kind": "workshop",
        "day_id": str(ids["day"]),
        "stage_id": str(ids["stages"]["hauptbuehne"]),
        "start": "09:10",
        "duration_minutes": "30",
        "language": "de",
        "speaker_ids": [str(ids["wellmann"])],
    }
    clash = await client.post("/organiser/programme/new", data=form)
    assert clash.status_code == 409
    assert OPENING in clash.text and "Dr. Katharina Wellmann" in clash.text
    assert 'name="override"' in clash.text
    digest = _digest(clash.text)
    # Ticking "save anyway" confirms the clashes shown, identified by their digest.
    blind = await client.post("/organiser/programme/new", data={**form, "override": "1"})
    assert blind.status_code == 409
    saved = await client.post(
        "/organiser/programme/new", data={**form, "override": "1", "conflict_digest": digest}
    )
    assert saved.status_code == 303, saved.text
    new_id = int(saved.headers["location"].rsplit("-", 1)[1])
    edit = await client.get(f"/organiser/programme/{new_id}/edit")
    assert edit.status_code == 200 and "Sprechstunde Datenschutz" in edit.text
    moved = await client.post(
        f"/organiser/programme/{new_id}/move",
        data={
            "csrf_token": token,
            "day_id": str(ids["day"]),
            "stage_id": str(ids["stages"]["werkstatt"]),
            "start": "10:00",
        },
    )
    assert moved.status_code == 303
    edited = await client.post(
        f"/organiser/programme/{new_id}/edit",
        data={
            **form,
            "title": "Sprechstunde",
            "stage_id": str(ids["stages"]["werkstatt"]),
            "start": "09:00",
            "speaker_ids": [],
            "do_not_record": "1",
        },
    )
    assert edited.status_code == 303, edited.text
    cancelled = await client.post(
        f"/organiser/programme/{new_id}/cancel", data={"csrf_token": token, "action": "cancel"}
    )
    assert cancelled.status_code == 303
    # A new session is a draft: not in the API until the organisers publish.
    assert (await client.get(f"/api/sessions/{new_id}")).status_code == 404
    published = await client.post("/organiser/publish", data={"csrf_token": token})
    assert published.status_code == 303
    api = (await client.get(f"/api/sessions/{new_id}")).json()
    assert api["title"] == "Sprechstunde" and api["cancelled"] and api["do_not_record"]
    assert api["stage"] == "Werkstatt" and api["starts_at"].startswith("2026-11-30T09:00")
    bad = await client.post("/organiser/programme/new", data={**form, "start": "neun"})
    assert bad.status_code == 400 and "start" in bad.text
    # Its slot is taken meanwhile; reinstating it clashes and needs the confirmed override.
    taken = await client.post(
        "/organiser/programme/new",
        data={
            **form,
            "title": "Nachrücker",
            "stage_id": str(ids["stages"]["werkstatt"]),
            "start": "09:00",
            "speaker_ids": [],
        },
    )
    assert taken.status_code == 303, taken.text
    restore = {"csrf_token": token, "action": "restore"}
    refused = await client.post(f"/organiser/programme/{new_id}/cancel", data=restore)
    assert refused.status_code == 409 and "Nachrücker" in refused.text
    assert "Trotz Konflikt wieder aufnehmen" in refused.text
    restored = await client.post(
        f"/organiser/programme/{new_id}/cancel",
        data={**restore, "override": "1", "conflict_digest": _digest(refused.text)},
    )
    assert restored.status_code == 303
    assert not (await client.get(f"/api/sessions/{new_id}")).json()["cancelled"]


async def test_exhibitors_cannot_edit_the_programme(client: httpx.AsyncClient) -> None:
    await login(client, "aussteller.krz@example.org")
    assert (await client.get("/organiser/programme")).status_code == 403
    token = await csrf_of(client, "/programme")
    response = await client.post(
        "/organiser/programme/1/cancel", data={"csrf_token": token, "action": "cancel"}
    )
    assert response.status_code == 403


def _validator(spec: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


async def test_api_responses_match_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    jsonschema.Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})
    checked = 0
    for path, item in spec["paths"].items():
        if "{" in path:
            continue
        response = await client.get(path)
        assert response.status_code == 200, path
        schema = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        _validator(spec, schema["$ref"].rsplit("/", 1)[1]).validate(response.json())
        checked += 1
    assert checked == 3
    booths = (await client.get("/api/booths")).json()["booths"]
    assert len(booths) >= 70
    booth = await client.get(f"/api/booths/{booths[0]['slug']}")
    _validator(spec, "Booth").validate(booth.json())
    sessions = (await client.get("/api/sessions")).json()["sessions"]
    assert len(sessions) >= 30
    one = await client.get(f"/api/sessions/{sessions[0]['id']}")
    _validator(spec, "Session").validate(one.json())
    missing_paths = ("/api/sessions/999999", "/api/sessions/²", "/api/booths/none")
    for missing in missing_paths:
        response = await client.get(missing)
        assert response.status_code == 404
        _validator(spec, "Error").validate(response.json())
    bad = await client.get("/api/sessions?day=monday")
    assert bad.status_code == 400 and "day" in bad.json()["error"]


async def test_programme_pages_in_english(client: httpx.AsyncClient) -> None:
    session_id = (await client.get("/api/sessions")).json()["sessions"][0]["id"]
    page = await client.get(f"/sessions/{session_id}?lang=en")
    assert "Questions to the speakers" in page.text and "Your question" in page.text
    assert "Fragen an das Podium" not in page.text
    programme = await client.get("/programme?by=stage")
    assert "By stage" in programme.text and "Nach Bühnen" not in programme.text


def _schedule_xml(count: int) -> bytes:
    events = "".join(
        f"""<event id="{n + 1}" guid="00000000-0000-4000-8000-{n:012d}"><room>Saal {n % 2}</room>
<title>Punkt {n}</title><type>talk</type><date>2027-03-02T{10 + n}:00:00+01:00</date>
<duration>00:30</duration><track>Thema {n}</track>
<persons><person>Person {n}</person><person>Person {n + 1}</person></persons></event>"""
        for n in range(count)
    )
    return (
        "<schedule><conference><title>Q</title><acronym>q</acronym></conference>"
        f'<day index="1" date="2027-03-02"><room name="Saal">{events}</room></day></schedule>'
    ).encode()


PATHS = ["/programme", "/programme?by=topic", "/api/sessions", "/schedule.xml", "/schedule.ics"]


async def test_query_count_does_not_grow_with_sessions(empty_app: Starlette) -> None:
    from sqlalchemy import event

    from sessions.importers import import_schedule

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app_services(empty_app).db.engine.sync_engine
    transport = httpx.ASGITransport(app=empty_app)
    counts: dict[str, list[int]] = {path: [] for path in PATHS}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for size in (1, 3):
            async with app_services(empty_app).db.session() as db:
                await import_schedule(db, _schedule_xml(size), default_time_zone=TZ)
                await db.commit()
            for path in PATHS:
                statements.clear()
                event.listen(engine, "before_cursor_execute", count)
                try:
                    response = await client.get(path)
                finally:
                    event.remove(engine, "before_cursor_execute", count)
                assert response.status_code == 200
                counts[path].append(len(statements))
    assert all(one == three for one, three in counts.values()), counts


async def test_now_and_next(demo_app: Starlette) -> None:
    from datetime import datetime

    from sqlalchemy import update

    from fair.formatting import local_to_utc
    from sessions.models import LiveState, ProgrammeSession
    from sessions.queries import now_and_next

    at = local_to_utc(datetime(2026, 11, 30, 9, 5), TZ)
    async with app_services(demo_app).db.session() as db:
        planned_only = await now_and_next(db, at)
        # "Now" follows the stage, not the timetable: live once the stage says so.
        await db.execute(
            update(ProgrammeSession)
            .where(ProgrammeSession.title == OPENING)
            .values(live_state=LiveState.live)
        )
        await db.commit()
        current = await now_and_next(db, at)
    assert planned_only.now == []
    assert [s.title for s in current.now] == [OPENING]
    assert current.next[0].title == "Grußwort des Landes: Kommunen lernen von Kommunen"


async def test_ids_beyond_32_bit_are_refused_not_crashing(client: httpx.AsyncClient) -> None:
    big = str(2**31)
    for path, status in [
        (f"/sessions/{big}", 404),
        (f"/api/sessions/{big}", 404),
        (f"/api/sessions?day={big}", 400),
        ("/api/sessions?topic=0", 400),
        (f"/programme?day={big}", 400),
        (f"/schedule.ics?sessions=1,{big}", 400),
        (f"/schedule.ics?day={'9' * 5000}", 400),
    ]:
        response = await client.get(path)
        assert response.status_code == status, (path, response.text[:200])
    not_allowed = await client.delete("/api/sessions")
    assert not_allowed.status_code == 405 and "GET" in not_allowed.headers["allow"]


async def test_next_names_the_first_sessions_before_the_event(demo_app: Starlette) -> None:
    """Before the first day, "next" names the opening, not an empty box."""
    from datetime import datetime

    from fair.formatting import local_to_utc
    from sessions.queries import now_and_next

    async with app_services(demo_app).db.session() as db:
        current = await now_and_next(db, local_to_utc(datetime(2026, 11, 20, 12, 0), TZ))
    assert current.now == []
    assert len(current.next) == 6
    assert current.next[0].title == OPENING
