"""Uploaded pictures (booth logos and covers) made safe and small with Pillow.

The upload is content-checked first (:mod:`fair.uploads`); here it is decoded once,
refused when it is not a picture or too large to decode safely (a decompression bomb
names its megapixels), and re-encoded into a few widths as WebP plus a fallback (PNG for
logos, which need transparency; JPEG for photos). Re-encoding also drops whatever a file
carried besides pixels (metadata, embedded scripts, trailing data).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000
"""Largest picture decoded (40 megapixels, ~160 MB of RGBA); larger ones are refused."""

# Pillow's own bomb guard stays as a second wall behind :func:`decode`'s check, set far
# enough above it that the visitor gets decode's message with the measured megapixels.
Image.MAX_IMAGE_PIXELS = 8 * MAX_PIXELS


class ImageRefused(ValueError):
    """The upload cannot be used as a picture; the message says why, for the visitor.
    ``status``: 415 for what is no picture, 413 for one too large to decode."""

    def __init__(self, message: str, status: int = 415) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ImageKind:
    name: str
    widths: tuple[int, ...]
    fallback: str  # "png" or "jpeg"
    aspect: float | None = None  # width / height to crop to; None keeps the picture's


LOGO = ImageKind("logo", (96, 192, 384), "png")
COVER = ImageKind("cover", (640, 1280, 1920), "jpeg", aspect=4.0)
KINDS = {k.name: k for k in (LOGO, COVER)}


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    fmt: str  # "webp", "png" or "jpeg"
    data: bytes

    @property
    def name(self) -> str:
        return f"{self.width}.{self.fmt}"

    @property
    def content_type(self) -> str:
        return f"image/{self.fmt}"


def decode(data: bytes) -> Image.Image:
    """The picture, upright, with its pixels loaded; :class:`ImageRefused` otherwise."""
    try:
        with warnings.catch_warnings():
            # open() reads only the header; the size check below decides, with a message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            pixels = image.width * image.height
            if pixels > MAX_PIXELS:
                raise ImageRefused(
                    f"Bild zu groß: {image.width} × {image.height} Pixel "
                    f"({pixels / 1e6:.0f} Megapixel); höchstens {MAX_PIXELS // 1_000_000}",
                    413,
                )
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageRefused(f"Bild zu groß zum Entpacken: {exc}", 413) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("Die Datei ist kein lesbares Bild (PNG, JPEG oder WebP).") from exc
    return ImageOps.exif_transpose(image)


def _crop(image: Image.Image, aspect: float | None) -> Image.Image:
    if aspect is None:
        return image
    return ImageOps.fit(image, (image.width, max(1, round(image.width / aspect))))


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    elif fmt == "png":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def make_variants(data: bytes, kind: ImageKind) -> list[Variant]:
    """Every width of ``kind`` up to the picture's own (at least the smallest), each as
    WebP and as the fallback format. CPU-bound: run it in a worker thread."""
    image = _crop(decode(data), kind.aspect)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert(
            "RGBA" if "transparency" in image.info or "A" in image.mode else "RGB"
        )
    widths = [w for w in kind.widths if w <= image.width] or [kind.widths[0]]
    variants = []
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        scaled = image.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in ("webp", kind.fallback):
            variants.append(Variant(width, height, fmt, _encode(scaled, fmt)))
    return variants
