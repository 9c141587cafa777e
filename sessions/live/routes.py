"""The URL table of the live stage and a talk's recordings: the stage's views are
:mod:`sessions.live.live_stage_views`, a recording's playback and publishing
:mod:`sessions.recording_views`, uploads and panel compositions
:mod:`sessions.recording_uploads`, live HLS :mod:`sessions.live.hls_views`."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from sessions.live.hls_views import hls_file
from sessions.live.live_stage_views import live_status, publish, stage_page, steer_stage, watch
from sessions.recording_uploads import compose_panel, recording_opt_out, upload_recording
from sessions.recording_views import recording_media, toggle_recording

routes: list[BaseRoute] = [
    Route("/sessions/{session_id}/stage", stage_page, name="stage"),
    Route("/sessions/{session_id}/live", live_status, name="live_status"),
    Route("/sessions/{session_id}/live/publish", publish, methods=["POST"]),
    Route("/sessions/{session_id}/live/watch", watch, methods=["POST"]),
    Route("/sessions/{session_id}/live/{action:str}", steer_stage, methods=["POST"]),
    Route("/sessions/{session_id}/recordings/compose", compose_panel, methods=["GET", "POST"]),
    Route("/sessions/{session_id}/recordings/{recording_id}", recording_media),
    Route("/sessions/{session_id}/hls/{name:path}", hls_file, name="hls_file"),
    Route("/sessions/{session_id}/recordings/upload", upload_recording, methods=["POST"]),
    Route("/sessions/{session_id}/recording-opt-out", recording_opt_out, methods=["POST"]),
    Route(
        "/sessions/{session_id}/recordings/{recording_id}/publish",
        toggle_recording,
        methods=["POST"],
    ),
]
