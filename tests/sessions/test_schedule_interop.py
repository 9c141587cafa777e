"""Schedule exchange with files from the wild (tests/fixtures/schedules/README.md names
their sources): each imports, re-imports without duplicates or spurious changes, and
round-trips (import → export → import gives the same programme) on SQLite and
PostgreSQL; the exports validate against the C3VOC JSON schema and the frab XSD; a frab
day that runs past midnight keeps its late events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from lxml import etree
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.models import EventDay
from tests.support.app import (
    TemplateDatabases,
    fresh_database_url,
    make_client,
    make_settings,
    running_app,
)
from tests.support.paths import SCHEDULE_XSD
from tests.support.schedules import (
    FIXTURES,
    json_schema,
    programme,
    run_import,
    xml_schema,
)

XSD = SCHEDULE_XSD

#: file -> events it holds (every one a session: none is skipped)
PUBLIC_FILES = {
    "31c3-frab-2014.xml": 138,
    "frab-camp2019.json": 79,
    "pretalx-rc3.json": 48,
    "pretalx-democon.json": 36,
    "hub-schedule2.json": 2,
    "invalid-example.json": 1,
}


def pretalx_xml_schema() -> etree.XMLSchema:
    """The stricter XSD pretalx tests its own schedule.xml against (C3VOC's, EUPL-1.2)."""
    return etree.XMLSchema(etree.parse(str(FIXTURES / "pretalx-schedule.xsd")))


@pytest_asyncio.fixture
async def other_empty_app(
    request: pytest.FixtureRequest,
    db_backend: str,
    template_databases: TemplateDatabases,
    tmp_path: Path,
) -> AsyncIterator[Starlette]:
    """A second fresh, empty fair on the same backend, to import an export into."""
    url = await fresh_database_url(request, db_backend, template_databases, seeded=False)
    async for app in running_app(make_settings(url, tmp_path / "other")):
        yield app


def test_the_json_schema_tells_valid_from_invalid() -> None:
    """The validator is not vacuous: the voc/schedule repository's invalid example fails."""
    validator = json_schema()
    invalid = json.loads((FIXTURES / "invalid-example.json").read_text())
    assert list(validator.iter_errors(invalid))
    camp = json.loads((FIXTURES / "frab-camp2019.json").read_text())
    camp_errors = [e.message for e in validator.iter_errors(camp)]
    assert all("acronym" in m or "Camp2019" in m for m in camp_errors), camp_errors


@pytest.mark.parametrize("name", sorted(PUBLIC_FILES))
async def test_public_schedule_imports_reimports_and_round_trips(
    empty_app: Starlette, other_empty_app: Starlette, name: str
) -> None:
    data = (FIXTURES / name).read_bytes()
    count = PUBLIC_FILES[name]
    first = await run_import(empty_app, data)
    assert len(first.created) == count and first.skipped == []
    assert first.changed == [] and first.unchanged == 0
    assert first.stages_created and first.days_created
    imported = await programme(empty_app)
    assert len(imported) == count

    again = await run_import(empty_app, data)
    assert (again.created, again.changed, again.unchanged) == ([], [], count)
    assert again.speakers_created == [] and again.stages_created == []
    assert await programme(empty_app) == imported

    async with make_client(empty_app) as client:
        xml = (await client.get("/schedule.xml")).content
        exported = (await client.get("/schedule.json")).content
    for schema in (xml_schema(), pretalx_xml_schema()):
        assert schema.validate(etree.fromstring(xml)), schema.error_log
    errors = [
        f"{list(e.path)}: {e.message}" for e in json_schema().iter_errors(json.loads(exported))
    ]
    assert errors == []

    # fair's own exports re-import onto the same rows without a single change
    for export in (xml, exported):
        own = await run_import(empty_app, export)
        assert (own.created, own.changed, own.unchanged) == ([], [], count)
    # and build the same programme in another, empty fair
    other = await run_import(other_empty_app, exported)
    assert len(other.created) == count
    assert await programme(other_empty_app) == imported


async def test_demo_exports_validate_against_the_public_schemas(
    client: httpx.AsyncClient,
) -> None:
    xml = etree.fromstring((await client.get("/schedule.xml")).content)
    for schema in (xml_schema(), pretalx_xml_schema()):
        assert schema.validate(xml), schema.error_log
    document = (await client.get("/schedule.json")).json()
    assert [e.message for e in json_schema().iter_errors(document)] == []
    slugs = [e.findtext("slug") for e in xml.iterfind("day/room/event")]
    assert all(slug and slug.startswith("dsk26-") for slug in slugs)


async def test_late_events_stay_on_their_conference_day(empty_app: Starlette) -> None:
    """31C3's days run 11:00–04:00; a talk at 00:15 belongs to the evening before."""
    await run_import(empty_app, (FIXTURES / "31c3-frab-2014.xml").read_bytes())
    async with make_client(empty_app) as client:
        sessions = (await client.get("/api/sessions")).json()["sessions"]
        late = [s for s in sessions if s["starts_at"].startswith("2014-12-29T00:15")]
        assert late and all(s["day"] == "2014-12-28" for s in late)
        late_ids = {s["id"] for s in late}

        xml = etree.fromstring((await client.get("/schedule.xml")).content)
        day = xml.find("day[@date='2014-12-28']")
        assert day is not None and day.get("end") == "2014-12-29T04:00:00+01:00"
        assert day.get("start") == "2014-12-28T11:30:00+01:00"
        assert {int(e.get("id", 0)) for e in day.iterfind("room/event")} >= late_ids

        document = (await client.get("/schedule.json")).json()
        days = {d["date"]: d for d in document["schedule"]["conference"]["days"]}
        assert days["2014-12-28"]["day_end"] == "2014-12-29T04:00:00+01:00"
        json_ids = {e["id"] for events in days["2014-12-28"]["rooms"].values() for e in events}
        assert json_ids >= late_ids

        async with app_services(empty_app).db.session() as db:
            day_id = await db.scalar(select(EventDay.id).where(EventDay.date == date(2014, 12, 28)))
        page = (await client.get(f"/programme?day={day_id}")).text
        item = page.split(f'data-session-id="{min(late_ids)}"')[1].split("</li>")[0]
        assert "00:15" in item and "(am 29.12.)" in item
        agenda = (await client.get("/agenda")).text
        item = agenda.split(f'data-session-id="{min(late_ids)}"')[1].split("</li>")[0]
        assert "28.12. 00:15" in item and "(am 29.12.)" in item
        english = (await client.get("/agenda?lang=en")).text
        assert "(on 29.12.)" in english
