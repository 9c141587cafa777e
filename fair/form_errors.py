"""Form errors shown where they happened: the same form again, the input kept, the
message next to its field and in a summary that links to it, in the page's language.

Services and :func:`fair.web.form_text` raise :class:`~fair.errors.HTTPError` with a
``field`` and a German message ``"field: reason"``; this module turns it into the
``{field: translated reason}`` the template macros in ``_form_errors.html`` render.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fair.errors import HTTPError

Translate = Callable[[str], str]

# Reasons with a value in them: the German pattern and its catalog message.
_PATTERNS = (
    (re.compile(r"^höchstens (\d+) Zeichen$"), "höchstens %(value)s Zeichen"),
    (re.compile(r"^mindestens (\d+) Zeichen$"), "mindestens %(value)s Zeichen"),
    (re.compile(r"^Die Datei ist zu groß \(höchstens (\d+) MB\)\.$"),
     "Die Datei ist zu groß (höchstens %(value)s MB)."),
    (re.compile(r"^Dateityp nicht erlaubt – (.+)$"), "Dateityp nicht erlaubt – %(value)s"),
)  # fmt: skip


def reason(error: HTTPError, gettext: Translate) -> str:
    """The error's message without its ``field:`` prefix, translated when the catalog
    knows it (a reason it does not know stays as the service wrote it)."""
    text = error.message
    if error.field and text.startswith(f"{error.field}: "):
        text = text[len(error.field) + 2 :]
    for pattern, message in _PATTERNS:
        found = pattern.match(text)
        if found:
            return gettext(message) % {"value": found.group(1)}
    return gettext(text)


def field_errors(error: HTTPError, gettext: Translate) -> dict[str, str]:
    """``{field: reason}`` for a form template; a fieldless error goes under ``""``."""
    return {error.field or "": reason(error, gettext)}
