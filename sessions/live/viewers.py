"""Answering a viewer's offer: which m-line shows which seat, and which codecs.

Shared by the stage (viewers in the engine's process) and the fan-out helper processes
(:mod:`sessions.live.relay`), so both answer viewers identically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from fair.rtc.errors import LiveError
from fair.rtc.sdp import check_offer

from . import fanout

FeedFor = Callable[[int, str], fanout.Feed]


class SeatTrack(MediaStreamTrack):
    """Placeholder track that makes a viewer transceiver ``sendonly``.

    Its frames never pass through ``recv``: :func:`fanout.install` replaces the sender's
    loop by a subscription to the seat's feed.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def recv(self) -> Any:
        raise MediaStreamError


async def answer_viewer(
    config: RTCConfiguration,
    offer_sdp: str,
    offer_type: str,
    max_seats: int,
    feed_for: FeedFor,
) -> RTCPeerConnection:
    """Check the offer, bind its i-th video/audio m-line to seat i, answer; return the peer.

    Raises :class:`LiveError` (and closes the peer) for offers the stage cannot serve.
    """
    media = check_offer(offer_sdp, offer_type)
    if max(media.count("video"), media.count("audio")) > max_seats:
        raise LiveError(400, f"offer at most {max_seats} video and audio lines")
    if not any(direction in ("recvonly", "sendrecv") for _, direction in media.lines):
        raise LiveError(400, "viewer offer receives no media")
    pc = RTCPeerConnection(config)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, offer_type))
        counters = {"audio": 0, "video": 0}
        for transceiver in pc.getTransceivers():
            kind = transceiver.kind
            index = counters[kind]
            counters[kind] += 1
            if transceiver._offerDirection not in ("sendonly", "sendrecv"):
                continue  # the viewer does not want to receive on this line
            if kind == "video":
                _prefer_h264(transceiver)
            else:
                _prefer_opus(transceiver)
            transceiver.sender.replaceTrack(SeatTrack(kind))
            transceiver.direction = "sendonly"
            fanout.install(transceiver.sender, feed_for(index, kind))
        await pc.setLocalDescription(await pc.createAnswer())
    except LiveError:
        await pc.close()
        raise
    except Exception as exc:
        await pc.close()
        raise LiveError(400, f"offer not accepted: {type(exc).__name__}") from None
    return pc


def _prefer_opus(transceiver: RTCRtpTransceiver) -> None:
    """Answer audio with Opus only: the shared encoder's packets are Opus."""
    opus = [c for c in transceiver._codecs if c.mimeType.lower() == "audio/opus"]
    if not opus:
        raise LiveError(415, "viewer must accept Opus audio")
    transceiver._codecs = opus[:1]


def _prefer_h264(transceiver: RTCRtpTransceiver) -> None:
    """Answer video with H.264 only: what the shared encoder produces and Safari plays.

    Also leave out REMB feedback and the abs-send-time extension it relies on: the shared
    encoder's bitrate cannot follow one viewer's estimate, so each REMB would only cost the
    server an RTCP packet to decrypt and parse per viewer and second.
    """
    codecs = transceiver._codecs
    h264 = [c for c in codecs if c.mimeType.lower() == "video/h264"]
    if not h264:
        raise LiveError(415, "viewer must accept H.264 video (packetization-mode 1)")
    chosen = h264[0]
    chosen.rtcpFeedback = [f for f in chosen.rtcpFeedback if f.type != "goog-remb"]
    rtx = [
        c
        for c in codecs
        if c.mimeType.lower() == "video/rtx" and c.parameters.get("apt") == chosen.payloadType
    ]
    transceiver._codecs = [chosen, *rtx]
    transceiver._headerExtensions = [
        e for e in transceiver._headerExtensions if not e.uri.endswith("abs-send-time")
    ]
