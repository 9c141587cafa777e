"""Names of a booth's realtime channel (its chat and presence, :mod:`fair.chat`), used by
the hall and by the booth socket the programme serves."""

from __future__ import annotations


def booth_channel(slug: str) -> str:
    return f"booth:{slug}"
