"""The live fan-out benchmark's send path in isolation: ``ViewerStream.push`` for N
server-side viewer streams, no peers (``bench/live_fanout.py --send-path N``)."""

from __future__ import annotations

import asyncio
import os
import time


async def send_path(viewers: int, seconds: float) -> dict[str, float]:
    """CPU of ``ViewerStream.push`` alone: real SRTP sessions, UDP sockets and x264 frames.

    No peers, no load generators: each "viewer" is a server-side datagram transport with
    its own SRTP session sending to a receiving socket in this process that is drained
    between frames. Isolates the per-viewer cost from the machine's other load.
    """
    import fractions
    import socket
    from types import SimpleNamespace

    import av
    import pylibsrtp
    from aiortc.rtcdtlstransport import State
    from aiortc.rtcrtpparameters import (
        RTCRtpCodecParameters,
        RTCRtpHeaderExtensionParameters,
        RTCRtpParameters,
    )
    from aiortc.rtp import HeaderExtensionsMap

    from sessions.live.fanout import ViewerStream
    from sessions.live.frames import EncodedFrame, equal_run_start, packetize_h264

    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = 640, 360, "yuv420p"
    codec.time_base = fractions.Fraction(1, 90000)
    codec.framerate = fractions.Fraction(30, 1)
    codec.bit_rate = 1_000_000
    codec.options = {"preset": "ultrafast", "tune": "zerolatency", "x264-params": "keyint=60"}
    texture = os.urandom(700 * 420)
    video: list[EncodedFrame] = []
    for index in range(60):
        frame = av.VideoFrame(640, 360, "yuv420p")
        frame.planes[0].update(
            b"".join(
                texture[(y + index) * 700 + index : (y + index) * 700 + index + 640]
                for y in range(360)
            )
        )
        for plane in frame.planes[1:]:
            plane.update(b"\x80" * plane.buffer_size)
        frame.pts = index * 3000
        for packet in codec.encode(frame):
            payloads = packetize_h264(bytes(packet))
            video.append(EncodedFrame(payloads, index * 3000, 0, b"\x00\x00\x00",
                                      packet.is_keyframe, equal_run_start(payloads)))  # fmt: skip
    audio = EncodedFrame((os.urandom(160),), 0, 0, b"\x00\x00\x00", True, 1)

    loop = asyncio.get_running_loop()
    ext_map = HeaderExtensionsMap()
    ext_map.configure(RTCRtpParameters(headerExtensions=[
        RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
        RTCRtpHeaderExtensionParameters(
            id=3, uri="http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
    ]))  # fmt: skip
    streams: list[tuple[ViewerStream, ViewerStream]] = []
    sinks: list[socket.socket] = []
    transports = []
    for _ in range(viewers):
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))
        sink.setblocking(False)
        sinks.append(sink)
        transport, _protocol = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        transports.append(transport)
        policy = pylibsrtp.Policy(
            key=os.urandom(30), ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND,
            srtp_profile=pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
        )  # fmt: skip
        pair = SimpleNamespace(protocol=SimpleNamespace(transport=transport),
                               remote_addr=sink.getsockname())  # fmt: skip
        dtls = SimpleNamespace(_state=State.CONNECTED, _tx_srtp=pylibsrtp.Session(policy),
                               transport=SimpleNamespace(_connection=SimpleNamespace(
                                   _nominated={1: pair})))  # fmt: skip
        pair_streams = []
        for kind, payload_type in (("video", 102), ("audio", 111)):
            sender = SimpleNamespace(
                transport=dtls, _ssrc=int.from_bytes(os.urandom(4), "big"), _rtx_ssrc=1,
                _RTCRtpSender__rtx_payload_type=None, _RTCRtpSender__mid="0",
                _RTCRtpSender__rtp_header_extensions_map=ext_map,
            )  # fmt: skip
            parameters = RTCRtpCodecParameters(mimeType=f"{kind}/x", clockRate=90000,
                                               payloadType=payload_type)  # fmt: skip
            pair_streams.append(ViewerStream(sender, parameters, kind))  # type: ignore[arg-type]
        streams.append((pair_streams[0], pair_streams[1]))

    def drain() -> None:
        for sink in sinks:
            try:
                while True:
                    sink.recv(65536)
            except BlockingIOError:
                pass

    frames = int(seconds * 30)
    cpu = 0.0
    packets = 0
    for index in range(frames):
        frame = video[index % len(video)]
        started = time.thread_time()
        for video_stream, audio_stream in streams:
            video_stream.push(frame)
            audio_stream.push(audio)
            if index % 3 != 2:  # 50 audio packets per 30 video frames
                audio_stream.push(audio)
        cpu += time.thread_time() - started
        drain()
        await asyncio.sleep(0)
    for video_stream, audio_stream in streams:
        packets += video_stream.packets + audio_stream.packets
    for transport in transports:
        transport.close()
    for sink in sinks:
        sink.close()
    per_packet = cpu / packets * 1e6
    per_viewer_second = cpu / viewers / (frames / 30)
    return {"viewers": viewers, "packets": packets, "us_per_packet": per_packet,
            "core_percent_per_viewer": 100 * per_viewer_second,
            "packets_per_viewer_second": packets / viewers / (frames / 30)}  # fmt: skip
