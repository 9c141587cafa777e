"""Checks on untrusted SDP offers before aiortc sees them.

aiortc parses SDP leniently and raises assorted exceptions deep inside
``setRemoteDescription``; checking size, type and the media sections first gives the
caller a clear :class:`LiveError` and keeps a malformed offer from creating a peer at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import sdp as aiortc_sdp

from fair.rtc.errors import LiveError

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


PUBLISHER_START_KBPS = 1500  # enough for a browser to start a 720p camera at 720p
PUBLISHER_MIN_KBPS = 1000  # the top rendition's own bitrate: less cannot give 720p


def with_start_bitrate(
    sdp: str, kbps: int = PUBLISHER_START_KBPS, min_kbps: int = PUBLISHER_MIN_KBPS
) -> str:
    """The publisher's answer with start and minimum bitrate hints on every video codec.

    Chromium starts sending at 300 kbit/s and, for a 720p camera, at a smaller picture;
    it raises the resolution only as its bandwidth estimate grows. The estimate comes
    from aiortc's REMB, whose delay-based detector reads a busy server's scheduling jitter
    as congestion, so in tests/sessions/live/test_live_720p_browser.py Chromium stayed at 640x360 or
    960x540 ("bandwidth" limited) for over a minute. Starting at 1.5 Mbit/s and never
    going below 1 Mbit/s (what the top rendition is encoded at anyway) lets it send 720p
    within seconds. The price: a speaker whose uplink cannot carry 1 Mbit/s loses packets
    instead of lowering the rate (the viewers' picture then repairs itself by keyframes).
    Browsers that do not know these parameters ignore them.
    """
    hint = f"x-google-start-bitrate={kbps};x-google-min-bitrate={min_kbps}"
    lines = sdp.split("\r\n")
    out: list[str] = []
    in_video = False
    fmtp: dict[str, int] = {}
    for line in lines:
        if line.startswith("m="):
            in_video = line.startswith("m=video")
        if in_video and line.startswith("a=fmtp:"):
            fmtp[line[7:].split(" ", 1)[0]] = len(out)
        out.append(line)
    in_video = False
    result: list[str] = []
    for line in out:
        if line.startswith("m="):
            in_video = line.startswith("m=video")
        if in_video and line.startswith("a=fmtp:") and "apt=" not in line:
            line += f";{hint}"
        result.append(line)
        if in_video and line.startswith("a=rtpmap:"):
            payload_type, name = line[9:].split(" ", 1)
            codec = name.split("/", 1)[0].lower()
            if payload_type not in fmtp and codec not in ("rtx", "red", "ulpfec"):
                result.append(f"a=fmtp:{payload_type} {hint}")
    return "\r\n".join(result)
