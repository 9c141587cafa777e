"""The lean per-viewer send path: header rewrite, SRTP, sendto, nothing else.

aiortc's stock ``RTCRtpSender`` runs one task per viewer that awaits the track, packetizes
the frame again, builds ``RtpPacket`` objects and awaits the transport for every packet:
about 40 µs per packet per viewer, which caps a 2-core machine far below 550 viewers.
Here each frame is packetized once (:class:`~sessions.live.frames.EncodedFrame`) and the
pipeline calls :meth:`ViewerStream.push` for every viewer synchronously: per packet only a
12-byte header (the viewer's SSRC, sequence number and timestamp offset) plus the viewer's
constant header extensions are prepended, the result is SRTP-protected and handed to the
UDP socket of the nominated ICE pair. UDP ``sendto`` never waits, so there is no per-viewer
task or queue; the bounded per-viewer queue is the socket's write buffer: when it exceeds
:data:`MAX_WRITE_BUFFER` the viewer is lagging and video is dropped until the next keyframe.

Everything else stays aiortc's: ICE, DTLS, RTCP receiver reports, sender reports (we keep
its counters current) and NACK (answered from a small per-viewer history, as RTX when
negotiated). PLI/FIR from a viewer go to the shared encoder's rate-limited keyframe request.

This reaches into ``RTCRtpSender``/``RTCDtlsTransport``/aioice/pylibsrtp private
attributes; :mod:`.internals` lists every one, a test fails if a pinned version moves one,
and the engine refuses to start on such an install.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import threading
from typing import Any, Protocol

from aiortc import RTCRtpSender
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import random_sequence_number
from aiortc.utils import random32
from pylibsrtp._binding import ffi as _ffi
from pylibsrtp._binding import lib as _srtp_lib

from .frames import EncodedFrame, Subscriber

HEADER = struct.Struct("!BBHII")
HISTORY_SIZE = 512  # packets kept per viewer for NACK: ~3 s of video at 1 Mbps
LOSS_LIMIT = 0.05  # share of packets a viewer may lose before "auto" gives it less
MAX_WRITE_BUFFER = 256 * 1024  # bytes queued in a viewer's socket before it counts as lagging

_SENDER_PREFIX = "_RTCRtpSender__"
_srtp_protect = _srtp_lib.srtp_protect
SRTP_TRAILER = 16  # room libsrtp may append (10-byte tag for the default profile)
SCRATCH_SIZE = 60_000  # below the 64 KB a single GSO send may carry
UDP_SEGMENT = 103  # linux/udp.h; socket.UDP_SEGMENT is not exported by every Python
GSO_MAX_SEGMENTS = 64
_scratch_local = threading.local()


def _scratch() -> tuple[Any, memoryview, Any]:
    """This thread's packet buffer (C array, memoryview of it, length cell).

    Pushes run synchronously on the event loop's thread; a buffer per thread keeps two
    event loops in one process (tests, embedded servers) from sharing it.
    """
    try:
        buffers: tuple[Any, memoryview, Any] = _scratch_local.buffers
        return buffers
    except AttributeError:
        cdata = _ffi.new("char[]", SCRATCH_SIZE)
        buffers = (cdata, memoryview(_ffi.buffer(cdata)), _ffi.new("int *"))
        _scratch_local.buffers = buffers
        return buffers


_gso = {"enabled": sys.platform == "linux"}


def _send(
    transport: Any, addr: tuple[str, int], view: memoryview, ends: list[int], run_start: int
) -> None:
    """Send the protected packets ending at ``ends``; the tail from ``run_start`` via GSO."""
    if not ends:
        return
    if len(ends) == 1 and not transport._buffer:  # most frequent: one audio packet
        try:
            transport._sock.sendto(view[: ends[0]], addr)
            return
        except (BlockingIOError, InterruptedError):
            pass  # fall through: asyncio queues it
        except OSError:
            return
    if transport._buffer:  # earlier packets wait in asyncio's queue: keep the order
        begin = 0
        for end in ends:
            transport.sendto(bytes(view[begin:end]), addr)
            begin = end
        return
    sock = transport._sock
    begin = 0
    index = 0
    count = len(ends)
    try:
        while index < count:
            if _gso["enabled"] and index >= run_start and count - index >= 2:
                segment = ends[index] - begin
                stop = min(count, index + GSO_MAX_SEGMENTS)
                if ends[stop - 2] - begin == segment * (stop - 1 - index):
                    try:
                        sock.sendmsg(
                            [view[begin : ends[stop - 1]]],
                            [(socket.SOL_UDP, UDP_SEGMENT, struct.pack("=H", segment))],
                            0,
                            addr,
                        )
                        begin = ends[stop - 1]
                        index = stop
                        continue
                    except (BlockingIOError, InterruptedError):
                        raise
                    except OSError:
                        _gso["enabled"] = False  # no UDP GSO here: one packet per call
            sock.sendto(view[begin : ends[index]], addr)
            begin = ends[index]
            index += 1
    except (BlockingIOError, InterruptedError):
        for end in ends[index:]:  # socket full: let asyncio queue the rest
            transport.sendto(bytes(view[begin:end]), addr)
            begin = end
    except OSError:
        pass  # the viewer's address went away; ICE consent checks will notice


def _extension_ids(sender: RTCRtpSender) -> tuple[int | None, int | None]:
    """The negotiated ids of the mid and abs-send-time header extensions (None if absent)."""
    ext_map = getattr(sender, _SENDER_PREFIX + "rtp_header_extensions_map")
    ids = getattr(ext_map, "_HeaderExtensionsMap__ids", None)
    if ids is None:
        return None, None
    return ids.mid, ids.abs_send_time


class ViewerStream:
    """One viewer's RTP stream of one pipeline: its SSRC, sequence numbers, history."""

    def __init__(self, sender: RTCRtpSender, codec: RTCRtpCodecParameters, kind: str) -> None:
        self.kind = kind
        self.sender = sender
        self.packets = 0
        self.octets = 0
        self.dropped = 0
        self.quality = "auto"  # which rendition: "auto" (the pipeline decides), "hd", "low"
        self.switched_at = 0.0  # stage seconds of the last automatic switch
        self._dropped_seen = 0
        self._pushes = 0
        self._dtls = sender.transport
        self._ice = sender.transport.transport._connection
        assert codec.payloadType is not None
        self._pt: int = codec.payloadType
        self._ssrc = sender._ssrc
        self._seq = random_sequence_number()
        self._ts_origin = random32()
        self._need_key = kind == "video"
        self._history_frames: list[EncodedFrame | None] = [None] * HISTORY_SIZE
        self._history_index = [0] * HISTORY_SIZE
        self._srtp_session: Any = None
        self._srtp_ctx: Any = None
        self._rtx_pt: int | None = getattr(sender, _SENDER_PREFIX + "rtx_payload_type")
        self._rtx_ssrc = sender._rtx_ssrc
        self._rtx_seq = random_sequence_number()
        mid_id, abs_id = _extension_ids(sender)
        mid: str | None = getattr(sender, _SENDER_PREFIX + "mid")
        self._ext_head, self._abs, self._ext_tail = self._extensions(mid_id, mid, abs_id)
        self._first_byte = 0x90 if self._ext_head else 0x80
        self._header_len = HEADER.size + len(self._ext_head) + len(self._ext_tail)
        if self._abs:
            self._header_len += 3

    @staticmethod
    def _extensions(
        mid_id: int | None, mid: str | None, abs_id: int | None
    ) -> tuple[bytes, bool, bytes]:
        """One-byte header extension block split around the 3-byte abs-send-time value."""
        head = b""
        if mid_id and mid and 0 < mid_id < 15 and len(mid) <= 16:
            head += bytes([(mid_id << 4) | (len(mid) - 1)]) + mid.encode()
        use_abs = bool(abs_id and 0 < abs_id < 15)
        if use_abs:
            assert abs_id is not None
            head += bytes([(abs_id << 4) | 2])
        length = len(head) + (3 if use_abs else 0)
        if length == 0:
            return b"", False, b""
        padding = (-length) % 4
        prefix = struct.pack("!HH", 0xBEDE, (length + padding) // 4)
        return prefix + head, use_abs, b"\x00" * padding

    def congested(self) -> bool:
        """True if this viewer lost video since the last call: its socket backlog overflowed
        (we dropped frames) or its last receiver report says more than 5 % were lost."""
        dropped = self.dropped > self._dropped_seen
        self._dropped_seen = self.dropped
        stats: Any = getattr(self.sender, _SENDER_PREFIX + "stats", {})
        remote = stats.get(f"remote-inbound-rtp_{id(self.sender)}")
        lost = remote is not None and (remote.fractionLost or 0) > LOSS_LIMIT * 256
        return dropped or lost

    @property
    def waiting_for_keyframe(self) -> bool:
        """True until this viewer has been sent a keyframe (video only)."""
        return self._need_key

    def push(self, frame: EncodedFrame) -> None:
        """Send one shared frame to this viewer, or drop it if the viewer cannot take it.

        All packets of the frame are assembled back to back in one scratch buffer
        (header, the viewer's extensions, the shared payload) and SRTP-protected in place
        through libsrtp's C binding. Where the frame ends in a run of equal-size packets
        (FU-A fragments, see ``media.packetize_h264``) the run goes to the kernel in one
        ``sendmsg`` with UDP generic segmentation offload; other packets go one by one.
        """
        if self._need_key and not frame.keyframe:
            return
        dtls = self._dtls
        if dtls._state is not DtlsState.CONNECTED:
            return
        pair = self._ice._nominated.get(1)
        if pair is None or pair.protocol.transport is None:
            return
        transport: Any = pair.protocol.transport
        if transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
            self.dropped += 1
            if self.kind == "video":
                self._need_key = True
            return
        self._need_key = False
        ctx = self._srtp_context(dtls._tx_srtp)
        ext = (
            self._ext_head + frame.abs_send_time + self._ext_tail
            if self._abs
            else (self._ext_head + self._ext_tail)
        )
        head = self._header_len
        ts = (self._ts_origin + frame.timestamp) & 0xFFFFFFFF
        pt = self._pt
        seq = self._seq
        ssrc = self._ssrc
        first = self._first_byte
        frames = self._history_frames
        indexes = self._history_index
        payloads = frame.payloads
        last = len(payloads) - 1
        pack_into = HEADER.pack_into
        scratch, view, length = _scratch()
        ends: list[int] = []
        offset = octets = 0
        for i, payload in enumerate(payloads):
            pack_into(view, offset, first, pt | 0x80 if i == last else pt, seq, ts, ssrc)
            view[offset + HEADER.size : offset + head] = ext
            size = head + len(payload)
            if offset + size + SRTP_TRAILER > SCRATCH_SIZE:
                break  # a frame beyond 60 KB: send what fits, the receiver asks for a keyframe
            view[offset + head : offset + size] = payload
            length[0] = size
            if _srtp_protect(ctx, scratch + offset, length) != 0:
                break
            offset += length[0]
            ends.append(offset)
            frames[seq % HISTORY_SIZE] = frame
            indexes[seq % HISTORY_SIZE] = i
            seq = (seq + 1) & 0xFFFF
            octets += len(payload)
        self._seq = seq
        self.packets += len(ends)
        self.octets += octets
        _send(transport, pair.remote_addr, view, ends, frame.run_start)
        # keep aiortc's RTCP sender reports truthful (any recent NTP/RTP pair will do, and
        # reports go out about once a second, so refresh every 16th frame)
        self._pushes += 1
        if self._pushes & 0xF == 1:
            sender: Any = self.sender
            sender._RTCRtpSender__ntp_timestamp = frame.ntp
            sender._RTCRtpSender__rtp_timestamp = ts
            sender._RTCRtpSender__packet_count = self.packets
            sender._RTCRtpSender__octet_count = self.octets

    def _srtp_context(self, session: Any) -> Any:
        """The libsrtp context of ``session`` (cached; DTLS creates the session once)."""
        if self._srtp_session is not session:
            self._srtp_session = session
            self._srtp_ctx = session._srtp[0]
        return self._srtp_ctx

    def _rebuild(self, sequence_number: int) -> bytes | None:
        """The plain RTP packet sent with ``sequence_number``, rebuilt from the history."""
        slot = sequence_number % HISTORY_SIZE
        frame = self._history_frames[slot]
        if frame is None:
            return None
        index = self._history_index[slot]
        distance = (self._seq - sequence_number) & 0xFFFF
        if distance == 0 or distance > HISTORY_SIZE:
            return None
        ts = (self._ts_origin + frame.timestamp) & 0xFFFFFFFF
        last = len(frame.payloads) - 1
        ext = (
            self._ext_head + frame.abs_send_time + self._ext_tail
            if self._abs
            else (self._ext_head + self._ext_tail)
        )
        marker = 0x80 if index == last else 0
        return (
            HEADER.pack(self._first_byte, self._pt | marker, sequence_number, ts, self._ssrc)
            + ext
            + frame.payloads[index]
        )

    async def retransmit(self, sequence_number: int) -> None:
        """Answer a NACK from the history, wrapped as RTX when the viewer negotiated it."""
        data = self._rebuild(sequence_number)
        if data is None:
            return
        if self._rtx_pt is not None:
            head = self._header_len
            data = (
                HEADER.pack(
                    data[0],
                    (data[1] & 0x80) | self._rtx_pt,
                    self._rtx_seq,
                    struct.unpack_from("!I", data, 4)[0],
                    self._rtx_ssrc,
                )
                + data[HEADER.size : head]
                + data[2:4]
                + data[head:]
            )
            self._rtx_seq = (self._rtx_seq + 1) & 0xFFFF
        with contextlib.suppress(ConnectionError):
            await self._dtls._send_rtp(data)


class Feed(Protocol):
    """Where a viewer's stream of one seat and kind gets its frames: a pipeline in the
    engine's process, or a relayed copy of it in a fan-out process."""

    kind: str

    def subscribe(self, subscriber: Subscriber) -> None: ...

    def unsubscribe(self, subscriber: Subscriber) -> None: ...

    def request_keyframe(self) -> None: ...


def install(sender: RTCRtpSender, pipeline: Feed) -> None:
    """Replace ``sender``'s RTP loop by a subscription to ``pipeline``.

    Call after ``setRemoteDescription`` and before ``setLocalDescription`` (which starts
    the sender). The subscription lasts until the sender stops (peer closed).
    """
    holder: dict[str, ViewerStream] = {}
    target: Any = sender

    async def run_rtp(codec: RTCRtpCodecParameters) -> None:
        getattr(sender, _SENDER_PREFIX + "rtp_started").set()
        stream = ViewerStream(sender, codec, pipeline.kind)
        holder["stream"] = stream
        pipeline.subscribe(stream)
        pipeline.request_keyframe()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            pass
        finally:
            pipeline.unsubscribe(stream)
            getattr(sender, _SENDER_PREFIX + "rtp_exited").set()

    async def retransmit(sequence_number: int) -> None:
        stream = holder.get("stream")
        if stream is not None:
            await stream.retransmit(sequence_number)

    target._run_rtp = run_rtp
    target._retransmit = retransmit
    target._send_keyframe = pipeline.request_keyframe
