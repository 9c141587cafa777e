"""Packetizing once for everyone: H.264 payloads, equal-size runs, NACK rebuilds."""

from __future__ import annotations

import fractions
import os
import socket
from types import SimpleNamespace

import av
from aiortc.codecs.h264 import H264PayloadDescriptor
from aiortc.rtp import RtpPacket

from sessions.live.frames import FU_A_CHUNK, equal_run_start, packetize_h264
from tests.support.live_helpers import allow_loopback, publishing, viewer, wait_for


def encoded_frames(count: int = 3) -> list[bytes]:
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = 640, 360, "yuv420p"
    codec.time_base = fractions.Fraction(1, 90000)
    codec.options = {"preset": "ultrafast", "tune": "zerolatency"}
    out = []
    for index in range(count):
        frame = av.VideoFrame(640, 360, "yuv420p")
        for plane in frame.planes:
            plane.update(os.urandom(plane.buffer_size))
        frame.pts = index * 3000
        out += [bytes(p) for p in codec.encode(frame)]
    return out


def depacketize(payloads: tuple[bytes, ...]) -> bytes:
    return b"".join(H264PayloadDescriptor.parse(p)[1] for p in payloads)


def normalize(annexb: bytes) -> list[bytes]:
    return [nal for nal in annexb.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(
        b"\x00\x00\x01") if nal]  # fmt: skip


def test_payloads_carry_the_frame_and_end_in_an_equal_size_run() -> None:
    for data in encoded_frames():
        payloads = packetize_h264(data)
        assert normalize(depacketize(payloads)) == normalize(data)
        assert all(len(p) <= 1300 for p in payloads)
        start = equal_run_start(payloads)
        run = payloads[start:]
        assert len(run) >= 2  # noise at 640x360 needs several packets per frame
        assert {len(p) for p in run[:-1]} == {FU_A_CHUNK + 2}
        assert len(run[-1]) <= FU_A_CHUNK + 2


def test_equal_run_start_edge_cases() -> None:
    assert equal_run_start(()) == 0
    assert equal_run_start((b"a",)) == 1
    assert equal_run_start((b"aaaa", b"bb", b"bb", b"b")) == 1
    assert equal_run_start((b"bb", b"bb", b"bbb")) == 3  # last larger: no run


async def test_a_nacked_packet_is_rebuilt_as_sent() -> None:
    allow_loopback()
    from sessions.live import LiveStage

    stage = LiveStage("nack")
    publisher = await publishing(stage, audio=False)
    watcher = await viewer(stage, decode=False)
    await wait_for(lambda: watcher.video_frames[0] > 10)
    [stream] = stage._seats[0].video.subscribers
    sequence = (stream._seq - 1) & 0xFFFF  # type: ignore[attr-defined]
    data = stream._rebuild(sequence)  # type: ignore[attr-defined]
    assert data is not None
    packet = RtpPacket.parse(data)
    assert packet.sequence_number == sequence and packet.marker == 1
    assert packet.ssrc == stream.sender._ssrc  # type: ignore[attr-defined]
    frame = stream._history_frames[sequence % len(stream._history_frames)]  # type: ignore[attr-defined]
    assert packet.payload == frame.payloads[-1]
    assert stream._rebuild((stream._seq + 5) & 0xFFFF) is None  # type: ignore[attr-defined]
    await stage.end()
    await watcher.close()
    await publisher.close()


class _Transport:
    """A datagram transport stand-in whose queue size the test controls."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer: list[bytes] = []
        self.backlog = 0

    def get_write_buffer_size(self) -> int:
        return self.backlog

    def sendto(self, data: bytes, addr: object) -> None:
        self._buffer.append(data)


def test_a_lagging_viewer_drops_video_until_the_next_keyframe() -> None:
    import pylibsrtp
    from aiortc.rtcdtlstransport import State
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters
    from aiortc.rtp import HeaderExtensionsMap

    from sessions.live.fanout import MAX_WRITE_BUFFER, ViewerStream
    from sessions.live.frames import EncodedFrame

    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(1)
    sender_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    transport = _Transport(sender_socket)
    policy = pylibsrtp.Policy(key=os.urandom(30), ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND)
    pair = SimpleNamespace(protocol=SimpleNamespace(transport=transport),
                           remote_addr=sink.getsockname())  # fmt: skip
    dtls = SimpleNamespace(_state=State.CONNECTED, _tx_srtp=pylibsrtp.Session(policy),
                           transport=SimpleNamespace(_connection=SimpleNamespace(
                               _nominated={1: pair})))  # fmt: skip
    extensions = HeaderExtensionsMap()  # none negotiated
    sender = SimpleNamespace(transport=dtls, _ssrc=1234, _rtx_ssrc=5,
                             _RTCRtpSender__rtx_payload_type=None, _RTCRtpSender__mid="0",
                             _RTCRtpSender__rtp_header_extensions_map=extensions)  # fmt: skip
    stream = ViewerStream(sender, RTCRtpCodecParameters("video/H264", 90000, payloadType=102),
                          "video")  # type: ignore[arg-type]  # fmt: skip

    def frame(key: bool, number: int) -> EncodedFrame:
        return EncodedFrame((bytes([0x65 if key else 0x41]) + bytes(200),), number * 3000, 0,
                            b"\x00\x00\x00", key, 1)  # fmt: skip

    stream.push(frame(False, 0))
    assert stream.packets == 0  # a new viewer starts at a keyframe
    stream.push(frame(True, 1))
    assert stream.packets == 1 and len(sink.recv(2000)) == 12 + 201 + 10  # header, payload, tag
    transport.backlog = MAX_WRITE_BUFFER + 1
    stream.push(frame(False, 2))
    assert stream.dropped == 1 and stream.waiting_for_keyframe
    transport.backlog = 0
    stream.push(frame(False, 3))
    assert stream.packets == 1  # still waiting for a keyframe
    stream.push(frame(True, 4))
    assert stream.packets == 2 and not stream.waiting_for_keyframe
    sink.close()
    sender_socket.close()
