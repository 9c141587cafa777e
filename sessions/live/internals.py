"""Every private attribute of aiortc, aioice, pylibsrtp (and asyncio) the engine uses.

The lean send path and the SDP tweaks reach behind these libraries' public API (see the
README's design notes); a release that renames any of these breaks live media quietly or
at the first viewer. :func:`missing_private_api` builds the real objects and checks the
whole list at once: a test runs it (so upgrading a pinned version fails CI, not an
event), and the engine runs it before its first start (so a broken install says what
is wrong instead of failing mid-talk). Keep the list complete: one line per use, named
by the file that uses it (in sessions/live, or a path from the repository root for the
load generators in tests/support and the benchmarks in bench/, which hook in below aiortc
too); tests/sessions/live/test_live_internals.py scans the app packages, tests/support
and bench/ and fails on a private name that is not listed here.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

# (where it is used, object description, attribute)
USES: tuple[tuple[str, str, str], ...] = (
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__rtp_started"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__rtp_exited"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__mid"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__rtp_header_extensions_map"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__rtx_payload_type"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__ntp_timestamp"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__rtp_timestamp"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__packet_count"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__octet_count"),
    ("fanout.py", "RTCRtpSender", "_RTCRtpSender__stats"),
    ("fanout.py", "RTCRtpSender", "_ssrc"),
    ("fanout.py", "RTCRtpSender", "_rtx_ssrc"),
    ("fanout.py", "RTCRtpSender", "_run_rtp"),
    ("fanout.py", "RTCRtpSender", "_retransmit"),
    ("fanout.py", "RTCRtpSender", "_send_keyframe"),
    ("fanout.py", "HeaderExtensionsMap", "_HeaderExtensionsMap__ids"),
    ("fanout.py", "RTCDtlsTransport", "_state"),
    ("fanout.py", "RTCDtlsTransport", "_tx_srtp"),
    ("fanout.py", "RTCDtlsTransport", "_send_rtp"),
    ("fanout.py", "RTCIceTransport", "_connection"),
    ("fanout.py", "aioice.Connection", "_nominated"),
    ("fanout.py", "pylibsrtp.Session", "_srtp"),
    ("fanout.py", "pylibsrtp._binding", "ffi"),
    ("fanout.py", "pylibsrtp._binding.lib", "srtp_protect"),
    ("fanout.py", "asyncio datagram transport", "_buffer"),
    ("fanout.py", "asyncio datagram transport", "_sock"),
    ("viewers.py", "RTCRtpTransceiver", "_offerDirection"),
    ("viewers.py", "RTCRtpTransceiver", "_codecs"),
    ("viewers.py", "RTCRtpTransceiver", "_headerExtensions"),
    ("frames.py", "H264Encoder", "_split_bitstream"),
    ("frames.py", "H264Encoder", "_packetize"),
    ("video_pipeline.py", "RemoteStreamTrack", "_queue"),
    ("ice.py", "aioice.ice", "get_host_addresses"),
    # the load generators and benchmarks (paths from the repository root)
    ("tests/support/light_receiver.py", "RTCIceTransport", "_connection"),
    ("tests/support/light_receiver.py", "aioice.Connection", "_protocols"),
    ("tests/support/light_pump.py", "asyncio datagram transport", "pause_reading"),
    ("tests/support/loadgen.py", "RTCIceTransport", "_connection"),
    ("tests/support/loadgen.py", "aioice.Connection", "_protocols"),
    ("bench/live_fanout.py", "RTCRtpSender", "_RTCRtpSender__packet_count"),
    ("bench/live_fanout_send_path.py", "RTCRtpSender", "_RTCRtpSender__mid"),
    ("bench/live_fanout_send_path.py", "RTCRtpSender", "_RTCRtpSender__rtp_header_extensions_map"),
    ("bench/live_fanout_send_path.py", "RTCRtpSender", "_RTCRtpSender__rtx_payload_type"),
)


def _selector_datagram_transport() -> Any:
    """A (closed) UDP transport of asyncio's selector loop, as the media worker uses."""
    loop = asyncio.SelectorEventLoop()
    try:
        transport, _ = loop.run_until_complete(
            loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0), family=socket.AF_INET
            )
        )
        transport.close()  # the attributes stay (set to None), the socket is released
        loop.run_until_complete(asyncio.sleep(0))
        return transport
    finally:
        loop.close()


async def _objects() -> dict[str, Any]:
    """One real instance (or module/class) per description in :data:`USES`."""
    import aioice
    import aioice.ice
    import pylibsrtp
    import pylibsrtp._binding
    from aiortc import RTCPeerConnection
    from aiortc.codecs.h264 import H264Encoder
    from aiortc.rtcrtpreceiver import RemoteStreamTrack
    from aiortc.rtp import HeaderExtensionsMap

    pc = RTCPeerConnection()
    transceiver = pc.addTransceiver("video")
    sender = transceiver.sender
    policy = pylibsrtp.Policy(key=bytes(30), ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND)
    # the media worker runs asyncio's own loop (the app may run uvloop): check that one
    transport = await asyncio.to_thread(_selector_datagram_transport)
    try:
        return {
            "RTCRtpSender": sender,
            "HeaderExtensionsMap": HeaderExtensionsMap(),
            "RTCDtlsTransport": sender.transport,
            "RTCIceTransport": sender.transport.transport,
            "aioice.Connection": aioice.Connection(ice_controlling=True),
            "pylibsrtp.Session": pylibsrtp.Session(policy=policy),
            "pylibsrtp._binding": pylibsrtp._binding,
            "pylibsrtp._binding.lib": pylibsrtp._binding.lib,
            "asyncio datagram transport": transport,
            "RTCRtpTransceiver": transceiver,
            "H264Encoder": H264Encoder,
            "RemoteStreamTrack": RemoteStreamTrack(kind="video"),
            "aioice.ice": aioice.ice,
        }
    finally:
        await pc.close()


async def missing_private_api() -> list[str]:
    """``"<file>: <object>.<attribute>"`` for every private attribute that is gone."""
    try:
        objects = await _objects()
    except Exception as exc:  # an import or constructor moved: that is the finding
        return [f"building the objects to check failed: {exc!r}"]
    return [
        f"{where}: {kind}.{name}" for where, kind, name in USES if not hasattr(objects[kind], name)
    ]
