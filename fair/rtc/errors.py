"""The one exception the WebRTC side raises at its callers (the live engine, the SDP
checks the appointment call relay shares).

The HTTP layer maps :class:`LiveError` to a response with ``status_code`` and ``message``
(``fair.app.handle_live_error``: JSON or a page, in the page's language) without
knowing anything about WebRTC; everything else escaping the engine is a bug.
"""

from __future__ import annotations


class LiveError(Exception):
    """A request the live stage (or a check it shares) refuses; ``status_code`` is the
    HTTP status to answer with.

    Raised before any state changes, so a refused offer never disturbs the running
    session, its viewers or its recording.
    """

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message

    def __repr__(self) -> str:
        return f"LiveError({self.status_code}, {self.message!r})"
