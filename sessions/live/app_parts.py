"""The live stage's own running services, built by :func:`register_live_hooks` (wired by
the app factory) and reached, typed, through :func:`live_parts`.

They live here, not on ``app.state``, so every view that talks to the engine, the spool
archive or the HLS audience gets them with their types (no ``Any`` between a request and
the media engine), and the stage views (:mod:`sessions.live.live_stage_views`) only
parse, authorize and answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from fair.app_services import app_services
from sessions.compositions import Compositions
from sessions.live.archive import RecordingArchive
from sessions.live.config import LiveConfig
from sessions.live.engine import LiveEngine
from sessions.live.hls_audience import HlsAudience
from sessions.live.ice import allow_loopback_candidates
from sessions.live.session_state import pause_interrupted, store_live_state
from sessions.models import LiveState


@dataclass
class LiveParts:
    """The supervised media engine, the spool archive (live HLS and the recordings), the
    panel compositions and the HLS audience (the limit on WebRTC offers is the core's,
    :mod:`fair.rtc.signalling`, shared with the booths' call relay)."""

    engine: LiveEngine
    archive: RecordingArchive
    compositions: Compositions
    hls_audience: HlsAudience


def live_parts(where: HTTPConnection | Starlette) -> LiveParts:
    """The live services of the app serving ``where`` (a request, a WebSocket or the app)."""
    return app_services(where).part(LiveParts)


def register_live_hooks(app: Starlette) -> None:
    """Build the live services; at start-up recover the spool and watch it, at shutdown end
    every stage (and so finish and store every recording)."""
    services = app_services(app)
    settings = services.settings
    spool_dir = Path(settings.spool_dir)

    def fair_now() -> datetime:
        """The fair's clock as every page reads it now (tests move it, ``FAIR_TODAY``)."""
        return services.settings.now()

    async def talk_over(session_id: int) -> None:
        """An interrupted talk nobody continued is past its time: it has ended."""
        await store_live_state(services.db, services.hub, fair_now(), session_id, LiveState.ended)

    archive = RecordingArchive(
        services.db, services.storage, spool_dir, clock=fair_now, on_talk_over=talk_over
    )

    async def worker_lost() -> None:
        """The media worker died: keep its parts, mark its talks paused."""
        interrupted = await archive.recover()
        await pause_interrupted(services.db, services.hub, fair_now(), interrupted)

    parts = LiveParts(
        engine=LiveEngine(
            LiveConfig.from_settings(settings),
            in_worker=settings.live_worker,
            on_recording_finished=archive.on_recording_finished,
            on_worker_lost=worker_lost,
        ),
        archive=archive,
        compositions=Compositions(services.db, services.storage),
        hls_audience=HlsAudience(),
    )
    services.add_part(parts)

    async def start(app: Starlette) -> None:
        await asyncio.to_thread(spool_dir.mkdir, parents=True, exist_ok=True)
        if settings.live_loopback_ice:  # development only; refused in production mode
            allow_loopback_candidates()
        await worker_lost()  # at start-up every part still being written was interrupted
        archive.start()  # live HLS: segments go to storage as they close

    async def stop(app: Starlette) -> None:
        await parts.compositions.close()
        await parts.engine.close()
        await archive.close()

    services.startup_hooks.append(start)
    services.shutdown_hooks.append(stop)
