"""One configuration of the live engine, wherever it runs.

The app builds it once from its settings (:meth:`LiveConfig.from_settings`); the engine
in the app process is made from it (:meth:`LiveConfig.registry`), and so is the one in
the media worker, which receives it as JSON on its command line. Stages and fan-out
helpers get their share from the registry.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .ice import loopback_args
from .registry import LiveRegistry
from .stage import DEFAULT_MAX_PUBLISHERS, RecordingCallback


@dataclass(frozen=True)
class LiveConfig:
    """What every part of the live engine needs to know (see ``sessions/live/README.md``)."""

    spool_dir: Path
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    record: bool = True
    max_publishers: int = DEFAULT_MAX_PUBLISHERS
    video_bitrate: int = 1_000_000
    fanout_processes: int = 0
    renditions: bool = True  # FAIR_LIVE_RENDITIONS: a 640x360 picture of larger cameras too
    loopback: bool = False  # FAIR_LIVE_LOOPBACK_ICE: development on a loopback-only machine

    @classmethod
    def from_settings(cls, settings: Any) -> LiveConfig:
        return cls(
            spool_dir=Path(settings.spool_dir),
            ice_servers=list(settings.ice_server_list),
            record=bool(settings.record_sessions),
            fanout_processes=int(settings.live_fanout_processes),
            renditions=bool(settings.live_renditions),
            loopback=bool(settings.live_loopback_ice),
        )

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "spool_dir": str(self.spool_dir)})

    @classmethod
    def from_json(cls, text: str) -> LiveConfig:
        values = json.loads(text)
        return cls(**{**values, "spool_dir": Path(values["spool_dir"])})

    def registry(self, on_recording_finished: RecordingCallback | None = None) -> LiveRegistry:
        """The engine itself (in this process)."""
        return LiveRegistry(
            self.spool_dir,
            ice_servers=self.ice_servers,
            record=self.record,
            on_recording_finished=on_recording_finished,
            max_publishers=self.max_publishers,
            video_bitrate=self.video_bitrate,
            fanout_processes=self.fanout_processes,
            renditions=self.renditions,
            fanout_args=loopback_args(self.loopback),
        )
