"""Names of a booth's realtime channel (its chat and presence), shared by the hall and the
programme's chat service, which builds on booths."""

from __future__ import annotations


def booth_channel(slug: str) -> str:
    return f"booth:{slug}"
