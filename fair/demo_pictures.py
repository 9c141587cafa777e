"""Logos and cover images for the demo fair, drawn with Pillow from the booth's name: the
same slug always gives the same picture, and nothing is fetched from the network."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

# Dark enough for white initials to pass WCAG AA (contrast ≥ 4.5 : 1 against white).
PALETTE = [
    (11, 92, 173), (29, 107, 58), (138, 75, 0), (163, 22, 43),
    (84, 56, 140), (0, 102, 112), (90, 90, 90), (125, 46, 104),
]  # fmt: skip


def _colour(slug: str, salt: str = "") -> tuple[int, int, int]:
    digest = hashlib.sha256((salt + slug).encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:3]).upper()
    return letters or "?"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def demo_logo(slug: str, organisation: str) -> bytes:
    """A 384 × 192 badge: the organisation's initials on its colour, transparent corners."""
    image = Image.new("RGBA", (384, 192), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 383, 191), radius=36, fill=_colour(slug))
    font = ImageFont.load_default(size=88)
    draw.text((192, 96), initials(organisation), font=font, fill="white", anchor="mm")
    return _png(image)


def _tint(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    r, g, b = (round(c + (255 - c) * amount) for c in colour)
    return (r, g, b)


def demo_cover(slug: str) -> bytes:
    """A 1280 × 320 banner of soft diagonal bands in two tints of the palette."""
    first, second = _tint(_colour(slug), 0.8), _tint(_colour(slug, "cover"), 0.65)
    height = 320
    image = Image.new("RGB", (1280, height), first)
    draw = ImageDraw.Draw(image)
    step = 80 + hashlib.sha256(slug.encode()).digest()[1] % 80
    for x in range(-height, 1280, step * 2):
        band = [(x, height), (x + step, height), (x + step + height, 0), (x + height, 0)]
        draw.polygon(band, fill=second)
    return _png(image)


def demo_event_logo(name: str) -> bytes:
    """A 480 × 160 word mark for the demo event: its short name in white on the default
    accent colour (contrast 6.9 : 1)."""
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 479, 159), radius=28, fill=(11, 92, 173))
    font = ImageFont.load_default(size=84)
    draw.text((240, 80), name, font=font, fill="white", anchor="mm")
    return _png(image)


def demo_favicon(name: str) -> bytes:
    """A 180 × 180 square with the event's first letter (browsers scale it to 32 px)."""
    image = Image.new("RGBA", (180, 180), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 179, 179), radius=36, fill=(11, 92, 173))
    font = ImageFont.load_default(size=130)
    draw.text((90, 92), (name[:1] or "?").upper(), font=font, fill="white", anchor="mm")
    return _png(image)


def demo_host_mark(slug: str, host: str) -> bytes:
    """A 192 × 192 round seal for a host region: the start of its place name (or the
    initials of a double name) on its own colour."""
    image = Image.new("RGBA", (192, 192), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = _colour(slug, "host")
    draw.ellipse((0, 0, 191, 191), fill=colour)
    draw.ellipse((12, 12, 179, 179), outline="white", width=6)
    font = ImageFont.load_default(size=64)
    region = host.split()[-1] if host.split() else host  # "… Modellregion Aachen" → "Aa"
    label = initials(region) if "-" in region else region[:2]
    draw.text((96, 96), label, font=font, fill="white", anchor="mm")
    return _png(image)
