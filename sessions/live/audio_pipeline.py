"""The audio pipeline of one publisher: Opus once for all viewers, the raw frames to the
recorders (which encode AAC). See :mod:`sessions.live.media` for the shared loop."""

from __future__ import annotations

import fractions
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import av
from aiortc.mediastreams import MediaStreamTrack
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler

from .frames import AUDIO_CLOCK, EncodedFrame, StageClock, Target, abs_send_time_now
from .media import Pipeline


class AudioPipeline(Pipeline):
    """Encodes one publisher's audio once with Opus for all viewers (AAC for the recording)."""

    kind = "audio"

    def __init__(
        self,
        clock: StageClock,
        executor: ThreadPoolExecutor,
        on_source_ended: Callable[[Pipeline, MediaStreamTrack], None],
        bitrate: int = 64_000,
    ) -> None:
        super().__init__(clock, executor, on_source_ended)
        self.bitrate = bitrate
        self._codec: av.audio.codeccontext.AudioCodecContext | None = None
        self._resampler = AudioResampler(
            format="s16", layout="stereo", rate=AUDIO_CLOCK, frame_size=960
        )
        self._next_ts: int | None = None  # 48 kHz timestamp of the next Opus packet

    def _prepare(self, frame: av.frame.Frame) -> Callable[[], list[tuple[Target, EncodedFrame]]]:
        assert isinstance(frame, AudioFrame)
        wall = round(self.clock.now() * AUDIO_CLOCK)
        return lambda: [(self, item) for item in self._encode(frame, wall)]

    def _open_codec(self) -> av.audio.codeccontext.AudioCodecContext:
        codec = av.CodecContext.create("libopus", "w")
        assert isinstance(codec, av.audio.codeccontext.AudioCodecContext)
        codec.bit_rate = self.bitrate
        codec.format = "s16"
        codec.layout = "stereo"
        codec.sample_rate = AUDIO_CLOCK
        codec.time_base = fractions.Fraction(1, AUDIO_CLOCK)
        codec.options = {"application": "voip"}
        return codec

    def _encode(self, frame: AudioFrame, wall: int) -> list[EncodedFrame]:
        # Continue the sample count while audio flows; after a gap of more than 200 ms
        # (publisher paused or reconnected) jump forward to the wall clock.
        if self._next_ts is None or wall - self._next_ts > AUDIO_CLOCK // 5:
            self._next_ts = wall
        start = self._next_ts
        if self.recorder is not None:
            self.recorder.write_audio(frame, start)
        if self.low_recorder is not None:  # the low HLS variant carries the sound too
            self.low_recorder.write_audio(frame, start)
        if self._codec is None:
            self._codec = self._open_codec()
        frame.pts = None
        out: list[EncodedFrame] = []
        for chunk in self._resampler.resample(frame):
            chunk.pts = None
            for packet in self._codec.encode(chunk):
                ts = self._next_ts
                self._next_ts += packet.duration or 960
                out.append(
                    EncodedFrame(
                        payloads=(bytes(packet),),
                        timestamp=ts,
                        ntp=self.clock.ntp(ts / AUDIO_CLOCK),
                        abs_send_time=abs_send_time_now(),
                        keyframe=True,
                        run_start=1,
                    )
                )
        return out
