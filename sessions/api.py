"""The read-only JSON API: booths, sessions, recordings, and its OpenAPI 3.1 description.

The description is written by hand next to the handlers (``OPENAPI``); the tests validate
every response against the schemas it names, so the two cannot drift apart silently.
Times are ISO 8601 with the offset of the event's time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from booths.models import Booth, Material
from fair.app_services import app_services
from fair.errors import not_found
from fair.formatting import to_local
from fair.ids import MAX_ID, path_id, query_id
from fair.pagecache import cached_page
from fair.web import base_url
from sessions.models import ProgrammeSession, Recording
from sessions.queries import schedule_sessions, sessions_for_booth

API_VERSION = "1.0.0"


def _tz(request: Request) -> str:
    return str(app_services(request).settings.time_zone)


def _json(payload: dict[str, Any]) -> Response:
    return JSONResponse(payload, headers={"Access-Control-Allow-Origin": "*"})


def booth_summary(booth: Booth, base: str) -> dict[str, Any]:
    return {
        "slug": booth.slug,
        "name": booth.name,
        "tagline": booth.tagline,
        "organisation": booth.organisation.name,
        "day": booth.day.date.isoformat() if booth.day else None,
        "topics": [t.slug for t in booth.topics],
        "url": f"{base}/booths/{booth.slug}",
    }


def session_summary(session: ProgrammeSession, base: str, tz: str, now: datetime) -> dict[str, Any]:
    status = session.status(now)
    return {
        "id": session.id,
        "guid": session.guid,
        "title": session.title,
        "kind": session.kind.value,
        "starts_at": to_local(session.starts_at, tz).isoformat(),
        "ends_at": to_local(session.ends_at, tz).isoformat(),
        "duration_minutes": session.duration_minutes,
        "day": session.day.date.isoformat(),
        "stage": session.stage.name,
        "topic": session.topic.slug if session.topic else None,
        "language": session.language,
        "cancelled": session.cancelled,
        "do_not_record": session.do_not_record,
        "speakers": [
            {"name": link.speaker.name, "role": link.role} for link in session.speaker_links
        ],
        "url": f"{base}/sessions/{session.id}",
        "state": status.phase.value,
        "recording_status": status.recording_status.value,
        "recording_url": f"{base}{status.recording_url}" if status.recording_url else None,
    }


def _booth_query() -> Any:
    return select(Booth).options(
        joinedload(Booth.organisation),
        joinedload(Booth.topics),
        joinedload(Booth.day),
    )


@cached_page()
async def booths(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        items = (await db.scalars(_booth_query().order_by(Booth.name))).unique().all()
    base = base_url(request)
    return _json({"booths": [booth_summary(b, base) for b in items]})


@cached_page()
async def booth(request: Request) -> Response:
    slug = request.path_params["slug"]
    async with app_services(request).db.session() as db:
        found = (
            (
                await db.scalars(
                    _booth_query()
                    .where(Booth.slug == slug)
                    .options(joinedload(Booth.materials), joinedload(Booth.contacts))
                )
            )
            .unique()
            .first()
        )
        if found is None:
            raise not_found("Stand")
        sessions = await sessions_for_booth(db, found.id)
    base = base_url(request)
    payload = booth_summary(found, base)
    payload.update(
        {
            "description": found.description,
            "materials": [
                {"id": m.id, "title": m.title, "kind": m.kind.value}
                for m in found.materials
                if _visible(m)
            ],
            "contacts": [
                {"name": c.name, "role": c.role, "availability": c.availability}
                for c in found.contacts
            ],
            "sessions": [{"id": s.id, "title": s.title} for s in sessions],
        }
    )
    return _json(payload)


def _visible(material: Material) -> bool:
    return material.deleted_at is None


@cached_page(params=("day", "stage", "topic"))
async def sessions(request: Request) -> Response:
    day, stage, topic = (
        query_id(request.query_params, "day"),
        query_id(request.query_params, "stage"),
        query_id(request.query_params, "topic"),
    )
    async with app_services(request).db.session() as db:
        items = await schedule_sessions(db, day_id=day, include_cancelled=True)
    items = [
        s
        for s in items
        if (stage is None or s.stage_id == stage) and (topic is None or s.topic_id == topic)
    ]
    base, tz = base_url(request), _tz(request)
    now = app_services(request).settings.now()
    return _json({"sessions": [session_summary(s, base, tz, now) for s in items]})


@cached_page()
async def session(request: Request) -> Response:
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    async with app_services(request).db.session() as db:
        items = await schedule_sessions(db, session_ids=[session_id], include_cancelled=True)
    if not items:
        raise not_found("Programmpunkt")
    found = items[0]
    base = base_url(request)
    payload = session_summary(found, base, _tz(request), app_services(request).settings.now())
    payload.update(
        {
            "abstract": found.abstract,
            "booths": [{"slug": b.slug, "name": b.name} for b in found.booths],
            "recordings": [r.id for r in found.recordings if r.published],
        }
    )
    return _json(payload)


@cached_page()
async def recordings(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        items = (
            await db.scalars(
                select(Recording)
                .where(Recording.published.is_(True))
                .options(joinedload(Recording.session).joinedload(ProgrammeSession.day))
                .order_by(Recording.created_at.desc(), Recording.id.desc())
            )
        ).all()
    base = base_url(request)
    return _json(
        {
            "recordings": [
                {
                    "id": r.id,
                    "session_id": r.session_id,
                    "session_title": r.session.title,
                    "day": r.session.day.date.isoformat(),
                    "content_type": r.content_type,
                    "size_bytes": r.size_bytes,
                    "duration_seconds": r.duration_seconds,
                    "created_at": r.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "session_url": f"{base}/sessions/{r.session_id}",
                }
                for r in items
            ]
        }
    )


@cached_page()
async def openapi(request: Request) -> Response:
    document = dict(OPENAPI)
    document["servers"] = [{"url": base_url(request)}]
    return _json(document)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(nullable: bool = False, fmt: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    if fmt:
        schema["format"] = fmt
    return schema


def _object(properties: dict[str, Any], extra_required: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if extra_required else [],
    }


def _list_of(key: str, item: str) -> dict[str, Any]:
    return _object({key: {"type": "array", "items": _ref(item)}})


def _get(
    summary: str,
    schema: str,
    *,
    params: list[dict[str, Any]] | None = None,
    not_found_response: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": _ref(schema)}},
        }
    }
    if params:
        responses["400"] = {"description": "Invalid parameter", "content": _error_content()}
    if not_found_response:
        responses["404"] = {"description": "Not found", "content": _error_content()}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        operation["parameters"] = params
    return {"get": operation}


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": _ref("Error")}}


def _query_id(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": _ID_SCHEMA,
    }


_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


_SPEAKER = _object(
    {"name": _string(), "role": {"type": "string", "enum": ["speaker", "moderator"]}}
)
_SESSION_SUMMARY = {
    "id": {"type": "integer"},
    "guid": _string(fmt="uuid"),
    "title": _string(),
    "kind": {"type": "string", "enum": ["opening", "talk", "panel", "workshop"]},
    "starts_at": _string(fmt="date-time"),
    "ends_at": _string(fmt="date-time"),
    "duration_minutes": {"type": "integer", "minimum": 1},
    "day": _string(fmt="date"),
    "stage": _string(),
    "topic": _string(nullable=True),
    "language": _string(),
    "cancelled": {"type": "boolean"},
    "do_not_record": {"type": "boolean"},
    "speakers": {"type": "array", "items": _ref("Speaker")},
    "url": _string(fmt="uri"),
    "state": {"type": "string", "enum": ["scheduled", "live", "ended", "cancelled"]},
    "recording_status": {
        "type": "string",
        "enum": ["none", "available", "pending", "not_recorded"],
    },
    "recording_url": _string(nullable=True, fmt="uri"),
}
_BOOTH_SUMMARY = {
    "slug": _string(),
    "name": _string(),
    "tagline": _string(),
    "organisation": _string(),
    "day": _string(nullable=True, fmt="date"),
    "topics": {"type": "array", "items": _string()},
    "url": _string(fmt="uri"),
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "fair API",
        "version": API_VERSION,
        "description": "Read-only access to booths, the programme and recordings. "
        "Schedule exchange formats: /schedule.xml, /schedule.json, /schedule.ics.",
        "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    },
    "paths": {
        "/api/booths": _get("All booths", "BoothList"),
        "/api/booths/{slug}": {
            "parameters": [_path("slug", {"type": "string"})],
            **_get(
                "One booth with materials, contacts and sessions", "Booth", not_found_response=True
            ),
        },
        "/api/sessions": _get(
            "The programme, cancelled sessions included (flagged)",
            "SessionList",
            params=[
                _query_id("day", "Only this event day (id)"),
                _query_id("stage", "Only this stage (id)"),
                _query_id("topic", "Only this topic (id)"),
            ],
        ),
        "/api/sessions/{session_id}": {
            "parameters": [_path("session_id", _ID_SCHEMA)],
            **_get("One session", "Session", not_found_response=True),
        },
        "/api/recordings": _get("Published recordings, newest first", "RecordingList"),
    },
    "components": {
        "schemas": {
            "Error": _object({"error": _string()}),
            "Speaker": _SPEAKER,
            "BoothSummary": _object(_BOOTH_SUMMARY),
            "BoothList": _list_of("booths", "BoothSummary"),
            "Booth": _object(
                {
                    **_BOOTH_SUMMARY,
                    "description": _string(),
                    "materials": {
                        "type": "array",
                        "items": _object(
                            {"id": {"type": "integer"}, "title": _string(), "kind": _string()}
                        ),
                    },
                    "contacts": {
                        "type": "array",
                        "items": _object(
                            {"name": _string(), "role": _string(), "availability": _string()}
                        ),
                    },
                    "sessions": {
                        "type": "array",
                        "items": _object({"id": {"type": "integer"}, "title": _string()}),
                    },
                }
            ),
            "SessionSummary": _object(_SESSION_SUMMARY),
            "SessionList": _list_of("sessions", "SessionSummary"),
            "Session": _object(
                {
                    **_SESSION_SUMMARY,
                    "abstract": _string(),
                    "booths": {
                        "type": "array",
                        "items": _object({"slug": _string(), "name": _string()}),
                    },
                    "recordings": {"type": "array", "items": {"type": "integer"}},
                }
            ),
            "Recording": _object(
                {
                    "id": {"type": "integer"},
                    "session_id": {"type": "integer"},
                    "session_title": _string(),
                    "day": _string(fmt="date"),
                    "content_type": _string(),
                    "size_bytes": {"type": "integer", "minimum": 0},
                    "duration_seconds": {"type": "number", "minimum": 0},
                    "created_at": _string(fmt="date-time"),
                    "session_url": _string(fmt="uri"),
                }
            ),
            "RecordingList": _list_of("recordings", "Recording"),
        }
    },
}
