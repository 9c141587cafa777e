"""The programme's own running services, built by its start-up registration
(:func:`sessions.routes.register_app_hooks`) and reached through :func:`programme_parts`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from fair.app_services import app_services
from fair.realtime.announce import Announcer
from sessions.library import RecordingViews
from sessions.qa import PostingLimit


@dataclass
class ProgrammeParts:
    """The question announcer (tells a talk's page that its Q&A changed), the per-visitor
    question limit and the recordings' view counts (written in batches)."""

    question_announcer: Announcer
    question_limit: PostingLimit
    recording_views: RecordingViews


def programme_parts(where: HTTPConnection | Starlette) -> ProgrammeParts:
    return app_services(where).part(ProgrammeParts)
