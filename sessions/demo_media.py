"""Recordings for the demo fair, made at seeding with PyAV so the lasting fair can be seen.

Each talk gets a real H.264 + AAC MP4 (``faststart``, so browsers and Safari start playing
before the whole file is loaded): slide-like pictures with the talk's title, one every
30 seconds, and a voice-band tone. Pictures are drawn with Pillow's built-in font (no
system fonts needed). To keep seeding fast on two cores the video is small (480x270)
and runs at 2 frames per second, which a slide recording does not need more of.
Everything is deterministic: the same talk gives the same file.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av
from av.container import OutputContainer
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 480, 270
FPS = 2
SLIDE_SECONDS = 30
SAMPLE_RATE = 16000
AUDIO_FRAME = 1024
MIN_SECONDS = 180
LOOP_SECONDS = 16  # 256,000 samples = 250 AAC frames: the loop closes on a frame

F = TypeVar("F", av.AudioFrame, av.VideoFrame)


@dataclass(frozen=True)
class Slide:
    """One picture of a demo recording, shown from ``start`` seconds on."""

    start: float
    heading: str
    lines: tuple[str, ...]


_FONTS: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (Debian's fonts-dejavu-core, found by Pillow) for umlauts; Pillow's
    built-in font otherwise (then :func:`_printable` spells umlauts out)."""
    if size not in _FONTS:
        try:
            _FONTS[size] = ImageFont.truetype("DejaVuSans.ttf", size)
        except OSError:
            _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


def _printable(text: str, size: int) -> str:
    if isinstance(_font(size), ImageFont.FreeTypeFont) and "DejaVu" in str(
        getattr(_font(size), "path", "")
    ):
        return text
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe")):
        text = text.replace(umlaut, spelled)
    return text.replace("Ü", "Ue").replace("ß", "ss").replace("–", "-")


def draw_slide(slide: Slide, footer: str) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 8), fill=(0, 84, 147))
    y = 22
    for line in textwrap.wrap(slide.heading, 30)[:3]:
        draw.text((22, y), _printable(line, 24), fill=(0, 50, 90), font=_font(24))
        y += 30
    y += 8
    for line in slide.lines[:5]:
        for part in textwrap.wrap(line, 46)[:2]:
            draw.text((26, y), _printable(part, 15), fill=(30, 30, 30), font=_font(15))
            y += 20
    draw.text((22, HEIGHT - 26), _printable(footer, 13), fill=(90, 90, 90), font=_font(13))
    return image


def _tone_period() -> bytes:
    """One second of a speech-like tone: 220 Hz with harmonics, in syllable-like bursts."""
    samples = bytearray()
    for n in range(SAMPLE_RATE):
        t = n / SAMPLE_RATE
        envelope = 0.55 + 0.45 * math.sin(2 * math.pi * 3.0 * t)  # ~3 syllables a second
        value = (
            math.sin(2 * math.pi * 220 * t)
            + 0.5 * math.sin(2 * math.pi * 440 * t)
            + 0.25 * math.sin(2 * math.pi * 880 * t)
        )
        sample = int(6000 * envelope * value / 1.75)
        samples += sample.to_bytes(2, "little", signed=True)
    return bytes(samples)


def write_tone_loop(path: Path) -> None:
    """Encode ``LOOP_SECONDS`` of tone as AAC once; every recording loops its packets.

    AAC encoding is most of the cost of a demo file (about 3 s per 3 minutes here), and
    the tone is the same in every talk, so it is encoded once and its packets re-timed.
    """
    with av.open(str(path), "w", format="mp4") as out:
        audio = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        audio.bit_rate = 24000
        _encode_all(out, audio.encode, _tone_frames())


def _tone_frames() -> Iterator[av.AudioFrame]:
    """``LOOP_SECONDS`` of :func:`_tone_period`, in encoder-sized frames."""
    tone = _tone_period() * 2  # a frame may run past the end of one second
    for start in range(0, LOOP_SECONDS * SAMPLE_RATE, AUDIO_FRAME):
        offset = (start % SAMPLE_RATE) * 2
        frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_FRAME)
        frame.planes[0].update(tone[offset : offset + AUDIO_FRAME * 2])
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        frame.time_base = Fraction(1, SAMPLE_RATE)
        yield frame


def _slide_frames(slides: list[Slide], duration: float, footer: str) -> Iterator[av.VideoFrame]:
    """``FPS`` pictures a second, each the slide shown at that moment (drawn once)."""
    pictures: dict[int, av.VideoFrame] = {}
    for index in range(int(duration * FPS)):
        second = index / FPS
        current = max(i for i, s in enumerate(slides) if s.start <= second)
        if current not in pictures:
            image = draw_slide(slides[current], footer)
            pictures[current] = av.VideoFrame.from_image(image).reformat(format="yuv420p")  # type: ignore[no-untyped-call]  # PyAV stub lacks types
        frame = pictures[current]
        frame.pts = index
        frame.time_base = Fraction(1, FPS)
        yield frame


def _encode_all(
    out: OutputContainer, encode: Callable[[F | None], list[av.Packet[Any]]], frames: Iterable[F]
) -> None:
    """Encode every frame, then flush the encoder (``None``), muxing all packets: the
    one loop the tone and the slides share."""
    for frame in frames:
        out.mux(encode(frame))
    out.mux(encode(None))


def write_recording(
    path: Path, slides: list[Slide], duration: float, footer: str, tone_loop: Path
) -> float:
    """Encode ``slides`` over ``duration`` seconds into ``path`` with the looped tone
    from ``tone_loop`` (:func:`write_tone_loop`); returns the duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        av.open(str(tone_loop)) as source,
        av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "32", "g": str(FPS * 10)}
        video.codec_context.time_base = Fraction(1, FPS)
        tone_stream = source.streams.audio[0]
        audio = out.add_stream_from_template(tone_stream)
        _encode_all(out, video.encode, _slide_frames(slides, duration, footer))
        loop = [(p, p.pts) for p in source.demux(tone_stream) if p.size and p.pts is not None]
        base = loop[0][1] or 0
        period = LOOP_SECONDS * SAMPLE_RATE
        end = int(duration * SAMPLE_RATE)
        time_base = tone_stream.time_base or Fraction(1, SAMPLE_RATE)
        scale = Fraction(1, SAMPLE_RATE) / time_base
        offset = 0
        while offset < end:
            for original, original_pts in loop:
                within = int(((original_pts or 0) - base) / scale)
                pts = offset + within
                if pts >= end or within >= period:
                    break
                packet = av.Packet(bytes(original))
                packet.stream = audio
                packet.time_base = Fraction(1, SAMPLE_RATE)
                packet.pts = packet.dts = pts
                packet.duration = AUDIO_FRAME
                out.mux(packet)
            offset += period
    return duration


def poster_frame(video_path: Path, poster_path: Path, at_seconds: float = 5.0) -> bool:
    """Take one frame from the video (PyAV) as a JPEG poster; False if none decodes."""
    try:
        with av.open(str(video_path)) as container:
            stream = container.streams.video[0]
            if at_seconds > 0 and stream.time_base:
                container.seek(int(at_seconds / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                poster_path.parent.mkdir(parents=True, exist_ok=True)
                frame.to_image().save(poster_path, "JPEG", quality=80)  # type: ignore[no-untyped-call]  # PyAV stub
                return True
    except (av.error.FFmpegError, IndexError, OSError):
        return False
    return False


def probe_duration(path: Path) -> float | None:
    """Seconds of media in ``path`` by PyAV (container header, else the last packet);
    None when it cannot be read as media."""
    try:
        with av.open(str(path)) as container:
            if container.duration:
                return float(container.duration / av.time_base)
            last = 0.0
            for packet in container.demux():
                if packet.pts is not None and packet.time_base is not None:
                    end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    last = max(last, end)
            return last or None
    except (av.error.FFmpegError, OSError, ValueError):
        return None
