"""One configuration of the live engine, wherever it runs.

The app builds it once from its settings (:meth:`LiveConfig.from_settings`) and hands it
down: to the :class:`~sessions.live.registry.LiveRegistry` in the app process, or as JSON
on the command line to the media worker, which gives it to its registry; the registry
gives it to each :class:`~sessions.live.stage.LiveStage`, and a stage to its fan-out
helpers (:class:`~sessions.live.relay.FanoutProcess`, again as JSON). So every part reads
the same values and a new setting is added in one place.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fair.settings import Settings

DEFAULT_MAX_PUBLISHERS = 6


@dataclass(frozen=True)
class LiveConfig:
    """What every part of the live engine needs to know (see ``sessions/live/README.md``).

    ``spool_dir`` None: nothing is recorded (tests and benchmarks of the send path).
    """

    spool_dir: Path | None = None
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    record: bool = True
    max_publishers: int = DEFAULT_MAX_PUBLISHERS
    video_bitrate: int = 1_000_000
    fanout_processes: int = 0
    renditions: bool = True  # FAIR_LIVE_RENDITIONS: a 640x360 picture of larger cameras too
    loopback: bool = False  # FAIR_LIVE_LOOPBACK_ICE: development on a loopback-only machine

    @classmethod
    def from_settings(cls, settings: Settings) -> LiveConfig:
        return cls(
            spool_dir=Path(settings.spool_dir),
            ice_servers=list(settings.ice_server_list),
            record=bool(settings.record_sessions),
            fanout_processes=int(settings.live_fanout_processes),
            renditions=bool(settings.live_renditions),
            loopback=bool(settings.live_loopback_ice),
        )

    @property
    def records(self) -> bool:
        """True if stages spool recordings (recording on and a spool to write to)."""
        return self.record and self.spool_dir is not None

    def to_json(self) -> str:
        """The form a child process (media worker, fan-out helper) receives."""
        spool = str(self.spool_dir) if self.spool_dir is not None else None
        return json.dumps({**asdict(self), "spool_dir": spool})

    @classmethod
    def from_json(cls, text: str) -> LiveConfig:
        values = json.loads(text)
        spool = values.get("spool_dir")
        return cls(**{**values, "spool_dir": Path(spool) if spool is not None else None})
