"""Checks on untrusted SDP offers before aiortc sees them.

aiortc parses SDP leniently and raises assorted exceptions deep inside
``setRemoteDescription``; checking size, type and the media sections first gives the
caller a clear :class:`LiveError` and keeps a malformed offer from creating a peer at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import sdp as aiortc_sdp

from .errors import LiveError

MAX_SDP_BYTES = 64 * 1024


@dataclass(frozen=True)
class OfferMedia:
    """What an offer asks for, in m-line order: ``(kind, direction)`` per audio/video line."""

    lines: tuple[tuple[str, str], ...]

    def count(self, kind: str) -> int:
        """How many m-lines of ``kind`` ("audio" or "video") the offer has."""
        return sum(1 for k, _ in self.lines if k == kind)


def check_offer(sdp: str, sdp_type: str) -> OfferMedia:
    """Validate an offer's size, type and syntax; return its audio/video m-lines.

    Raises ``LiveError(413)`` for oversized and ``LiveError(400)`` for malformed offers or
    offers without audio or video.
    """
    if not isinstance(sdp, str) or not isinstance(sdp_type, str):
        raise LiveError(400, "offer must be a string SDP and a type")
    if len(sdp.encode("utf-8", "replace")) > MAX_SDP_BYTES:
        raise LiveError(413, f"offer larger than {MAX_SDP_BYTES} bytes")
    if sdp_type != "offer":
        raise LiveError(400, f"expected an SDP offer, got type {sdp_type[:20]!r}")
    if not sdp.startswith("v=0"):
        raise LiveError(400, "malformed SDP: must start with v=0")
    try:
        parsed = aiortc_sdp.SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc raises ValueError, KeyError, IndexError, ...
        raise LiveError(400, f"malformed SDP: {type(exc).__name__}") from None
    lines = tuple(
        (m.kind, m.direction or "sendrecv") for m in parsed.media if m.kind in ("audio", "video")
    )
    if not lines:
        raise LiveError(400, "offer has no audio or video")
    for media in parsed.media:
        if media.kind in ("audio", "video") and (
            media.ice is None or not media.ice.usernameFragment or media.dtls is None
        ):
            raise LiveError(400, "offer lacks ICE credentials or a DTLS fingerprint")
    return OfferMedia(lines=lines)
