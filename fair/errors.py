"""One exception type for every client error, so routes and services raise and the app
renders a clear page (or JSON) with the right status instead of a traceback."""

from __future__ import annotations


class HTTPError(Exception):
    """A client error with its status and a message that names the field or limit."""

    def __init__(self, status_code: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.field = field


def bad_request(field: str, message: str) -> HTTPError:
    return HTTPError(400, f"{field}: {message}", field=field)


def not_found(what: str = "Seite") -> HTTPError:
    return HTTPError(404, f"{what} nicht gefunden.")
