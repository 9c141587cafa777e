"""The event's own look: a short name in the header and an accent colour.

An accent colour is refused unless it reaches WCAG AA contrast (4.5 : 1) against every
background it is drawn on and against the white text on buttons; the message gives the
measured ratio. Pages read the branding from memory (:class:`BrandingCache`), never per
request from the database. The branding lives on the event series, so the one in-memory
copy of the series (``fair.series_scope.SeriesCache``) reads it with the series list: a
change is seen at once on this instance and within ``CACHE_SECONDS`` there on others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal
from PIL import ImageColor
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.branding_pictures import picture_of
from fair.errors import bad_request
from fair.models import EventSeries

DEFAULT_NAME = "fair"
DEFAULT_ACCENT = "#0b5cad"
AA_RATIO = 4.5
# Where the accent is drawn (static/css/fair.css): links on the page and on the header's
# and filters' soft background; white (accent-ink) text on accent buttons.
BACKGROUNDS = {"#ffffff": "Weiß", "#f3f6f9": "Hellgrau"}


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two colours, 1 to 21."""
    a = _luminance(ImageColor.getrgb(first)[:3])
    b = _luminance(ImageColor.getrgb(second)[:3])
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def check_accent(raw: str, field: str = "accent") -> str:
    """The colour as ``#rrggbb``; 400 naming the field for what is no colour or fails AA."""
    value = raw.strip()
    try:
        rgb = ImageColor.getrgb(value)[:3]
    except ValueError:
        raise bad_request(field, f"„{value[:40]}“ ist keine Farbe (z. B. #0b5cad)") from None
    colour = "#{:02x}{:02x}{:02x}".format(*rgb)
    for background, name in BACKGROUNDS.items():
        ratio = contrast_ratio(colour, background)
        if ratio < AA_RATIO:
            raise bad_request(
                field,
                f"Kontrast von {colour} zu {name} ({background}) ist "
                f"{format_decimal(ratio, '0.00', locale='de')} : 1; WCAG AA verlangt mindestens "
                f"{format_decimal(AA_RATIO, '0.0', locale='de')} : 1. "
                "Bitte eine dunklere Farbe wählen.",
            )
    return colour


@dataclass(frozen=True)
class Branding:
    name: str = DEFAULT_NAME
    accent: str = DEFAULT_ACCENT
    # Resized picture sets (fair.branding_pictures); None: the name in the header and the
    # default favicon.
    logo: dict[str, Any] | None = field(default=None, compare=False)
    favicon: dict[str, Any] | None = field(default=None, compare=False)

    def logo_size(self, height: int = 40) -> tuple[int, int]:
        """Width and height of the header logo drawn ``height`` px high."""
        if self.logo is None:
            return (0, height)
        return (max(1, round(height * self.logo["w"] / self.logo["h"])), height)

    @property
    def version(self) -> str:
        """Changes with the colour, so the stylesheet URL can be cached for good."""
        return hashlib.sha256(self.accent.encode()).hexdigest()[:10]

    def stylesheet(self) -> str:
        return f":root {{ --accent: {self.accent}; --accent-ink: #ffffff; }}\n"


async def load_branding(db: AsyncSession) -> Branding:
    series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))
    if series is None:
        return Branding()
    return Branding(
        name=series.brand_name or DEFAULT_NAME,
        accent=series.accent_colour or DEFAULT_ACCENT,
        logo=picture_of(series, "event-logo"),
        favicon=picture_of(series, "favicon"),
    )


async def save_branding(db: AsyncSession, *, name: str, accent: str) -> Branding:
    """Both fields checked before anything is written."""
    colour = check_accent(accent)
    if not name.strip() or len(name) > 60:
        raise bad_request("name", "1 bis 60 Zeichen")
    series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))
    if series is None:
        raise bad_request("name", "es gibt noch keine Veranstaltungsreihe")
    series.brand_name = name.strip()
    series.accent_colour = colour
    await db.flush()
    return await load_branding(db)


class BrandingCache:
    """The branding every page shows. Filled by the series cache whenever it reads the
    event series (``fair.series_scope.SeriesCache``), and at once by the views that
    change it on this instance."""

    def __init__(self) -> None:
        self.current = Branding()
