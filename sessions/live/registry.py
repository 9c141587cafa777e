"""The registry of one engine's live stages: one :class:`~sessions.live.stage.LiveStage`
per programme session, created on first use and ended with the talk or the engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiortc import RTCSessionDescription

from .config import LiveConfig
from .stage import LiveStage, RecordingCallback, stage_description


class LiveRegistry:
    """Owns the live stages of the app; close it in the app's lifespan shutdown.

    Every stage gets the engine's ``config`` (:class:`~sessions.live.config.LiveConfig`:
    ICE servers, spool, limits, fan-out). With recording on, the stages spool fragmented
    MP4 files under ``config.spool_dir`` and call ``on_recording_finished(session_id,
    path, duration)`` when a stage ends; the callback uploads and deletes the file.
    """

    def __init__(
        self,
        config: LiveConfig | None = None,
        on_recording_finished: RecordingCallback | None = None,
    ) -> None:
        self.config = config or LiveConfig()
        self.on_recording_finished = on_recording_finished
        self._stages: dict[str, LiveStage] = {}

    def get(self, session_id: str) -> LiveStage | None:
        """The stage of ``session_id`` if one exists (live, paused or idle)."""
        return self._stages.get(session_id)

    def stage(self, session_id: str, record: bool = True) -> LiveStage:
        """The stage of ``session_id``, created on first use (the app checks permissions).

        ``record=False`` is the session's "do not record" flag: nothing is spooled.
        """
        stage = self._stages.get(session_id)
        if stage is None or stage.state == "ended":
            stage = LiveStage(
                session_id,
                self.config,
                record=record,
                on_recording_finished=self.on_recording_finished,
            )
            self._stages[session_id] = stage
        return stage

    async def publish(
        self,
        session_id: str,
        offer_sdp: str,
        offer_type: str,
        publisher_id: str,
        record: bool = True,
    ) -> RTCSessionDescription:
        """:meth:`LiveStage.publish` on the stage of ``session_id`` (created if needed)."""
        stage = self.stage(session_id, record)
        return await stage.publish(offer_sdp, offer_type, publisher_id)

    async def watch(
        self, session_id: str, offer_sdp: str, offer_type: str, record: bool = True
    ) -> RTCSessionDescription:
        """:meth:`LiveStage.watch`; a viewer may join before the speaker starts."""
        return await self.stage(session_id, record).watch(offer_sdp, offer_type)

    async def describe(self, session_id: str) -> dict[str, Any]:
        """:meth:`LiveStage.describe`, or an idle description if there is no stage yet."""
        stage = self._stages.get(session_id)
        if stage is None:
            return stage_description(self.config.max_publishers)
        return stage.describe()

    async def end(self, session_id: str) -> list[Path]:
        """End the stage of ``session_id`` (the talk is over) and forget it."""
        stage = self._stages.pop(session_id, None)
        return await stage.end() if stage is not None else []

    async def close(self) -> None:
        """End every stage: app shutdown. Recordings are finished and reported."""
        stages = list(self._stages.values())
        self._stages.clear()
        await asyncio.gather(*(stage.end() for stage in stages), return_exceptions=True)
