"""Live stage media engine: publishers' WebRTC in, one encode per track, fan-out to viewers.

Public API: :class:`LiveConfig` (one per engine, handed down to every part),
:class:`LiveRegistry` (one per app), :class:`LiveStage` (one per live
programme session), :func:`recover_spool` (recordings left over from a crash); its
refusals are :class:`fair.rtc.errors.LiveError` (with an HTTP status). See
``sessions/live/README.md`` and the module docstrings of :mod:`.stage` (viewer protocol)
and :mod:`.fanout` (send path).
"""

from .config import LiveConfig
from .recorder import SpooledRecording, recover_spool
from .registry import LiveRegistry
from .stage import LiveStage, StageState

__all__ = [
    "LiveConfig",
    "LiveRegistry",
    "LiveStage",
    "SpooledRecording",
    "StageState",
    "recover_spool",
]
