"""Pictures made on the spot with Pillow: valid images of a given size and format, and a
decompression bomb (booth logos, event logos and favicons)."""

from __future__ import annotations

import io
import zlib
from struct import pack

from PIL import Image


def picture_bytes(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGBA") -> bytes:
    image = Image.new(mode, size, (11, 92, 173, 255) if mode == "RGBA" else (11, 92, 173))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A real PNG header claiming width × height 1-bit pixels, with a few KB of zeros: it
    decodes to gigabytes. Built by hand so the test itself stays small."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    idat = zlib.compress(row * 64)
    header = pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
