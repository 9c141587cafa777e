"""URL table of the programme, and the start-up work the programme needs."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route, WebSocketRoute

from fair import audit
from fair.app_services import app_services
from fair.models import Role
from sessions import (
    api,
    host_marks,
    material_views,
    organisation_views,
    organiser,
    publish_views,
    question_views,
    recording_views,
    search_views,
    series_views,
    sockets,
    speaker_views,
    stage_views,
    topic_views,
    views,
)
from sessions.app_parts import ProgrammeParts
from sessions.library import RecordingViews
from sessions.qa import PostingLimit, questions_announcer
from sessions.search import ensure_programme_index
from sessions.team import linked_speaker

routes: list[BaseRoute] = [
    Route("/", views.home, name="home"),
    Route("/programme", views.programme, name="programme"),
    Route("/agenda", views.agenda, name="agenda"),
    Route("/sessions/{session_id}", views.session_detail, name="session"),
    Route("/sessions/{session_id}/questions", question_views.post_question, methods=["POST"]),
    Route(
        "/sessions/{session_id}/questions/{question_id}/vote", question_views.vote, methods=["POST"]
    ),
    Route(
        "/sessions/{session_id}/questions/{question_id}/moderate",
        question_views.mark_question,
        methods=["POST"],
    ),
    Route(
        "/sessions/{session_id}/questions/{question_id}/faq",
        question_views.question_to_faq,
        methods=["POST"],
    ),
    Route("/sessions/{session_id}/materials", material_views.manage_page),
    Route("/sessions/{session_id}/materials", material_views.upload, methods=["POST"]),
    Route(
        "/sessions/{session_id}/materials/{material_id}", material_views.rename, methods=["POST"]
    ),
    Route(
        "/sessions/{session_id}/materials/{material_id}/move",
        material_views.move,
        methods=["POST"],
    ),
    Route(
        "/sessions/{session_id}/materials/{material_id}/delete",
        material_views.delete,
        methods=["POST"],
    ),
    Route("/sessions/{session_id}/materials/{material_id}/download.{ext}", material_views.download),
    Route("/recordings", recording_views.library, name="recordings"),
    Route("/recordings/{recording_id}", recording_views.player, name="recording"),
    Route("/recordings/{recording_id}/chapters.vtt", recording_views.chapters_file),
    Route("/recordings/{recording_id}/captions/{language}.vtt", recording_views.captions_file),
    Route("/recordings/{recording_id}/poster.jpg", recording_views.poster),
    Route("/recordings/{recording_id}/chapters", recording_views.edit_chapters, methods=["POST"]),
    Route("/recordings/{recording_id}/captions", recording_views.upload_captions, methods=["POST"]),
    Route("/search", search_views.search_page, name="search"),
    Route("/speaker", speaker_views.my_appearances, name="speaker"),
    Route("/schedule.{ext}", views.schedule_export, name="schedule_export"),
    Route("/organiser/programme", organiser.programme_admin),
    Route("/organiser/programme/new", organiser.new_session, methods=["GET", "POST"]),
    Route("/organiser/programme/import", organiser.import_page, methods=["GET", "POST"]),
    Route(
        "/organiser/programme/{session_id}/edit",
        organiser.edit_session,
        methods=["GET", "POST"],
    ),
    Route("/organiser/programme/{session_id}/move", organiser.move, methods=["POST"]),
    Route("/organiser/programme/{session_id}/cancel", organiser.cancel, methods=["POST"]),
    Route("/organiser/faq", organiser.faq_admin, methods=["GET", "POST"]),
    Route("/organiser/archive", organiser.archive_switch, methods=["POST"]),
    Route("/api/booths", api.booths),
    Route("/api/booths/{slug}", api.booth),
    Route("/api/sessions", api.sessions),
    Route("/api/sessions/{session_id}", api.session),
    Route("/api/recordings", api.recordings),
    Route("/api/openapi.json", api.openapi),
    WebSocketRoute("/ws/sessions/{session_id}", sockets.session_socket),
    WebSocketRoute("/ws/programme", sockets.programme_socket),
    *organisation_views.routes,
    *publish_views.routes,
    *series_views.routes,
    *stage_views.routes,
    *topic_views.routes,
    *host_marks.routes,
]


def register_app_hooks(app: Starlette) -> None:
    """Start-up and shutdown work of the programme: the Q&A announcer, the recordings'
    view counts, the audit trail's retention, the programme's search index; who is linked
    to a speaker has pages of their own (no shared attendee render)."""
    parts = ProgrammeParts(
        question_announcer=questions_announcer(app_services(app).hub, app_services(app).db),
        question_limit=PostingLimit(),
        recording_views=RecordingViews(app_services(app).db),
    )
    app_services(app).add_part(parts)
    app_services(app).own_pages[Role.speaker] = linked_speaker

    async def close_announcers(app: Starlette) -> None:
        await parts.question_announcer.close()

    app_services(app).shutdown_hooks.append(close_announcers)

    parts.recording_views.run_with(app_services(app))

    async def purge_audit_trail(app: Starlette) -> None:
        async with app_services(app).db.session() as db:
            await audit.purge_expired(db, app_services(app).settings.audit_retention_days)
            await db.commit()

    app_services(app).startup_hooks.append(purge_audit_trail)

    async def fill_programme_index(app: Starlette) -> None:
        async with app_services(app).db.session() as db:
            if await ensure_programme_index(db):
                await db.commit()

    app_services(app).startup_hooks.append(fill_programme_index)
