"""Schedule exchange fixtures: the C3VOC JSON schema and frab XSD validators, the files
from the wild in tests/fixtures/schedules, and an import run against a real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, FormatChecker
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.importers import ImportReport, import_schedule
from sessions.models import ProgrammeSession, SessionSpeaker
from tests.support.paths import SCHEDULE_FIXTURES, SCHEDULE_XSD

FIXTURES = SCHEDULE_FIXTURES
SHARED_XSD = Path("/work/shared/specs/schedule.xml.xsd")
TZ = "Europe/Berlin"


def json_schema() -> Draft6Validator:
    schema = json.loads((FIXTURES / "c3voc-schema.json").read_text())
    return Draft6Validator(schema, format_checker=FormatChecker())


def xml_schema() -> etree.XMLSchema:
    path = SHARED_XSD if SHARED_XSD.exists() else SCHEDULE_XSD
    return etree.XMLSchema(etree.parse(str(path)))


async def programme(app: Starlette) -> set[tuple[Any, ...]]:
    """Everything a round trip must keep, per session, by guid."""
    async with app_services(app).db.session() as db:
        sessions = await db.scalars(
            select(ProgrammeSession).options(
                selectinload(ProgrammeSession.stage),
                selectinload(ProgrammeSession.day),
                selectinload(ProgrammeSession.topic),
                selectinload(ProgrammeSession.speaker_links).selectinload(SessionSpeaker.speaker),
            )
        )
        return {
            (
                s.guid,
                s.slug,
                s.title,
                s.kind,
                s.abstract,
                s.starts_at,
                s.duration_minutes,
                s.language,
                s.do_not_record,
                s.stage.name,
                s.day.date,
                s.topic.name_de if s.topic else None,
                tuple(link.speaker.name for link in s.speaker_links),
            )
            for s in sessions.all()
        }


async def run_import(app: Starlette, data: bytes) -> ImportReport:
    async with app_services(app).db.session() as db:
        report = await import_schedule(db, data, default_time_zone=TZ)
        await db.commit()
    return report
