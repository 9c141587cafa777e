"""URL table of the programme, and the start-up work the programme needs."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route, WebSocketRoute

from sessions import api, appearances, organiser, sockets, views
from sessions.chat import presence_announcer
from sessions.qa import PostingLimit, questions_announcer

routes: list[BaseRoute] = [
    Route("/", views.home, name="home"),
    Route("/programme", views.programme, name="programme"),
    Route("/agenda", views.agenda, name="agenda"),
    Route("/sessions/{session_id}", views.session_detail, name="session"),
    Route("/sessions/{session_id}/questions", views.post_question, methods=["POST"]),
    Route("/sessions/{session_id}/questions/{question_id}/vote", views.vote, methods=["POST"]),
    Route(
        "/sessions/{session_id}/questions/{question_id}/moderate",
        views.moderate,
        methods=["POST"],
    ),
    Route(
        "/sessions/{session_id}/questions/{question_id}/faq",
        views.question_to_faq,
        methods=["POST"],
    ),
    Route("/recordings", views.recordings, name="recordings"),
    Route("/speaker", appearances.my_appearances, name="appearances"),
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
    Route("/api/booths", api.booths),
    Route("/api/booths/{slug}", api.booth),
    Route("/api/sessions", api.sessions),
    Route("/api/sessions/{session_id}", api.session),
    Route("/api/recordings", api.recordings),
    Route("/api/openapi.json", api.openapi),
    WebSocketRoute("/ws/sessions/{session_id}", sockets.session_socket),
    WebSocketRoute("/ws/booths/{slug}", sockets.booth_socket),
]


def register_app_hooks(app: Starlette) -> None:
    """Start-up and shutdown work of the programme: the presence and Q&A announcers."""
    app.state.presence = presence_announcer(app.state.hub)
    app.state.questions = questions_announcer(app.state.hub, app.state.db)
    app.state.question_limit = PostingLimit()

    async def close_announcers(app: Starlette) -> None:
        await app.state.presence.close()
        await app.state.questions.close()

    app.state.shutdown_hooks.append(close_announcers)
