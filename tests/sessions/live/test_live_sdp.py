"""Offer checks that run before aiortc sees untrusted SDP."""

from __future__ import annotations

import pytest

from fair.rtc.errors import LiveError
from fair.rtc.sdp import MAX_SDP_BYTES, check_offer, with_start_bitrate

OFFER = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\na=mid:0\r\n"
    "a=rtpmap:97 H264/90000\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\na=setup:actpass\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\na=mid:1\r\n"
    "a=rtpmap:96 opus/48000/2\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\na=setup:actpass\r\n"
)


def test_a_valid_offer_lists_its_media_lines() -> None:
    media = check_offer(OFFER, "offer")
    assert media.lines == (("video", "recvonly"), ("audio", "recvonly"))
    assert media.count("video") == 1


@pytest.mark.parametrize(
    ("sdp", "kind", "status"),
    [
        (OFFER + "a=x\r\n" * (MAX_SDP_BYTES // 4), "offer", 413),
        (OFFER, "answer", 400),
        ("", "offer", 400),
        ("\x00\xff garbage", "offer", 400),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "offer", 400),
        ("v=0\r\nm=video notaport RTP 1\r\n", "offer", 400),
        (OFFER.replace("a=ice-ufrag:abcd\r\n", ""), "offer", 400),
    ],
)
def test_bad_offers_raise_live_error(sdp: str, kind: str, status: int) -> None:
    with pytest.raises(LiveError) as info:
        check_offer(sdp, kind)
    assert info.value.status_code == status


ANSWER_SDP = "\r\n".join(
    [
        "v=0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102",
        "a=rtpmap:96 VP8/90000",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=rtpmap:102 H264/90000",
        "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f",
        "",
    ]
)


def test_publisher_answer_gets_bitrate_hints_on_video_codecs_only() -> None:
    hint = "x-google-start-bitrate=1500;x-google-min-bitrate=1000"
    lines = with_start_bitrate(ANSWER_SDP).split("\r\n")
    assert f"a=fmtp:96 {hint}" in lines  # VP8 had no fmtp line: one is added after rtpmap
    assert lines.index(f"a=fmtp:96 {hint}") == lines.index("a=rtpmap:96 VP8/90000") + 1
    assert f"a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;{hint}" in lines
    assert "a=fmtp:97 apt=96" in lines  # retransmission and audio untouched
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in lines
    assert sum("x-google" in line for line in lines) == 2
